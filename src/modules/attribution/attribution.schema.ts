import { z } from 'zod';
import { fromBeforeTo, fromBeforeToIssue, TimeRangeFields } from '../../platform/http/time-range.schema.ts';
import { WindowSchema } from '../funnels/funnel.schema.ts';
import { STAGES, StageSchema } from '../lifecycle/lifecycle.schema.ts';

import { MODELS, type Model } from './models.ts';

export { MODELS, type Model };
export const HEURISTIC_MODELS = MODELS.slice(0, 7) as Exclude<Model, 'markov' | 'shapley'>[];

/** What each model measures, in a sentence a marketer can read beside its numbers. */
export const MODEL_MEANINGS: Record<Model, string> = {
  firstTouch: 'Position: which touchpoint opened the path. Says nothing about what made anyone buy.',
  lastTouch:
    'Position: which touchpoint came last before the conversion, whether or not it changed anything.',
  lastNonDirect:
    'Position: the last touchpoint that did not come direct, on the view that direct visits only finish what another channel started.',
  linear: 'Presence: an equal share to every touchpoint on the path.',
  timeDecay:
    'Presence weighted by recency: touchpoints nearer the conversion get more (half-life set by halfLife).',
  positionBased:
    'Position: the first and the last touchpoints share most of the credit (40/40 by default), the middle the rest.',
  wShaped:
    'Position: the first touchpoint, the one that brought the customer to Preference, and the last share 90 %, the rest 10 %.',
  markov:
    'Flow: how many conversions would be lost if the channel were removed from every path, converting and not (removal effect).',
  shapley:
    'Incremental contribution: how much the channel adds to the conversion rate of the channel sets customers were exposed to, averaged over every order of joining (Shapley value).',
};

const EventNameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters');

/** An event name, or `stage:<stage>` for entering a lifecycle stage. */
export const ConversionSchema = EventNameSchema.refine(
  (text) => !text.startsWith('stage:') || (STAGES as readonly string[]).includes(text.slice(6)),
  { message: `a stage conversion must be one of ${STAGES.map((stage) => `stage:${stage}`).join(', ')}` },
);

/** What a touchpoint is credited to. `format` is the content format of the guide a touchpoint showed. */
export const GroupingSchema = z
  .string()
  .regex(
    /^(channel|campaign|device|source|medium|touchpoint|format|properties\.[A-Za-z0-9_$-]{1,100})$/,
    'must be channel, campaign, device, source, medium, touchpoint, format or properties.<key>',
  );

/** Share of the credit to the first and last touchpoints; the rest goes to the ones between. */
const ShareSchema = z.coerce.number().min(0, 'must be from 0 to 1').max(1, 'must be from 0 to 1');

/** How the models run, whatever the conversion. */
const modelOptions = {
  lookback: WindowSchema.default(30 * 86_400).describe(
    'touchpoints this long before a conversion count, e.g. 30d',
  ),
  by: GroupingSchema.default('channel'),
  halfLife: WindowSchema.default(7 * 86_400).describe(
    'time decay: a touchpoint this much earlier counts half',
  ),
  firstShare: ShareSchema.default(0.4).describe('position-based: the first touchpoint’s share'),
  lastShare: ShareSchema.default(0.4).describe('position-based: the last touchpoint’s share'),
  markovOrder: z.coerce.number().int().min(1, 'must be 1, 2 or 3').max(3, 'must be 1, 2 or 3').default(1),
  bootstrap: z.coerce
    .number()
    .int()
    .min(0, 'must be from 0 to 200')
    .max(200, 'must be from 0 to 200')
    .default(0)
    .describe(
      'resamples of customers for 95 % intervals on Markov and Shapley credit (0: none; 100 is usual)',
    ),
  ...TimeRangeFields,
};

const sharesFit = (query: { firstShare: number; lastShare: number }) =>
  query.firstShare + query.lastShare <= 1;
// New objects each time: zod takes over the parameters object it is given.
const sharesFitIssue = () => ({
  message: 'firstShare and lastShare must add up to at most 1',
  path: ['lastShare'],
});

export const AttributionQuerySchema = z
  .object({
    conversion: ConversionSchema.default('Order Completed').describe(
      'the conversion: an event name, or stage:<stage> for entering a lifecycle stage',
    ),
    occurrence: z
      .enum(['every', 'first'])
      .default('every')
      .describe('credit every conversion, or only each customer’s first'),
    ...modelOptions,
  })
  .refine(sharesFit, sharesFitIssue())
  .refine(fromBeforeTo, fromBeforeToIssue());
export type AttributionQuery = z.infer<typeof AttributionQuerySchema>;

