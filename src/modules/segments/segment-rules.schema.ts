/**
 * A segment's definition: a tree of rules joined by `all` (AND), `any` (OR) and `not`, whose leaves each
 * test one thing about a customer (docs/segments.md lists them with examples). parse-segment-rules.ts
 * reads a tree with these schemas and names the path of whatever is wrong.
 */
import { z } from 'zod';
import { IdentityKindSchema } from '../customers/customer.schema.ts';
import { WindowSchema } from '../funnels/funnel.schema.ts';
import { StageSchema } from '../lifecycle/lifecycle.schema.ts';
import { RFM_SEGMENTS } from '../value/value.schema.ts';

/** Trait and property names are spliced into SQL as JSON keys, so they are held to a plain alphabet. */
const KeySchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_.:-]{0,99}$/, 'must be a name of letters, digits, _ . : or -, e.g. plan');
const EventNameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters');
const Scalar = z.union([z.string(), z.number(), z.boolean()]);

export const COMPARISONS = [
  'eq',
  'neq',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'notIn',
  'contains',
  'exists',
  'missing',
] as const;
export type Comparison = (typeof COMPARISONS)[number];

/** A value compared with `op`: a number for gt/gte/lt/lte, a list for in/notIn, text for contains, none for exists/missing. */
const ComparedFields = {
  op: z.enum(COMPARISONS).default('eq'),
  value: z.union([Scalar, z.array(Scalar)]).optional(),
};
const checkComparison = (rule: { op: Comparison; value?: unknown }, context: z.RefinementCtx) => {
  const problem = comparisonProblem(rule.op, rule.value);
  if (problem) context.addIssue({ code: 'custom', path: ['value'], message: problem });
};

function comparisonProblem(op: Comparison, value: unknown): string | null {
  if (op === 'exists' || op === 'missing')
    return value === undefined ? null : `must be left out: "${op}" compares with nothing`;
  if (value === undefined) return `is required for "${op}"`;
  if (op === 'in' || op === 'notIn')
    return Array.isArray(value) && value.length > 0
      ? null
      : `must be a non-empty list for "${op}", e.g. ["gold", "silver"]`;
  if (Array.isArray(value)) return `must be one value for "${op}"; use "in" to compare with a list`;
  if ((op === 'gt' || op === 'gte' || op === 'lt' || op === 'lte') && typeof value !== 'number')
    return `must be a number for "${op}", not ${JSON.stringify(value)}`;
  if (op === 'contains' && typeof value !== 'string') return 'must be text for "contains"';
  return null;
}

/** A customer trait (the latest value an identify call gave): `{"trait": "plan", "op": "eq", "value": "pro"}`. */
export const TraitRuleSchema = z
  .strictObject({ trait: KeySchema, ...ComparedFields })
  .superRefine(checkComparison);

/** An event's column (channel, device, campaign, source, medium) or property, compared. */
export const PropertyConditionSchema = z
  .strictObject({ property: KeySchema, ...ComparedFields })
  .superRefine(checkComparison);
export type PropertyCondition = z.infer<typeof PropertyConditionSchema>;

/** How many (or how much) against a number: at least 3 is `{"op": "gte", "value": 3}`. */
const AmountSchema = z.strictObject({
  op: z.enum(['eq', 'neq', 'gt', 'gte', 'lt', 'lte']),
  value: z.number({ error: 'must be a number' }),
});

const FollowingEventSchema = z.strictObject({
  event: EventNameSchema,
  where: z.array(PropertyConditionSchema).max(10, 'must hold at most 10 conditions').optional(),
  /** After the first event, within this long. */
  within: WindowSchema,
});

/**
 * Did an event, as of the evaluation time: `within` the last d days, `where` its columns or properties
 * match, at least once unless `count` or `sum` says otherwise. With `notFollowedBy` (or `followedBy`): an
 * occurrence that no such event followed (or that one followed) within its window — "customised a
 * product in the last 7 days and did not buy within 7 days of it".
 */
export const EventRuleSchema = z
  .strictObject({
    event: EventNameSchema,
    where: z.array(PropertyConditionSchema).max(10, 'must hold at most 10 conditions').optional(),
    within: WindowSchema.optional(),
    count: AmountSchema.optional(),
    sum: z.strictObject({ property: KeySchema, ...AmountSchema.shape }).optional(),
    followedBy: FollowingEventSchema.optional(),
    notFollowedBy: FollowingEventSchema.optional(),
  })
  .refine((rule) => [rule.count, rule.sum, rule.followedBy, rule.notFollowedBy].filter(Boolean).length <= 1, {
    message: 'may have only one of count, sum, followedBy and notFollowedBy; combine two rules with "all"',
  });

/** Has an identity of this kind (an email, a phone, …). */
export const IdentityRuleSchema = z.strictObject({ identity: IdentityKindSchema });

/** One name or a list of names from a closed set, read as a list: `"loyalty"` or `["loyalty", "advocacy"]`. */
const oneOrMore = <T extends string>(names: readonly T[], what: string) =>
  z.preprocess(
    (value) => (Array.isArray(value) ? value : [value]),
    z
      .array(z.enum(names as [T, ...T[]], { error: `must be ${what}: ${names.join(', ')}` }))
      .min(1, `must name at least one ${what.replace(/^(a|an|one of the) /, '')}`),
  );

