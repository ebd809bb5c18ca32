import { z } from 'zod';
import { fromBeforeTo, fromBeforeToIssue, TimeRangeFields } from '../../platform/http/time-range.schema.ts';
import { AudienceFilterFields } from '../lifecycle/lifecycle.schema.ts';

const EventNameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters');

/** The filters every journey read takes: events in [from, to), and customers by segment, first channel, device, persona or saved segment. */
const filters = {
  ...TimeRangeFields,
  segment: z.enum(['b2b', 'b2c']).optional(),
  channel: z.string().min(1).max(100).optional().describe('the channel of the customer’s first touch'),
  device: z.string().min(1).max(100).optional().describe('the device of the customer’s first touch'),
  ...AudienceFilterFields,
  ignore: z
    .string()
    .max(2000)
    .optional()
    .transform((names) =>
      (names ?? '')
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean),
    )
    .describe(
      'event names left out of paths, comma-separated, e.g. system events like "Experiment Assigned"',
    ),
};

/** How a touchpoint is named in paths: by its event, or by the channel it came through. */
export const LabelSchema = z.enum(['event', 'channel']).default('event');

export const PathQuerySchema = z
  .object({
    ...filters,
    start: EventNameSchema.optional().describe('paths from the first time each customer did this'),
    end: EventNameSchema.optional().describe('paths leading to the first time each customer did this'),
    depth: z.coerce.number().int().min(2, 'must be at least 2').max(10, 'must be at most 10').default(5),
    minCustomers: z.coerce
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(1)
      .describe('smaller nodes fold into “other”'),
    by: LabelSchema,
  })
  .refine((query) => !!query.start !== !!query.end, {
    message: 'give either `start` or `end`: paths from an event, or paths to it',
    path: ['start'],
  })
  .refine(fromBeforeTo, fromBeforeToIssue());
export type PathQuery = z.infer<typeof PathQuerySchema>;

export const SankeySchema = z.object({
  anchor: z.object({ event: z.string(), side: z.enum(['start', 'end']) }),
  customers: z.number(),
  /** One node per touchpoint and step (1 = nearest the anchor's start); `id` is `step:name`. */
  nodes: z.array(z.object({ id: z.string(), step: z.number(), name: z.string(), customers: z.number() })),
  links: z.array(z.object({ source: z.string(), target: z.string(), customers: z.number() })),
  topPaths: z.array(z.object({ path: z.array(z.string()), customers: z.number() })),
});
export type Sankey = z.infer<typeof SankeySchema>;

export const PathToPurchaseQuerySchema = z
  .object({
    ...filters,
    depth: z.coerce
      .number()
      .int()
      .min(1)
      .max(10)
      .default(4)
      .describe('touchpoints in each sequence before purchase'),
    by: LabelSchema,
  })
  .refine(fromBeforeTo, fromBeforeToIssue());
export type PathToPurchaseQuery = z.infer<typeof PathToPurchaseQuerySchema>;

const DistributionSchema = z.object({
  mean: z.number().nullable(),
  median: z.number().nullable(),
  p90: z.number().nullable(),
  buckets: z.array(z.object({ label: z.string(), customers: z.number() })),
});

export const PathToPurchaseSchema = z.object({
  buyers: z.number(),
  nonBuyers: z.number(),
  touchpointsToPurchase: DistributionSchema,
  daysToPurchase: DistributionSchema,
  /** The last touchpoints before the first purchase (repeats in a row counted once), most common first. */
  sequences: z.array(z.object({ path: z.array(z.string()), customers: z.number() })),
  /** Share of buyers' paths (before purchase) and of non-buyers' paths holding each touchpoint. */
  touchpoints: z.array(
    z.object({
      name: z.string(),
      convertingShare: z.number(),
      nonConvertingShare: z.number(),
      /** convertingShare ÷ nonConvertingShare; null when no non-buyer met it. */
      ratio: z.number().nullable(),
    }),
  ),
});
export type PathToPurchase = z.infer<typeof PathToPurchaseSchema>;

export const MicroMomentQuerySchema = z
  .object({
    ...filters,
    maxGapMinutes: z.coerce.number().min(0.5).max(60).default(10).describe('longest pause inside one moment'),
    minTouchpoints: z.coerce.number().int().min(2).max(50).default(3),
    conversionDays: z.coerce
      .number()
      .int()
      .min(1)
      .max(365)
      .default(7)
      .describe('a moment precedes conversion when a first purchase follows within this many days'),
    mobileOnly: z.stringbool().default(true).describe('only moments mostly on a mobile phone'),
  })
  .refine(fromBeforeTo, fromBeforeToIssue());
export type MicroMomentQuery = z.infer<typeof MicroMomentQuerySchema>;

const countBy = z.array(z.object({ key: z.string(), intent: z.string(), moments: z.number() }));
export const MicroMomentReportSchema = z.object({
  moments: z.number(),
  /** Share of moments mostly on a mobile device. */
  mobileShare: z.number().nullable(),
  byIntent: z.array(z.object({ intent: z.string(), moments: z.number(), customers: z.number() })),
  byStage: countBy,
  byChannel: countBy,
  byHour: countBy,
  /** Moments followed by the customer's first purchase within `conversionDays`. */
  beforeConversion: z.array(
    z.object({ intent: z.string(), moments: z.number(), converted: z.number(), share: z.number() }),
  ),
});
export type MicroMomentReport = z.infer<typeof MicroMomentReportSchema>;

export const CohortQuerySchema = z
  .object({
    ...filters,
    cohort: z.enum(['firstPurchaseMonth', 'firstChannel']).default('firstPurchaseMonth'),
    measure: z.enum(['purchase', 'activity']).default('purchase'),
    months: z.coerce.number().int().min(1).max(36).default(12),
  })
  .refine(fromBeforeTo, fromBeforeToIssue());
export type CohortQuery = z.infer<typeof CohortQuerySchema>;

export const CohortMatrixSchema = z.object({
  cohort: z.enum(['firstPurchaseMonth', 'firstChannel']),
  measure: z.enum(['purchase', 'activity']),
  rows: z.array(
    z.object({
      cohort: z.string(),
      customers: z.number(),
      /** Month 0 is the month of the first purchase; retained[k] ÷ customers is the retention. */
      retained: z.array(z.number()),
      retention: z.array(z.number().nullable()),
    }),
  ),
});
export type CohortMatrix = z.infer<typeof CohortMatrixSchema>;
