/**
 * What a record of each import kind means (docs/import.md). Events, customers and orders become tracking
 * messages and go through ingestion, so that an import resolves identities exactly as the API does;
 * accounts, products, content and marketing costs are rows of their own, written as they are.
 */
import { z } from 'zod';
import { BUYING_ROLES, CHANNELS, ORDER_STATUSES as STATUSES } from '../ingestion/index.ts';
import { FunnelSignalSchema } from '../taxonomy/index.ts';

export const IMPORT_KINDS = [
  'customers',
  'accounts',
  'products',
  'content',
  'orders',
  'events',
  'costs',
] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export type FieldProblem = { field: string; reason: string };

/** Tracking messages for ingestion; `recordEvent` false for profile rows, which are not touchpoints. */
export type MessageConversion = { messages: Record<string, unknown>[] } | FieldProblem;

export const MESSAGE_KINDS: Partial<
  Record<ImportKind, { recordEvent: boolean; convert(record: Record<string, unknown>): MessageConversion }>
> = {
  events: { recordEvent: true, convert: eventMessage },
  customers: { recordEvent: false, convert: customerMessages },
  orders: { recordEvent: true, convert: orderMessage },
};

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Exports write times in many ways; ISO 8601 with or without a zone, with a space or a T, is accepted, and a
 * time without a zone is UTC.
 */
