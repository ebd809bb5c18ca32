/**
 * Turns one raw tracking message into what Agora stores: validated, timed with the Segment clock-skew
 * rule, named, classified, and with every identity it reveals. Pure; rejections are values.
 */
import { createHash } from 'node:crypto';
import { type Channel, classifyChannel, type Touchpoint } from './classify-channel.ts';
import { classifyDevice, type DeviceClass } from './classify-device.ts';
import { type OrderFacts, orderFactsOf } from './order-facts.ts';
import type { CompiledRules } from './touchpoint-rules.ts';
import { type MessageType, TrackingMessageSchema } from './tracking.schema.ts';

export const MAX_MESSAGE_BYTES = 32 * 1024;
const MAX_DEPTH = 8;
const MAX_ARRAY_ITEMS = 1000;
const EARLIEST = Date.parse('2000-01-01T00:00:00Z');
const FUTURE_TOLERANCE_MS = 24 * 60 * 60 * 1000;

export type IdentityKind = 'user' | 'anonymous' | 'email' | 'phone' | 'handle' | 'loyalty' | 'external';

export interface IdentityRef {
  kind: IdentityKind;
  value: string;
}

export interface NormalizedMessage {
  messageId: string;
  type: MessageType;
  /** The event name: a track call's event; 'Page Viewed' / 'Screen Viewed'; 'Identify', 'Group', 'Alias'. */
  name: string;
  occurredAt: Date;
  /**
   * occurredAt is on Agora's clock: corrected for the device's clock skew, or the time of receipt. Such a
   * message cannot have reached Agora before it happened, which bounds where an earlier copy can be.
   */
  onAgoraClock: boolean;
  receivedAt: Date;
  userId: string | null;
  anonymousId: string | null;
  /** Every identity the message shows to belong to one person, strongest first. */
  identities: IdentityRef[];
  traits: Record<string, unknown> | null;
  groupId: string | null;
  /** A group call's traits: the account's (name, industry…) and the caller's role in it. */
  groupTraits: Record<string, unknown> | null;
  previousId: string | null;
  properties: Record<string, unknown>;
  context: Record<string, unknown>;
  channel: Channel | null;
  source: string | null;
  medium: string | null;
  campaign: string | null;
  device: DeviceClass | null;
  /** The order an ecommerce event ('Order Completed', …) describes. */
  order: OrderFacts | null;
  origin: Origin;
  /** False for profile rows from an import: they update the customer but are not touchpoints. */
  recordEvent: boolean;
  /** Doubts about the data that do not stop it being stored, e.g. 'timestamp_in_future'. */
  flags: string[];
}

export type Normalized = { ok: true; message: NormalizedMessage } | { ok: false; reason: string };

/**
 * 'api': sent by an SDK; its clock may be wrong, and a retry comes within days. 'import': a file of history;
 * its timestamps are the truth and a re-run may come at any time.
 */
export type Origin = 'api' | 'import';

export interface Envelope {
  receivedAt: Date;
  origin?: Origin | undefined;
  recordEvent?: boolean | undefined;
  /** The workspace's own touchpoint rules. */
  rules?: CompiledRules | undefined;
  /** The batch's sentAt, used when a message has none of its own. */
  sentAt?: string | undefined;
  /** Batch-level context, under each message's own. */
  context?: Record<string, unknown> | undefined;
}

const EVENT_NAMES: Record<Exclude<MessageType, 'track'>, string> = {
  page: 'Page Viewed',
  screen: 'Screen Viewed',
  identify: 'Identify',
  group: 'Group',
  alias: 'Alias',
};

const HANDLE_TRAITS = ['twitter', 'instagram', 'tiktok', 'linkedin', 'facebook', 'youtube', 'mastodon'];

