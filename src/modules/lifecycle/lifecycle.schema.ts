import { z } from 'zod';
import {
  fromBeforeTo,
  fromBeforeToIssue,
  OptionalDateSchema,
  TimeRangeFields,
} from '../../platform/http/time-range.schema.ts';
import { FunnelSignalSchema } from '../taxonomy/taxonomy.schema.ts';

/** The stages are the funnel signals the taxonomy gives events, in their order. */
export const StageSchema = FunnelSignalSchema;
export const STAGES = StageSchema.options;
export type Stage = z.infer<typeof StageSchema>;

export const LifecycleRulesSchema = z.object({
  lapsedAfterDays: z
    .number()
    .int('must be a whole number of days')
    .min(1, 'must be at least 1 day')
    .max(3650, 'must be at most 3650 days (ten years)'),
});
export type LifecycleRules = z.infer<typeof LifecycleRulesSchema>;

export const BREAKDOWNS = ['none', 'segment', 'persona', 'firstChannel', 'firstDevice', 'cohort'] as const;

/** Customers by persona or saved segment: filters the lifecycle and journey reads share. */
export const AudienceFilterFields = {
  persona: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .describe('only the customers of this persona (its id, from GET /api/personas)'),
  savedSegment: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be a saved segment slug, e.g. cart-savers')
    .optional()
    .describe('only the members of this saved segment, as of its last refresh'),
};

/** Which customers a lifecycle report counts: those who entered the funnel in [from, to), by first touch. */
export const LifecycleFilterSchema = z
  .object({
    ...TimeRangeFields,
    segment: z.enum(['b2b', 'b2c']).optional(),
    channel: z.string().min(1).max(100).optional().describe('the channel of the first touch'),
    device: z.string().min(1).max(100).optional().describe('the device of the first touch'),
    ...AudienceFilterFields,
    asOf: OptionalDateSchema.describe('when “lapsed” is judged; by default the latest event’s time'),
  })
  .refine(fromBeforeTo, fromBeforeToIssue());
export type LifecycleFilter = z.infer<typeof LifecycleFilterSchema>;

export const LifecycleQuerySchema = z.intersection(
  LifecycleFilterSchema,
  z.object({ breakdown: z.enum(BREAKDOWNS).default('none') }),
);
export type LifecycleQuery = z.infer<typeof LifecycleQuerySchema>;

export const StageFigureSchema = z.object({
  stage: StageSchema,
  /** Customers who entered this stage (and so every stage before it). */
  reached: z.number(),
  /** Customers whose furthest stage is this one. */
  current: z.number(),
  /** Of those standing here, the ones quiet for longer than the lapsed rule (Action and Loyalty only). */
  lapsed: z.number(),
  conversionFromPrevious: z.number().nullable(),
  droppedFromPrevious: z.number().nullable(),
  medianDaysFromPrevious: z.number().nullable(),
  p90DaysFromPrevious: z.number().nullable(),
});
export type StageFigure = z.infer<typeof StageFigureSchema>;

export const LifecycleGroupSchema = z.object({
  key: z.string(),
  customers: z.number(),
  stages: z.array(StageFigureSchema),
});
export type LifecycleGroup = z.infer<typeof LifecycleGroupSchema>;

export const LifecycleReportSchema = z.object({
  breakdown: z.enum(BREAKDOWNS),
  asOf: z.date().nullable(),
  lapsedAfterDays: z.number(),
  refreshedThrough: z.date().nullable(),
  groups: z.array(LifecycleGroupSchema),
});
export type LifecycleReport = z.infer<typeof LifecycleReportSchema>;

export const TrendQuerySchema = z.intersection(
  LifecycleFilterSchema,
  z.object({ interval: z.enum(['day', 'week', 'month']).default('month') }),
);
export type TrendQuery = z.infer<typeof TrendQuerySchema>;

