import { z } from 'zod';
import { OptionalDateSchema } from '../../platform/http/time-range.schema.ts';
import { AudienceFilterFields } from '../lifecycle/lifecycle.schema.ts';
import { RFM_SEGMENTS, type RfmSegment } from './rfm-segments.ts';

export { RFM_SEGMENTS, type RfmSegment };

/** The unit of time the models count in. */
const TimeUnitSchema = z.enum(['day', 'week']);

export const FitQuerySchema = z.object({
  calibrationEnd: OptionalDateSchema.describe(
    'fit on the orders before this date (default: after the last order)',
  ),
  timeUnit: TimeUnitSchema.default('week').describe('the unit of t, t_x, T and of the rate λ'),
  holdoutEnd: OptionalDateSchema.describe(
    'check the fit against the purchases from the calibration end to this date (default: the last order)',
  ),
});
export type FitQuery = z.infer<typeof FitQuerySchema>;

export const FitResultSchema = z.object({
  /** The stored fit's version (GET /api/value/models lists them all). */
  modelId: z.number(),
  fittedAt: z.date(),
  calibrationEnd: z.date(),
  timeUnit: TimeUnitSchema,
  customers: z.number(),
  repeatCustomers: z.number(),
  bgnbd: z.object({
    r: z.number(),
    alpha: z.number(),
    a: z.number(),
    b: z.number(),
    logLikelihood: z.number(),
  }),
  gammaGamma: z.object({ p: z.number(), q: z.number(), v: z.number(), logLikelihood: z.number() }),
  /**
   * Correlation between repeat customers' purchase count and mean value: Gamma-Gamma assumes none; far from
   * 0 (beyond ±0.3, say) its spend predictions are not to be trusted.
   */
  spendFrequencyCorrelation: z.number().nullable(),
  /**
   * With orders after the calibration end: repeat purchases predicted for the holdout period against those
   * made, in all and by the customers' repeat purchases in calibration (the paper's conditional expectations).
   */
  holdout: z
    .object({
      end: z.date(),
      length: z.number(),
      predicted: z.number(),
      actual: z.number(),
      byRepeatPurchases: z.array(
        z.object({
          repeatPurchases: z.string(),
          customers: z.number(),
          predicted: z.number(),
          actual: z.number(),
        }),
      ),
    })
    .nullable(),
  /** Cumulative repeat purchases week by week from the first order, made and predicted (the tracking plot). */
  tracking: z.array(z.object({ week: z.number(), actual: z.number(), predicted: z.number() })),
  notes: z.array(z.string()),
});
export type FitResult = z.infer<typeof FitResultSchema>;

export const RfmQuerySchema = z.object({
  asOf: OptionalDateSchema.describe(
    'score the orders before this date (default: the day after the last order)',
  ),
});
export type RfmQuery = z.infer<typeof RfmQuerySchema>;

export const RfmReportSchema = z.object({
  asOf: z.date(),
  customers: z.number(),
  /** grid[r − 1][f − 1]: customers with recency score r and frequency score f (5 the best). */
  grid: z.array(z.array(z.number())),
  segments: z.array(
    z.object({
      segment: z.string(),
      customers: z.number(),
      monetary: z.number(),
      meanRecencyDays: z.number(),
    }),
  ),
});

export const ClvQuerySchema = z.object({
  months: z.coerce
    .number()
    .int()
    .min(1, 'must be from 1 to 120')
    .max(120, 'must be from 1 to 120')
    .default(12),
  discountRate: z.coerce
    .number()
    .min(0, 'must be from 0 to 0.5 (per month)')
    .max(0.5, 'must be from 0 to 0.5 (per month)')
    .default(0.01)
    .describe('per month'),
  breakdown: z
    .enum(['none', 'segment', 'persona', 'channel'])
    .default('none')
    .describe('by B2B/B2C, by persona, or by acquisition channel'),
  timeUnit: TimeUnitSchema.default('week'),
  savedSegment: AudienceFilterFields.savedSegment,
});
export type ClvQuery = z.infer<typeof ClvQuerySchema>;

const ClvFiguresSchema = z.object({ customers: z.number(), total: z.number(), mean: z.number() });

export const ClvReportSchema = z.object({
  asOf: z.date(),
  months: z.number(),
  discountRate: z.number(),
  all: ClvFiguresSchema,
  groups: z.array(ClvFiguresSchema.extend({ key: z.string() })),
  /** The most valuable customers ahead. */
  top: z.array(
    z.object({
      customerId: z.number(),
      clv: z.number(),
      probabilityAlive: z.number(),
      repeatPurchases: z.number(),
    }),
  ),
  notes: z.array(z.string()),
});
export type ClvReport = z.infer<typeof ClvReportSchema>;

export const RiskQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1, 'must be from 1 to 1000')
    .max(1000, 'must be from 1 to 1000')
    .default(50),
  timeUnit: TimeUnitSchema.default('week'),
});
export type RiskQuery = z.infer<typeof RiskQuerySchema>;

const RiskEntrySchema = z.object({
  customerId: z.number(),
  probabilityAlive: z.number(),
  probabilityAliveBefore: z.number(),
  spent: z.number(),
  purchases: z.number(),
  reasons: z.array(z.string()),
});

/** `spent`: what all of the list's customers spent, not only the ones listed. */
const RiskListSchema = z.object({ customers: z.number(), spent: z.number(), list: z.array(RiskEntrySchema) });

export const RiskReportSchema = z.object({
  asOf: z.date(),
  /** Repeat customers whose P(alive) fell over the last 30 days, most at stake first, with the reasons. */
  atRisk: RiskListSchema,
  /** Customers most likely gone (P(alive) below 0.3), those who spent most first. */
  winBack: RiskListSchema,
});
export type RiskReport = z.infer<typeof RiskReportSchema>;

