import { z } from 'zod';
import { OptionalDateSchema } from '../../platform/http/time-range.schema.ts';
import { SegmentRulesInputSchema } from './segment-rules.schema.ts';

export * from './segment-rules.schema.ts';

const SlugSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be lower-case letters, digits, - or _, e.g. cart-abandoners');

/** A saved segment's definition, as PUT /api/segments/{slug} takes it. */
export const SegmentInputSchema = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  description: z.string().max(2000, 'must be at most 2000 characters').nullish(),
  rules: SegmentRulesInputSchema,
  /** Where joins and leaves are POSTed after each refresh; http(s), and not a private address unless allowed. */
  webhookUrl: z.string().max(2000).nullish(),
  refreshMinutes: z
    .number()
    .int('must be a whole number of minutes')
    .min(1, 'must be at least 1 minute')
    .max(10_080, 'must be at most 10080 minutes (a week)')
    .default(60),
});
export type SegmentInput = z.infer<typeof SegmentInputSchema>;

export const SegmentSchema = z.object({
  segmentId: z.number(),
  slug: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  rules: z.unknown(),
  webhookUrl: z.string().nullable(),
  refreshMinutes: z.number(),
  /** Members at the last refresh; null before the first. */
  members: z.number().nullable(),
  refreshedAt: z.date().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type Segment = z.infer<typeof SegmentSchema>;

export const SegmentParamsSchema = z.object({ slug: SlugSchema });

const PageFields = {
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  offset: z.coerce.number().int().min(0).default(0),
};
export const PageQuerySchema = z.object(PageFields);
export type PageQuery = z.infer<typeof PageQuerySchema>;

export const EvaluateBodySchema = z.strictObject({
  rules: SegmentRulesInputSchema,
  /** Windows end here (default: the day after the latest activity). */
  asOf: OptionalDateSchema,
  ...PageFields,
});
export type EvaluateBody = z.infer<typeof EvaluateBodySchema>;

export const MemberSchema = z.object({
  customerId: z.number(),
  userId: z.string().nullable(),
  email: z.string().nullable(),
  stage: z.string().nullable(),
});
export type Member = z.infer<typeof MemberSchema>;

export const EvaluationSchema = z.object({
  asOf: z.date(),
  size: z.number(),
  members: z.array(MemberSchema),
  seconds: z.number(),
});
export type Evaluation = z.infer<typeof EvaluationSchema>;

export const MembersPageSchema = z.object({
  size: z.number(),
  refreshedAt: z.date().nullable(),
  members: z.array(MemberSchema.extend({ joinedAt: z.date() })),
});
export type MembersPage = z.infer<typeof MembersPageSchema>;

export const SegmentRefreshSchema = z.object({
  slug: z.string(),
  members: z.number(),
  joined: z.number(),
  left: z.number(),
  deliveries: z.number(),
  seconds: z.number(),
});
export type SegmentRefresh = z.infer<typeof SegmentRefreshSchema>;

export const SizeHistorySchema = z.object({
  sizes: z.array(
    z.object({ refreshedAt: z.date(), members: z.number(), joined: z.number(), left: z.number() }),
  ),
});
export type SizeHistory = z.infer<typeof SizeHistorySchema>;

export const DeliverySchema = z.object({
  deliveryId: z.number(),
  url: z.string(),
  customers: z.number(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number(),
  nextAttemptAt: z.date(),
  lastStatus: z.number().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.date(),
  deliveredAt: z.date().nullable(),
});
export type Delivery = z.infer<typeof DeliverySchema>;