export function importTime(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const match = ISO_TIME.exec(value.trim());
  if (!match) return null;
  const text = value.trim().replace(' ', 'T');
  const time = Date.parse(match[1] || text.length === 10 ? text : `${text}Z`);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

const TIME_HINT = 'must be an ISO 8601 time such as 2026-03-01T10:00:00Z or 2026-03-01 10:00:00 (UTC)';

function eventMessage(record: Record<string, unknown>): MessageConversion {
  const message = { ...record };
  if (message.type === undefined && message.event !== undefined) message.type = 'track';
  const field = message.timestamp !== undefined ? 'timestamp' : 'originalTimestamp';
  if (message[field] === undefined)
    return { field: 'timestamp', reason: 'is missing; an imported event needs the time it happened' };
  const time = importTime(message[field]);
  if (!time) return { field, reason: TIME_HINT };
  message[field] = time;
  return { messages: [message] };
}

function customerMessages(record: Record<string, unknown>): MessageConversion {
  const { user_id, anonymous_id, timestamp, account_id, buying_role, title, external, ...traits } = record;
  const who = { userId: user_id, anonymousId: anonymous_id };
  if (user_id === undefined && anonymous_id === undefined)
    return {
      field: 'user_id',
      reason: 'is missing; each customer needs user_id or anonymous_id (map yours with --map user_id=COLUMN)',
    };
  const time = timestamp === undefined ? undefined : importTime(timestamp);
  if (time === null) return { field: 'timestamp', reason: TIME_HINT };
  if (buying_role !== undefined && !BUYING_ROLES.has(buying_role as string))
    return { field: 'buying_role', reason: `must be one of ${[...BUYING_ROLES].join(', ')}` };
  if ((buying_role !== undefined || title !== undefined) && account_id === undefined)
    return { field: 'account_id', reason: 'is missing; buying_role and title are the role in an account' };
  const externalIds = externalIdsOf(external);
  if (externalIds === null)
    return { field: 'external', reason: 'must name an id per system, e.g. a column external.salesforce' };
  const identify = {
    type: 'identify',
    ...who,
    traits,
    ...(time ? { timestamp: time } : {}),
    ...(externalIds.length > 0 ? { context: { externalIds } } : {}),
  };
  if (account_id === undefined) return { messages: [identify] };
  const role = { ...(buying_role ? { buying_role } : {}), ...(title !== undefined ? { title } : {}) };
  const group = {
    type: 'group',
    ...who,
    groupId: account_id,
    traits: role,
    ...(time ? { timestamp: time } : {}),
  };
  return { messages: [identify, group] };
}

function externalIdsOf(external: unknown): Array<{ type: string; id: string }> | null {
  if (external === undefined) return [];
  if (!external || typeof external !== 'object' || Array.isArray(external)) return null;
  return Object.entries(external).map(([type, id]) => ({ type, id: String(id) }));
}

function orderMessage(record: Record<string, unknown>): MessageConversion {
  const { user_id, anonymous_id, timestamp, account_id, ...properties } = record;
  for (const field of ['order_id', 'timestamp', 'total'] as const) {
    if (record[field] === undefined)
      return { field, reason: 'is missing; every order needs order_id, timestamp and total' };
  }
  if (user_id === undefined && anonymous_id === undefined)
    return {
      field: 'user_id',
      reason: 'is missing; each order needs the user_id (or anonymous_id) of its buyer',
    };
  const time = importTime(timestamp);
  if (!time) return { field: 'timestamp', reason: TIME_HINT };
  if (typeof properties.total !== 'number' || !Number.isFinite(properties.total))
    return { field: 'total', reason: 'must be a number such as 49.90' };
  if (properties.status !== undefined && !STATUSES.includes(properties.status as string))
    return { field: 'status', reason: `must be one of ${STATUSES.join(', ')}` };
  return {
    messages: [
      {
        type: 'track',
        event: 'Order Completed',
        userId: user_id,
        anonymousId: anonymous_id,
        timestamp: time,
        properties,
        ...(account_id !== undefined ? { context: { groupId: account_id } } : {}),
      },
    ],
  };
}

const missingOr = (expected: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'is missing' : `must be ${expected}`;
const Id = z
  .union([z.string(), z.number()], { error: missingOr('text or a number') })
  .transform((value) => String(value).trim())
  .pipe(z.string().min(1, 'must not be empty').max(200));
const Text = z.union([z.string(), z.number()], { error: missingOr('text') }).transform(String);
const Time = z.unknown().transform((value, context) => {
  const time = importTime(value);
  if (time === null) context.addIssue({ code: 'custom', message: TIME_HINT });
  return time ? new Date(time) : null;
});
/** A list: a JSON array, or in CSV one cell with the items separated by `|`. */
const ListCell = z
  .union([z.array(z.string()), z.string()])
  .transform((value) =>
    (Array.isArray(value) ? value : value.split('|')).map((entry) => entry.trim()).filter(Boolean),
  );

export const AccountRowSchema = z.looseObject({ account_id: Id, name: Text.optional() });

export const ProductRowSchema = z.looseObject({
  product_id: Id,
  name: Text,
  category: Text.optional(),
  price: z.number({ error: 'must be a number such as 19.90' }).nonnegative('must not be negative').optional(),
  currency: z
    .string()
    .regex(/^[A-Za-z]{3}$/, 'must be a three-letter code such as EUR')
    .transform((code) => code.toUpperCase())
    .default('USD'),
});

export const CONTENT_FORMATS = [
  'article',
  'video',
  'webinar',
  'podcast',
  'whitepaper',
  'ebook',
  'infographic',
  'case_study',
  'how_to',
] as const;

export const ContentRowSchema = z.looseObject({
  content_id: Id,
  title: Text,
  format: z.enum(CONTENT_FORMATS, { error: missingOr(`one of ${CONTENT_FORMATS.join(', ')}`) }),
  url: z.string({ error: 'must be text' }).optional(),
  persona_tags: ListCell.pipe(z.array(z.string())).default([]),
  stage_tags: ListCell.pipe(
    z.array(
      z.enum(FunnelSignalSchema.options, {
        error: `must list stages among ${FunnelSignalSchema.options.join(', ')}, separated by |`,
      }),
    ),
  ).default([]),
  published_at: Time.optional(),
});

/** What was spent on marketing over a period, to win customers or to keep them (docs/models/value.md). */
export const CostRowSchema = z
  .looseObject({
    objective: z.enum(['acquisition', 'retention'], {
      error: missingOr('acquisition (winning new customers) or retention (keeping customers)'),
    }),
    channel: z.enum(CHANNELS, { error: missingOr(`one of Agora's channels: ${CHANNELS.join(', ')}`) }),
    campaign: Text.optional(),
    from: Time,
    to: Time,
    amount: z.number({ error: missingOr('a number such as 1250.50') }).nonnegative('must not be negative'),
    currency: z
      .string()
      .regex(/^[A-Za-z]{3}$/, 'must be a three-letter code such as EUR')
      .transform((code) => code.toUpperCase())
      .default('USD'),
  })
  .refine((row) => !row.from || !row.to || row.to > row.from, {
    path: ['to'],
    message: 'must come after from: the period runs from `from` up to `to`',
  });

export const ROW_SCHEMAS = {
  accounts: AccountRowSchema,
  products: ProductRowSchema,
  content: ContentRowSchema,
  costs: CostRowSchema,
} as const;

export type RowKind = keyof typeof ROW_SCHEMAS;
export type AccountRow = z.infer<typeof AccountRowSchema>;
export type ProductRow = z.infer<typeof ProductRowSchema>;
export type ContentRow = z.infer<typeof ContentRowSchema>;
export type CostRow = z.infer<typeof CostRowSchema>;
