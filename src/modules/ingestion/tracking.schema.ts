/**
 * The Segment HTTP Tracking API messages Agora accepts. Unknown fields are kept (the spec grows and
 * SDKs add their own), so only what Agora relies on is checked here.
 */
import { z } from 'zod';

const Timestamp = z.union([z.iso.datetime({ offset: true }), z.iso.date()]).describe('ISO 8601 time');
/** Ids may be numbers; an empty or blank id counts as absent, as in Segment. */
const Id = z.union([z.string(), z.number()]).transform((value) => String(value).trim() || null);
const RequiredId = z
  .union([z.string(), z.number()])
  .transform(String)
  .pipe(z.string().trim().min(1, 'must not be empty'));
const JsonObject = z.record(z.string(), z.unknown());

const CommonFields = {
  messageId: z.string().min(1).max(200).optional(),
  userId: Id.nullish(),
  anonymousId: Id.nullish(),
  timestamp: Timestamp.optional(),
  originalTimestamp: Timestamp.optional(),
  sentAt: Timestamp.optional(),
  context: JsonObject.optional(),
  integrations: JsonObject.optional(),
};

export const IdentifySchema = z.looseObject({
  ...CommonFields,
  type: z.literal('identify'),
  traits: JsonObject.optional(),
});
export const TrackSchema = z.looseObject({
  ...CommonFields,
  type: z.literal('track'),
  event: z.string().trim().min(1, 'must name the event').max(200),
  properties: JsonObject.optional(),
});
export const PageSchema = z.looseObject({
  ...CommonFields,
  type: z.literal('page'),
  name: z.string().max(200).nullish(),
  category: z.string().max(200).nullish(),
  properties: JsonObject.optional(),
});
export const ScreenSchema = PageSchema.extend({ type: z.literal('screen') });
export const GroupSchema = z.looseObject({
  ...CommonFields,
  type: z.literal('group'),
  groupId: RequiredId,
  traits: JsonObject.optional(),
});
export const AliasSchema = z.looseObject({
  ...CommonFields,
  type: z.literal('alias'),
  previousId: RequiredId,
});

export const TrackingMessageSchema = z.discriminatedUnion('type', [
  IdentifySchema,
  TrackSchema,
  PageSchema,
  ScreenSchema,
  GroupSchema,
  AliasSchema,
]);

export const MessageTypeSchema = z.enum(['identify', 'track', 'page', 'screen', 'group', 'alias']);

export const BatchSchema = z.looseObject({
  batch: z.array(z.unknown()).max(10_000),
  sentAt: Timestamp.optional(),
  context: JsonObject.optional(),
  integrations: JsonObject.optional(),
});

export const TrackingResponseSchema = z.object({
  success: z.literal(true),
  accepted: z.number().int().describe('Messages stored (or already stored: retries are not counted twice)'),
  rejected: z
    .array(z.object({ index: z.number().int(), reason: z.string() }))
    .describe('Messages refused, by their index in the request; kept in the dead-letter list'),
});

export type TrackingMessage = z.infer<typeof TrackingMessageSchema>;
export type MessageType = z.infer<typeof MessageTypeSchema>;
export type TrackingResponse = z.infer<typeof TrackingResponseSchema>;