export function normalizeMessage(raw: unknown, envelope: Envelope): Normalized {
  const text = JSON.stringify(raw) ?? '';
  if (Buffer.byteLength(text) > MAX_MESSAGE_BYTES) {
    return {
      ok: false,
      reason: `message is larger than ${MAX_MESSAGE_BYTES / 1024} KB; send less in properties`,
    };
  }
  const shapeProblem = findShapeProblem(raw);
  if (shapeProblem) return { ok: false, reason: shapeProblem };
  const parsed = TrackingMessageSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.') || 'message';
    return { ok: false, reason: `${field}: ${issue.message}` };
  }
  const message = parsed.data;
  const userId = message.userId ?? null;
  const anonymousId = message.anonymousId ?? null;
  if (!userId && !anonymousId) return { ok: false, reason: 'message has neither userId nor anonymousId' };

  const context = { ...(envelope.context ?? {}), ...(message.context ?? {}) };
  const properties: Record<string, unknown> =
    'properties' in message && message.properties ? { ...message.properties } : {};
  if ((message.type === 'page' || message.type === 'screen') && message.name)
    properties.name ??= message.name;
  if ((message.type === 'page' || message.type === 'screen') && message.category)
    properties.category ??= message.category;
  const traits = traitsOf(message, context);
  const touchpoint = touchpointOf(context, properties, envelope.rules);
  const { occurredAt, onAgoraClock, flags } = timeOf(message, envelope);
  const { order, flag } =
    message.type === 'track' ? orderFactsOf(message.event, properties) : { order: null, flag: undefined };
  if (flag) flags.push(flag);

  return {
    ok: true,
    message: {
      messageId: message.messageId ?? contentId(text),
      type: message.type,
      name: message.type === 'track' ? message.event : EVENT_NAMES[message.type],
      occurredAt,
      onAgoraClock,
      receivedAt: envelope.receivedAt,
      userId,
      anonymousId,
      identities: identitiesOf(userId, anonymousId, traits, context),
      traits,
      groupId: message.type === 'group' ? message.groupId : (stringOr(context.groupId) ?? null),
      groupTraits: message.type === 'group' ? (message.traits ?? {}) : null,
      previousId: message.type === 'alias' ? message.previousId : null,
      properties,
      context,
      ...touchpoint,
      order,
      origin: envelope.origin ?? 'api',
      recordEvent: envelope.recordEvent ?? true,
      flags,
    },
  };
}

/** Channel, source, medium, campaign and device, from what a message (or a stored event) carries. */
export function touchpointOf(
  context: Record<string, unknown>,
  properties: Record<string, unknown>,
  rules?: CompiledRules,
): Touchpoint & { device: DeviceClass | null } {
  const page = (context.page ?? {}) as Record<string, unknown>;
  const channel = classifyChannel(
    {
      campaign: context.campaign as Record<string, unknown> | undefined,
      pageUrl: stringOr(page.url) ?? stringOr(properties.url),
      referrer: stringOr(page.referrer) ?? stringOr(properties.referrer),
    },
    rules,
  );
  return { ...channel, device: classifyDevice(context, rules) };
}

/**
 * Segment's rule: a device clock may be wrong, but the gap between the call and the send is right, so
 * occurredAt = receivedAt − (sentAt − originalTimestamp). Without sentAt, or in an import of history, the
 * message's time is kept.
 */
function timeOf(
  message: {
    timestamp?: string | undefined;
    originalTimestamp?: string | undefined;
    sentAt?: string | undefined;
  },
  envelope: Envelope,
): { occurredAt: Date; onAgoraClock: boolean; flags: string[] } {
  const received = envelope.receivedAt.getTime();
  const original = message.originalTimestamp ?? message.timestamp;
  const sentAt = message.sentAt ?? envelope.sentAt;
  let occurred = received;
  let onAgoraClock = true;
  if (original && sentAt && envelope.origin !== 'import')
    occurred = received - (Date.parse(sentAt) - Date.parse(original));
  else if (original) {
    occurred = Date.parse(original);
    onAgoraClock = false;
  }
  const flags: string[] = [];
  if (occurred > received + FUTURE_TOLERANCE_MS) flags.push('timestamp_in_future');
  if (occurred < EARLIEST) flags.push('timestamp_before_2000');
  return { occurredAt: new Date(occurred), onAgoraClock, flags };
}