/** The models over each step of the lifecycle: the conversion is entering the next stage. */
export const StageAttributionQuerySchema = z
  .object(modelOptions)
  .refine(sharesFit, sharesFitIssue())
  .refine(fromBeforeTo, fromBeforeToIssue());
export type StageAttributionQuery = z.infer<typeof StageAttributionQuerySchema>;

const CreditSchema = z.object({ conversions: z.number(), revenue: z.number() });
export type Credit = z.infer<typeof CreditSchema>;

export const AttributionReportSchema = z.object({
  conversion: z.string(),
  by: z.string(),
  lookbackDays: z.number(),
  paths: z.object({ converting: z.number(), nonConverting: z.number() }),
  conversions: z.number(),
  revenue: z.number(),
  /** Conversions with no touchpoint in the lookback window: no model can credit them. */
  unattributed: CreditSchema,
  /** Model → group → credit. Each model's credits add up to the attributed conversions and revenue. */
  models: z.partialRecord(z.enum(MODELS), z.record(z.string(), CreditSchema)),
  /** Groups × models, by the models' mean rank; `spread` is the gap between a group's best and worst rank. */
  comparison: z.array(
    z.object({
      group: z.string(),
      conversions: z.partialRecord(z.enum(MODELS), z.number()),
      ranks: z.partialRecord(z.enum(MODELS), z.number()),
      spread: z.number(),
    }),
  ),
  meanings: z.record(z.enum(MODELS), z.string()),
  /** With bootstrap > 0: model → group → the 95 % interval of its credit in conversions. */
  intervals: z.partialRecord(
    z.enum(MODELS),
    z.record(z.string(), z.object({ low: z.number(), high: z.number() })),
  ),
  /** How the answer was reached where that is not the default: a sampled Shapley value, a fallback. */
  notes: z.array(z.string()),
});
export type AttributionReport = z.infer<typeof AttributionReportSchema>;

export const StageAttributionReportSchema = z.object({
  by: z.string(),
  /** From each stage to the next: the models' credit for moving customers on. */
  transitions: z.array(z.object({ from: StageSchema, to: StageSchema, report: AttributionReportSchema })),
});
export type StageAttributionReport = z.infer<typeof StageAttributionReportSchema>;

/** Group values that mean exposed, and those that mean held out (compared case-insensitively). */
export const EXPOSED_ARMS = ['exposed', 'treatment', 'test', 'variant'];
export const HOLDOUT_ARMS = ['holdout', 'control'];

/** The event that assigns a customer to an experiment's arm when the query names neither event nor trait. */
export const ASSIGNMENT_EVENT = 'Experiment Assigned';

export const ExperimentQuerySchema = z
  .object({
    conversion: ConversionSchema.default('Order Completed'),
    occurrence: z
      .enum(['every', 'first'])
      .default('every')
      .describe(
        'any conversion in the window, or only a first one (a customer who had converted before counts as not converting)',
      ),
    window: WindowSchema.default(30 * 86_400).describe('conversions this long after the assignment count'),
    event: EventNameSchema.optional().describe(
      `the event that assigns a customer: its properties \`experiment\` and \`group\` name the experiment and the arm (default ${ASSIGNMENT_EVENT})`,
    ),
    trait: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(200, 'must be at most 200 characters')
      .optional()
      .describe(
        'instead of an event, the customer trait whose first value is the arm, e.g. spring_test = holdout; the experiment is named after it',
      ),
  })
  .refine((query) => !(query.event && query.trait), {
    message: 'give either event (an assignment event) or trait (a trait holding the arm), not both',
    path: ['trait'],
  });
export type ExperimentQuery = z.infer<typeof ExperimentQuerySchema>;

const ArmSchema = z.object({
  arm: z.string(),
  customers: z.number(),
  converted: z.number(),
  rate: z.number(),
});

export const ExperimentReportSchema = z.object({
  conversion: z.string(),
  windowDays: z.number(),
  experiments: z.array(
    z.object({
      experiment: z.string(),
      arms: z.array(ArmSchema),
      /** The arms compared: the exposed one and the holdout, by their names. */
      exposed: z.string().nullable(),
      holdout: z.string().nullable(),
      lift: z
        .object({
          lift: z.number(),
          relativeLift: z.number().nullable(),
          interval: z.object({ low: z.number(), high: z.number(), level: z.number() }),
          /** lift × exposed customers: the conversions the campaign added, with the interval's bounds. */
          incrementalConversions: z.object({ estimate: z.number(), low: z.number(), high: z.number() }),
        })
        .nullable(),
      /** What each attribution model credits to the campaign of the experiment's name, for comparison. */
      modelCredit: z.partialRecord(z.enum(MODELS), z.number()),
      note: z.string().nullable(),
    }),
  ),
});
export type ExperimentReport = z.infer<typeof ExperimentReportSchema>;
