import { z } from 'zod';

export const IdentityKindSchema = z.enum([
  'user',
  'anonymous',
  'email',
  'phone',
  'handle',
  'loyalty',
  'external',
]);

export const IdentityQuerySchema = z.object({
  identity: z
    .string()
    .regex(/^[a-z]+:.+$/, 'must be kind:value, e.g. email:ana@example.com or handle:twitter:@ana')
    .refine((identity) => IdentityKindSchema.safeParse(identity.slice(0, identity.indexOf(':'))).success, {
      message: `must start with one of the kinds ${IdentityKindSchema.options.join(', ')}`,
    })
    .describe('kind:value, where kind is user, anonymous, email, phone, handle, loyalty or external'),
});

export const CustomerIdParamsSchema = z.object({ customerId: z.coerce.number().int().positive() });

export const EventSchema = z.object({
  messageId: z.string(),
  customerId: z.number().int(),
  type: z.string(),
  name: z.string(),
  occurredAt: z.date(),
  receivedAt: z.date(),
  channel: z.string().nullable(),
  source: z.string().nullable(),
  medium: z.string().nullable(),
  campaign: z.string().nullable(),
  device: z.string().nullable(),
  accountId: z.number().int().nullable(),
  properties: z.record(z.string(), z.unknown()).nullable(),
  qualityFlags: z.array(z.string()).nullable(),
});

export const CustomerProfileSchema = z.object({
  customerId: z.number().int(),
  /** Set when the id asked for was merged into this customer. */
  requestedCustomerId: z.number().int().optional(),
  traits: z.record(z.string(), z.unknown()),
  firstSeenAt: z.date(),
  identities: z.array(
    z.object({ kind: IdentityKindSchema, value: z.string(), source: z.string(), firstSeenAt: z.date() }),
  ),
  merges: z
    .array(
      z.object({
        mergedCustomerId: z.number().int(),
        reason: z.string(),
        identity: z
          .string()
          .nullable()
          .describe('kind:value of the identity that showed the two are one person'),
        messageId: z.string().nullable(),
        mergedAt: z.date(),
      }),
    )
    .describe('Customers found to be this person, and why'),
  accounts: z.array(
    z.object({
      accountId: z.number().int(),
      externalId: z.string().nullable(),
      name: z.string().nullable(),
      buyingRole: z.string().nullable(),
    }),
  ),
  lastEvents: z.array(EventSchema).describe('The 20 most recent events'),
});

export const EventQuerySchema = z
  .object({
    customerId: z.coerce.number().int().positive().optional(),
    name: z.string().min(1).optional(),
    channel: z.string().min(1).optional(),
    from: z.iso.datetime({ offset: true }).optional().describe('Earliest occurredAt, inclusive'),
    to: z.iso.datetime({ offset: true }).optional().describe('Latest occurredAt, exclusive'),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: z.string().optional().describe('nextCursor of the previous page'),
  })
  .refine((query) => !query.from || !query.to || query.from < query.to, {
    message: 'from must be before to',
    path: ['from'],
  });

export const EventPageSchema = z.object({
  events: z.array(EventSchema),
  nextCursor: z.string().nullable().describe('Pass as cursor for the next page; null on the last page'),
});

export type CustomerProfile = z.infer<typeof CustomerProfileSchema>;
export type AgoraEvent = z.infer<typeof EventSchema>;
export type EventQuery = z.infer<typeof EventQuerySchema>;
export type EventPage = z.infer<typeof EventPageSchema>;
