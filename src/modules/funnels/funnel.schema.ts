import { z } from 'zod';
import { FROM_BEFORE_TO, fromBeforeTo, TimeRangeFields } from '../../platform/http/time-range.schema.ts';

const DURATION = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 } as const;
export const MAX_WINDOW_DAYS = 365;
export const MAX_STEPS = 20;

/** "30d", "12h", "2w" → seconds; more than a year or not more than zero is refused. */
export const WindowSchema = z
  .string()
  .trim()
  .regex(DURATION, 'must be a number and a unit: s, m, h, d or w, e.g. 30d or 12h')
  .transform((text) => {
    const [, amount, unit] = DURATION.exec(text)!;
    return Math.round(Number(amount) * UNIT_SECONDS[unit as keyof typeof UNIT_SECONDS]);
  })
  .refine((seconds) => seconds > 0, 'must be longer than zero')
  .refine((seconds) => seconds <= MAX_WINDOW_DAYS * 86_400, `must be at most ${MAX_WINDOW_DAYS} days`);

const EventNameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters');

/** A column of the event, or one of its properties as `properties.<key>`. */
export const BreakdownSchema = z
  .string()
  .regex(
    /^(channel|device|source|medium|campaign|properties\.[A-Za-z0-9_$-]{1,100})$/,
    'must be channel, device, source, medium, campaign or properties.<key>',
  );

export const ExclusionSchema = z.object({
  event: EventNameSchema,
  /** Between these steps (1-based); by default between the first and the last. */
  afterStep: z.number().int().min(1).optional(),
  beforeStep: z.number().int().min(2).optional(),
});

export const FunnelQuerySchema = z
  .object({
    steps: z
      .array(EventNameSchema)
      .min(2, 'needs at least two steps, e.g. ["Product Viewed", "Order Completed"]')
      .max(MAX_STEPS, `takes at most ${MAX_STEPS} steps`),
    window: WindowSchema.default(30 * 86_400),
    order: z.enum(['loose', 'strict']).default('loose'),
    exclude: z.array(ExclusionSchema).max(10, 'takes at most 10 exclusions').default([]),
    breakdown: BreakdownSchema.optional(),
    aggregateBy: z.enum(['customer', 'account']).default('customer'),
    ...TimeRangeFields,
  })
  .superRefine((query, context) => {
    if (!fromBeforeTo(query)) context.addIssue({ code: 'custom', path: ['to'], message: FROM_BEFORE_TO });
    query.exclude.forEach((exclusion, index) => {
      const after = exclusion.afterStep ?? 1;
      const before = exclusion.beforeStep ?? query.steps.length;
      const path = ['exclude', index];
      if (before > query.steps.length || after >= before)
        context.addIssue({
          code: 'custom',
          path,
          message: `must name two steps in order between 1 and ${query.steps.length} (afterStep < beforeStep)`,
        });
      else if (query.steps.slice(after - 1, before).includes(exclusion.event))
        context.addIssue({
          code: 'custom',
          path,
          message: `excludes "${exclusion.event}", a step of the funnel between steps ${after} and ${before}: no one could convert`,
        });
    });
  });
export type FunnelQuery = z.infer<typeof FunnelQuerySchema>;

export const FunnelStepSchema = z.object({
  name: z.string(),
  /** Customers (or accounts) who reached this step within the window, in order. */
  customers: z.number(),
  conversionFromPrevious: z.number().nullable(),
  conversionFromStart: z.number(),
  droppedFromPrevious: z.number().nullable(),
  /** Seconds from the step before, over those who reached this step; null for the first. */
  medianTimeFromPrevious: z.number().nullable(),
  p90TimeFromPrevious: z.number().nullable(),
});
export type FunnelStep = z.infer<typeof FunnelStepSchema>;

export const TimeToConvertSchema = z.array(
  z.object({
    label: z.string(),
    fromSeconds: z.number(),
    toSeconds: z.number().nullable(),
    customers: z.number(),
  }),
);

export const FunnelResultSchema = z.object({
  aggregateBy: z.enum(['customer', 'account']),
  windowSeconds: z.number(),
  order: z.enum(['loose', 'strict']),
  steps: z.array(FunnelStepSchema),
  /** Those who reached the last step, by how long it took from the first. */
  timeToConvert: TimeToConvertSchema,
  breakdown: z
    .object({
      property: z.string(),
      groups: z.array(z.object({ value: z.string(), steps: z.array(FunnelStepSchema) })),
    })
    .nullable(),
});
export type FunnelResult = z.infer<typeof FunnelResultSchema>;