const StagesSchema = oneOrMore(StageSchema.options, 'a stage');

/** Stands at one of these lifecycle stages now. */
export const StageRuleSchema = z.strictObject({ stage: StagesSchema });

/** Entered this stage, ever or within the last d days (the stage history). */
export const ReachedStageRuleSchema = z.strictObject({
  reachedStage: StageSchema,
  within: WindowSchema.optional(),
});

/** In Action or Loyalty and quiet for longer than the lifecycle's lapsed rule: true, or false for not. */
export const LapsedRuleSchema = z.strictObject({ lapsed: z.boolean() });

export const BuyingRoleSchema = z.enum([
  'decision_maker',
  'economic_buyer',
  'champion',
  'influencer',
  'user',
  'gatekeeper',
]);

/** Belongs to a B2B account: any (`true`), or one whose trait compares (`{"trait": "industry", "value": "retail"}`). */
export const AccountRuleSchema = z.strictObject({ account: z.union([z.literal(true), TraitRuleSchema]) });

/** Holds one of these roles in an account's buying committee. */
export const BuyingRoleRuleSchema = z.strictObject({
  buyingRole: oneOrMore(BuyingRoleSchema.options, 'a buying role'),
});

/** Within one of these RFM segments (recency and frequency scores, as GET /api/value/rfm names them). */
export const RfmRuleSchema = z.strictObject({
  rfm: oneOrMore(RFM_SEGMENTS, 'an RFM segment'),
});

/**
 * Lifetime value ahead, or probability of still being a customer, as the latest valuation stored them
 * (`agora value valuate`): `{"clv": {"op": "gte", "value": 500}}`, `{"probabilityAlive": {"op": "lt", "value": 0.3}}`.
 */
export const ClvRuleSchema = z.strictObject({ clv: AmountSchema });
export const ProbabilityAliveRuleSchema = z.strictObject({
  probabilityAlive: z.strictObject({
    op: AmountSchema.shape.op,
    value: z
      .number({ error: 'must be a number from 0 to 1' })
      .min(0, 'must be a number from 0 to 1')
      .max(1, 'must be a number from 0 to 1'),
  }),
});

/** Assigned to one of these personas (their ids, as GET /api/personas lists them). */
export const PersonaRuleSchema = z.strictObject({
  persona: z.preprocess(
    (value) => (Array.isArray(value) ? value : [value]),
    z
      .array(z.number({ error: 'must be a persona id (a number), e.g. 3' }).int('must be a whole number'))
      .min(1, 'must name at least one persona'),
  ),
});

/** A member of another saved segment, by its slug, as that segment's rules say now. */
export const SegmentReferenceRuleSchema = z.strictObject({ segment: KeySchema });

export type TraitRule = z.infer<typeof TraitRuleSchema>;
export type EventRule = z.infer<typeof EventRuleSchema>;
export type Rule =
  | { all: Rule[] }
  | { any: Rule[] }
  | { not: Rule }
  | TraitRule
  | EventRule
  | z.infer<typeof IdentityRuleSchema>
  | z.infer<typeof StageRuleSchema>
  | z.infer<typeof ReachedStageRuleSchema>
  | z.infer<typeof LapsedRuleSchema>
  | z.infer<typeof AccountRuleSchema>
  | z.infer<typeof BuyingRoleRuleSchema>
  | z.infer<typeof RfmRuleSchema>
  | z.infer<typeof ClvRuleSchema>
  | z.infer<typeof ProbabilityAliveRuleSchema>
  | z.infer<typeof PersonaRuleSchema>
  | z.infer<typeof SegmentReferenceRuleSchema>;

/** Each leaf kind by the key that names it. */
export const LEAF_SCHEMAS = {
  trait: TraitRuleSchema,
  event: EventRuleSchema,
  identity: IdentityRuleSchema,
  stage: StageRuleSchema,
  reachedStage: ReachedStageRuleSchema,
  lapsed: LapsedRuleSchema,
  account: AccountRuleSchema,
  buyingRole: BuyingRoleRuleSchema,
  rfm: RfmRuleSchema,
  clv: ClvRuleSchema,
  probabilityAlive: ProbabilityAliveRuleSchema,
  persona: PersonaRuleSchema,
  segment: SegmentReferenceRuleSchema,
} as const;

export const RULE_KEYS = ['all', 'any', 'not', ...Object.keys(LEAF_SCHEMAS)] as const;

/** The rule tree as the API takes it; checked by parseSegmentRules, which names the path at fault. */
export const SegmentRulesInputSchema = z.unknown().meta({
  description:
    `A rule tree: {"all": [rules]}, {"any": [rules]}, {"not": rule}, or a leaf keyed by one of ${RULE_KEYS.slice(3).join(', ')} ` +
    '(docs/segments.md). At most 8 levels deep and 100 rules.',
  example: {
    all: [
      {
        event: 'Product Customized',
        within: '7d',
        notFollowedBy: { event: 'Order Completed', within: '7d' },
      },
      { not: { stage: 'loyalty' } },
    ],
  },
});
