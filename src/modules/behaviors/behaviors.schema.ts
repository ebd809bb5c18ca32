import { z } from 'zod';
import { OptionalDateSchema } from '../../platform/http/time-range.schema.ts';
import { AudienceFilterFields } from '../lifecycle/lifecycle.schema.ts';
import { BehaviorSchema } from '../taxonomy/index.ts';

export { BehaviorSchema };
export type Behavior = z.infer<typeof BehaviorSchema>;
export const BEHAVIORS = BehaviorSchema.options;

/** What a behaviour figure can be: how many show it, how strongly, where. */
export const METRICS = ['index', 'reach', 'depth', 'mobileShare', 'coverage'] as const;
export const MetricSchema = z.enum(METRICS);
export type Metric = z.infer<typeof MetricSchema>;

export const BehaviorQuerySchema = z.object({
  asOf: OptionalDateSchema.describe('the end of the window (default: the day after the latest event)'),
  window: z.coerce
    .number()
    .int('must be a whole number of days')
    .min(7, 'must be from 7 to 365 days')
    .max(365, 'must be from 7 to 365 days')
    .default(90)
    .describe('days of activity the scores read, up to asOf'),
  breakdown: z
    .enum(['persona', 'segment', 'channel'])
    .default('persona')
    .describe('beside the organisation: by persona, by B2B/B2C, or by the channel of the first touch'),
  ...AudienceFilterFields,
});
export type BehaviorQuery = z.infer<typeof BehaviorQuerySchema>;

/** One behaviour in one group of customers. */
export const BehaviorFigureSchema = z.object({
  behavior: BehaviorSchema,
  /** Mean score over the group's active customers, 0–100: the radar's value. */
  index: z.number(),
  /** Share of the active customers who showed the behaviour at all. */
  reach: z.number(),
  /** Mean score of those who showed it, 0–100. */
  depth: z.number(),
});
export type BehaviorFigure = z.infer<typeof BehaviorFigureSchema>;

export const BehaviorGroupSchema = z.object({
  key: z.string(),
  /** Customers with a touchpoint in the window. */
  activeCustomers: z.number(),
  behaviors: z.array(BehaviorFigureSchema),
  strongest: BehaviorSchema.nullable(),
  weakest: BehaviorSchema.nullable(),
});
export type BehaviorGroup = z.infer<typeof BehaviorGroupSchema>;

export const BehaviorReportSchema = z.object({
  asOf: z.date(),
  windowDays: z.number(),
  organisation: BehaviorGroupSchema,
  breakdown: z.enum(['persona', 'segment', 'channel']),
  groups: z.array(BehaviorGroupSchema),
  notes: z.array(z.string()),
});
export type BehaviorReport = z.infer<typeof BehaviorReportSchema>;

/** Month by month over the year before asOf: each behaviour's share of that month's active customers. */
export const BehaviorTrendSchema = z.object({
  asOf: z.date(),
  months: z.array(
    z.object({ month: z.string(), activeCustomers: z.number(), reach: z.record(z.string(), z.number()) }),
  ),
});
export type BehaviorTrend = z.infer<typeof BehaviorTrendSchema>;

export const CustomerBehaviorSchema = z.object({
  customerId: z.number(),
  asOf: z.date(),
  windowDays: z.number(),
  scores: z.array(
    z.object({
      behavior: BehaviorSchema,
      score: z.number(),
      events: z.number(),
      lastAt: z.date().nullable(),
      kinds: z.number(),
    }),
  ),
});
export type CustomerBehavior = z.infer<typeof CustomerBehaviorSchema>;

export const CoverageSchema = z.object({
  asOf: z.date(),
  windowDays: z.number(),
  /** The share of all touchpoints in the window made on a mobile phone: what "mobile-first" is measured against. */
  mobileShare: z.number(),
  behaviors: z.array(
    z.object({
      behavior: BehaviorSchema,
      /** The taxonomy's events for the behaviour, and how often each happened in the window. */
      events: z.array(z.object({ name: z.string(), events: z.number(), customers: z.number() })),
      /** Share of the behaviour's event names that happened at all. */
      coverage: z.number(),
      devices: z.record(z.string(), z.number()),
      channels: z.array(z.object({ channel: z.string(), share: z.number() })),
      mobileShare: z.number(),
      finding: z.string(),
    }),
  ),
});
export type Coverage = z.infer<typeof CoverageSchema>;

const Words = (what: string, max: number) =>
  z
    .string({ error: `is missing: a strategy needs ${what}` })
    .trim()
    .min(1, `must not be empty: a strategy needs ${what}`)
    .max(max, `must be at most ${max} characters`);

/** One strategy of the playbook: what to do, the data that says it is needed, what supports it, what tracks it. */
export const StrategyInputSchema = z.strictObject({
  behavior: BehaviorSchema,
  title: Words('a title', 120),
  description: Words('a description of what to do', 2000),
  signal: z.strictObject(
    {
      metric: MetricSchema,
      below: z
        .number({ error: 'must be a number: the strategy is needed while the metric is below it' })
        .positive(),
      why: Words('why a low value calls for this strategy', 500),
    },
    { error: 'is missing: the data signal that says the strategy is needed, {metric, below, why}' },
  ),
  capability: Words('the Agora capability or data that supports it', 500),
  kpi: z.strictObject(
    { metric: MetricSchema, description: Words('what the KPI tracks', 500) },
    { error: 'is missing: the KPI that tracks the strategy, {metric, description}' },
  ),
});
export type StrategyInput = z.infer<typeof StrategyInputSchema>;

export const StrategySchema = StrategyInputSchema.extend({
  id: z.string(),
  /** Shipped with Agora, shipped and edited in this workspace, or added in it. */
  origin: z.enum(['default', 'edited', 'added']),
});
export type Strategy = z.infer<typeof StrategySchema>;

export const StrategyIdSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,62}$/,
    'must be a strategy id of lowercase letters, digits and dashes, e.g. co-create-products',
  );

export const RecommendationSchema = z.object({
  strategy: StrategySchema,
  /** How far the signal's metric is below what the strategy looks for, 0–1: the ranking. */
  need: z.number(),
  value: z.number(),
  explanation: z.string(),
});

export const RecommendationsSchema = z.object({
  asOf: z.date(),
  organisation: z.array(RecommendationSchema),
  personas: z.array(z.object({ key: z.string(), recommendations: z.array(RecommendationSchema) })),
  /** Warnings about the portfolio: one behaviour carrying everything, or a plan that works on one at a time. */
  portfolio: z.array(z.string()),
});
export type Recommendations = z.infer<typeof RecommendationsSchema>;

export const InitiativeInputSchema = z.strictObject({
  strategyId: StrategyIdSchema,
  startedAt: OptionalDateSchema.describe('when the work began (default: now)'),
  endedAt: OptionalDateSchema.describe('when it ended, if it has'),
  note: z.string().max(2000).optional(),
});
export type InitiativeInput = z.infer<typeof InitiativeInputSchema>;

export const InitiativeSchema = z.object({
  initiativeId: z.number(),
  strategyId: z.string(),
  behavior: BehaviorSchema,
  kpi: z.object({ metric: MetricSchema, description: z.string() }),
  startedAt: z.date(),
  endedAt: z.date().nullable(),
  note: z.string().nullable(),
  /** The KPI over the same number of days before the start and since it (up to 90). */
  before: z.number().nullable(),
  after: z.number().nullable(),
  days: z.number(),
});
export type Initiative = z.infer<typeof InitiativeSchema>;