function traitsOf(
  message: { type: MessageType; traits?: Record<string, unknown> | undefined },
  context: Record<string, unknown>,
): Record<string, unknown> | null {
  const own = message.type === 'identify' && message.traits ? message.traits : null;
  const fromContext = (context.traits as Record<string, unknown> | undefined) ?? null;
  if (!own && !fromContext) return null;
  return { ...(fromContext ?? {}), ...(own ?? {}) };
}

function identitiesOf(
  userId: string | null,
  anonymousId: string | null,
  traits: Record<string, unknown> | null,
  context: Record<string, unknown>,
): IdentityRef[] {
  const found: IdentityRef[] = [];
  const add = (kind: IdentityKind, value: string | null) => {
    if (value && !found.some((identity) => identity.kind === kind && identity.value === value)) {
      found.push({ kind, value });
    }
  };
  add('user', userId);
  if (traits) {
    add('email', normalizeEmail(traits.email));
    add('phone', normalizePhone(traits.phone));
    add('loyalty', stringOr(traits.loyaltyId) ?? stringOr(traits.loyalty_id) ?? null);
    for (const network of HANDLE_TRAITS) add('handle', normalizeHandle(network, traits[network]));
  }
  const externalIds = Array.isArray(context.externalIds) ? context.externalIds : [];
  for (const external of externalIds as Array<{ id?: unknown; type?: unknown }>) {
    const id = stringOr(external?.id);
    const type = stringOr(external?.type);
    if (id && type) add('external', `${type}:${id}`);
  }
  add('anonymous', anonymousId);
  return found;
}

export function normalizeEmail(value: unknown): string | null {
  const email = stringOr(value)?.toLowerCase();
  return email && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email) ? email : null;
}

export function normalizePhone(value: unknown): string | null {
  const phone = stringOr(value);
  if (!phone) return null;
  const digits = phone.replace(/[^\d]/g, '');
  if (digits.length < 6) return null;
  return phone.trim().startsWith('+') ? `+${digits}` : digits;
}

/** An identity value as ingestion stores it, so that lookups find what was stored. */
export function normalizeIdentityValue(kind: string, value: string): string | null {
  if (kind === 'email') return normalizeEmail(value);
  if (kind === 'phone') return normalizePhone(value);
  if (kind === 'handle') return value.trim().toLowerCase();
  return value.trim() || null;
}

function normalizeHandle(network: string, value: unknown): string | null {
  const handle = stringOr(value)?.replace(/^@/, '').toLowerCase();
  return handle ? `${network}:@${handle}` : null;
}

function stringOr(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** A message without a messageId gets one from its content, so an identical retry is still recognised. */
function contentId(text: string): string {
  return `content-${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
}

/** Deep nesting and huge arrays make every later query slow; they are refused with the place that is too big. */
function findShapeProblem(value: unknown, path = 'message', depth = 0): string | null {
  if (value === null || typeof value !== 'object') return null;
  if (depth > MAX_DEPTH)
    return `${path} is nested more than ${MAX_DEPTH} levels deep; flatten the properties`;
  if (Array.isArray(value)) {
    if (value.length > MAX_ARRAY_ITEMS)
      return `${path} has ${value.length} items; at most ${MAX_ARRAY_ITEMS} are accepted`;
    for (let index = 0; index < value.length; index++) {
      const problem = findShapeProblem(value[index], `${path}[${index}]`, depth + 1);
      if (problem) return problem;
    }
    return null;
  }
  for (const [key, item] of Object.entries(value)) {
    const problem = findShapeProblem(item, `${path}.${key}`, depth + 1);
    if (problem) return problem;
  }
  return null;
}