export const StoredModelSchema = FitResultSchema.pick({
  modelId: true,
  fittedAt: true,
  calibrationEnd: true,
  timeUnit: true,
  customers: true,
  repeatCustomers: true,
  bgnbd: true,
  gammaGamma: true,
});
export type StoredModel = z.infer<typeof StoredModelSchema>;

export const ValuationQuerySchema = ClvQuerySchema.pick({ months: true, discountRate: true, timeUnit: true });
export type ValuationQuery = z.infer<typeof ValuationQuerySchema>;

export const ValuationSchema = z.object({
  /** The fit the valuation made and stored (GET /api/value/models lists it). */
  modelId: z.number(),
  valuedAt: z.date(),
  asOf: z.date(),
  months: z.number(),
  discountRate: z.number(),
  customers: z.number(),
  totalClv: z.number(),
  notes: z.array(z.string()),
});
export type Valuation = z.infer<typeof ValuationSchema>;

export const CustomerValueSchema = z.object({
  customerId: z.number(),
  modelId: z.number(),
  valuedAt: z.date(),
  /** The day after the last order the valuation saw: "now" for its predictions. */
  asOf: z.date(),
  months: z.number(),
  discountRate: z.number(),
  repeatPurchases: z.number(),
  probabilityAlive: z.number(),
  /** Purchases BG/NBD expects of the customer over the next `months`. */
  expectedPurchases: z.number(),
  /** The mean order value Gamma-Gamma expects of the customer. */
  expectedOrderValue: z.number(),
  /** Lifetime value over the next `months`, discounted at `discountRate` a month. */
  clv: z.number(),
  rfm: z.object({
    recencyDays: z.number(),
    frequency: z.number(),
    monetary: z.number(),
    r: z.number(),
    f: z.number(),
    m: z.number(),
    segment: z.enum(RFM_SEGMENTS),
  }),
});
export type CustomerValue = z.infer<typeof CustomerValueSchema>;

export const CustomerValueListQuerySchema = z.object({
  sort: z
    .enum(['clv', 'probabilityAlive', 'monetary', 'recency'])
    .default('clv')
    .describe('the highest first; recency: the most recent buyers first'),
  segment: z.enum(RFM_SEGMENTS).optional().describe('only the customers of this RFM segment'),
  limit: z.coerce
    .number()
    .int()
    .min(1, 'must be from 1 to 1000')
    .max(1000, 'must be from 1 to 1000')
    .default(50),
  offset: z.coerce.number().int().min(0, 'must be 0 or more').default(0),
});
export type CustomerValueListQuery = z.infer<typeof CustomerValueListQuerySchema>;

export const CustomerValueListSchema = z.object({
  /** When the values were computed; null before the first valuation. */
  valuedAt: z.date().nullable(),
  /** Customers matching, over every page. */
  customers: z.number(),
  list: z.array(CustomerValueSchema),
});
export type CustomerValueList = z.infer<typeof CustomerValueListSchema>;

export const EconomicsQuerySchema = z.object({
  from: OptionalDateSchema.describe(
    'the period’s first day (default: a year before `to`, or the start of the earliest cost if later)',
  ),
  to: OptionalDateSchema.describe('the day after the period (default: the end of the latest cost)'),
});
export type EconomicsQuery = z.infer<typeof EconomicsQuerySchema>;

const EconomicsSideSchema = z.object({
  customers: z.number(),
  /** The spend handed to these customers. */
  cost: z.number(),
  costPerCustomer: z.number().nullable(),
  /** What they spent in the period and the value expected of them ahead. */
  value: z.number(),
  valuePerCustomer: z.number().nullable(),
  /** value ÷ cost; null without customers or without cost. */
  returnOnCost: z.number().nullable(),
});

export const EconomicsReportSchema = z.object({
  from: z.date(),
  to: z.date(),
  currency: z.string(),
  /** All customers first, then each persona: new customers won (conquest) against kept ones (relations). */
  groups: z.array(
    z.object({
      persona: z.string(),
      conquest: EconomicsSideSchema,
      relations: EconomicsSideSchema,
      /** The side whose customers brought more per unit of cost; null when one side cannot say. */
      pays: z.enum(['conquest', 'relations']).nullable(),
      statement: z.string(),
    }),
  ),
  /** Spend in the period by objective and channel, the customers it went to, and the cost of each. */
  channels: z.array(
    z.object({
      objective: z.enum(['acquisition', 'retention']),
      channel: z.string(),
      spend: z.number(),
      customers: z.number(),
      costPerCustomer: z.number().nullable(),
    }),
  ),
  notes: z.array(z.string()),
});
export type EconomicsReport = z.infer<typeof EconomicsReportSchema>;

export const ClvDistributionQuerySchema = z.object({
  savedSegment: AudienceFilterFields.savedSegment,
});
export type ClvDistributionQuery = z.infer<typeof ClvDistributionQuerySchema>;

export const ClvDistributionSchema = z.object({
  /** The stored valuation the bins count; null when customers could not be valued (see notes). */
  valuedAt: z.date().nullable(),
  asOf: z.date().nullable(),
  /** The horizon of the values, in months. */
  months: z.number().nullable(),
  customers: z.number(),
  total: z.number(),
  /**
   * Customers and their summed value per bin of lifetime value, on 1-2-5 edges (0, 1, 2, 5, 10, 20, …):
   * from ≤ clv < to, `to` null for the last; from the lowest bin with a customer to the highest.
   */
  bins: z.array(
    z.object({ from: z.number(), to: z.number().nullable(), customers: z.number(), value: z.number() }),
  ),
  notes: z.array(z.string()),
});
export type ClvDistribution = z.infer<typeof ClvDistributionSchema>;