export const LifecycleTrendSchema = z.object({
  interval: z.enum(['day', 'week', 'month']),
  /** Customers entering each stage in each period, periods in time order. */
  periods: z.array(z.object({ start: z.date(), entered: z.record(StageSchema, z.number()) })),
});
export type LifecycleTrend = z.infer<typeof LifecycleTrendSchema>;

export const StageEntrySchema = z.object({
  stage: StageSchema,
  enteredAt: z.date(),
  eventName: z.string(),
  channel: z.string().nullable(),
  device: z.string().nullable(),
  messageId: z.string().nullable(),
});

export const CustomerLifecycleSchema = z.object({
  customerId: z.number(),
  stage: StageSchema.nullable(),
  lapsed: z.boolean(),
  lastSeenAt: z.date().nullable(),
  history: z.array(StageEntrySchema),
});
export type CustomerLifecycle = z.infer<typeof CustomerLifecycleSchema>;

export const RefreshResultSchema = z.object({
  /** `skipped`: another Agora instance was refreshing this workspace (PostgreSQL). */
  mode: z.enum(['full', 'incremental', 'skipped']),
  customers: z.number(),
  refreshedThrough: z.date(),
  seconds: z.number(),
});
export type RefreshResult = z.infer<typeof RefreshResultSchema>;

export const AccountIdParamsSchema = z.object({ accountId: z.coerce.number().int().positive() });
export const RefreshQuerySchema = z.object({ full: z.stringbool().default(false) });

/** The roles a deal needs engaged; a committee without one of them is flagged as missing it. */
export const KEY_BUYING_ROLES = ['economic_buyer', 'decision_maker', 'champion'] as const;

export const AccountLifecycleSchema = z.object({
  accountId: z.number(),
  name: z.string().nullable(),
  externalId: z.string().nullable(),
  /** The furthest stage any member reached; null while no member has entered the funnel. */
  stage: StageSchema.nullable(),
  members: z.number(),
  /** Members who have entered the funnel (shown at least one funnel signal). */
  engagedMembers: z.number(),
  roles: z.record(z.string(), z.object({ members: z.number(), engaged: z.number() })),
  missingRoles: z.array(z.enum(KEY_BUYING_ROLES)),
});
export type AccountLifecycle = z.infer<typeof AccountLifecycleSchema>;

export const CommitteeMemberSchema = z.object({
  customerId: z.number(),
  buyingRole: z.string().nullable(),
  title: z.string().nullable(),
  email: z.string().nullable(),
  /** Null while the member has not entered the funnel. */
  stage: StageSchema.nullable(),
  lastSeenAt: z.date().nullable(),
});

/** One account: its summary and each member of its buying committee. */
export const AccountCommitteeSchema = AccountLifecycleSchema.extend({
  committee: z.array(CommitteeMemberSchema),
});
export type AccountCommittee = z.infer<typeof AccountCommitteeSchema>;

export const AccountPageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export const AccountPageSchema = z.object({
  total: z.number(),
  accounts: z.array(AccountLifecycleSchema),
});
export type AccountPage = z.infer<typeof AccountPageSchema>;

export const SegmentPathSchema = z.object({
  segment: z.enum(['b2b', 'b2c']),
  buyers: z.number(),
  meanDaysToPurchase: z.number().nullable(),
  medianDaysToPurchase: z.number().nullable(),
  p90DaysToPurchase: z.number().nullable(),
  meanTouchesToPurchase: z.number().nullable(),
  medianTouchesToPurchase: z.number().nullable(),
  /** Share of the touchpoints before the first purchase that are `engage` events (information seeking). */
  informationSeekingShare: z.number().nullable(),
  /** B2B: members engaged per account that bought; B2C: 1. */
  peoplePerPurchase: z.number().nullable(),
});
export const SegmentComparisonSchema = z.object({ segments: z.array(SegmentPathSchema) });
export type SegmentComparison = z.infer<typeof SegmentComparisonSchema>;
