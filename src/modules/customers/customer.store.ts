/** Reads of a customer's profile and of the event stream, for the admin read API. */
import type { Queryable } from '../../platform/db/database.ts';
import type { AgoraEvent, CustomerProfile } from './customer.schema.ts';

interface EventRow {
  message_id: string;
  customer_id: number;
  type: string;
  name: string;
  occurred_at: Date;
  received_at: Date;
  channel: string | null;
  source: string | null;
  medium: string | null;
  campaign: string | null;
  device: string | null;
  account_id: number | null;
  properties: Record<string, unknown> | null;
  quality_flags: string[] | null;
}

const EVENT_COLUMNS =
  'message_id, customer_id, type, name, occurred_at, received_at, channel, source, medium, campaign, device, account_id, properties, quality_flags';

function toEvent(row: EventRow): AgoraEvent {
  return {
    messageId: row.message_id,
    customerId: row.customer_id,
    type: row.type,
    name: row.name,
    occurredAt: row.occurred_at,
    receivedAt: row.received_at,
    channel: row.channel,
    source: row.source,
    medium: row.medium,
    campaign: row.campaign,
    device: row.device,
    accountId: row.account_id,
    properties: row.properties,
    qualityFlags: row.quality_flags,
  };
}

export async function findCustomerIdByIdentity(
  db: Queryable,
  workspaceId: number,
  kind: string,
  value: string,
): Promise<number | null> {
  const [row] = await db.query<{ customer_id: number }>(
    'SELECT customer_id FROM identities WHERE workspace_id = $1 AND kind = $2 AND value = $3',
    [workspaceId, kind, value],
  );
  return row?.customer_id ?? null;
}

/** The customer, following merges to the one that stays; null when there is no such customer. */
export async function findCustomerProfile(
  db: Queryable,
  workspaceId: number,
  customerId: number,
): Promise<Omit<CustomerProfile, 'requestedCustomerId'> | null> {
  const [customer] = await db.query<{
    customer_id: number;
    traits: Record<string, unknown>;
    first_seen_at: Date;
    merged_into: number | null;
  }>(
    'SELECT customer_id, traits, first_seen_at, merged_into FROM customers WHERE workspace_id = $1 AND customer_id = $2',
    [workspaceId, customerId],
  );
  if (!customer) return null;
  if (customer.merged_into !== null) return findCustomerProfile(db, workspaceId, customer.merged_into);
  const args = [workspaceId, customer.customer_id];
  const [identities, merges, accounts, events] = await Promise.all([
    db.query<{
      kind: CustomerProfile['identities'][number]['kind'];
      value: string;
      source: string;
      first_seen_at: Date;
    }>(
      'SELECT kind, value, source, first_seen_at FROM identities WHERE workspace_id = $1 AND customer_id = $2 ORDER BY kind, value',
      args,
    ),
    db.query<{
      merged_customer_id: number;
      reason: string;
      identity_kind: string | null;
      identity_value: string | null;
      message_id: string | null;
      merged_at: Date;
    }>(
      `SELECT merged_customer_id, reason, identity_kind, identity_value, message_id, merged_at FROM customer_merges
        WHERE workspace_id = $1 AND into_customer_id = $2 ORDER BY merged_at, merged_customer_id`,
      args,
    ),
    db.query<{
      account_id: number;
      external_id: string | null;
      name: string | null;
      buying_role: string | null;
    }>(
      `SELECT a.account_id, a.external_id, a.name, m.buying_role FROM account_memberships m
         JOIN accounts a ON a.workspace_id = m.workspace_id AND a.account_id = m.account_id
        WHERE m.workspace_id = $1 AND m.customer_id = $2 ORDER BY a.account_id`,
      args,
    ),
    db.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE workspace_id = $1 AND customer_id = $2
        ORDER BY occurred_at DESC, message_id DESC LIMIT 20`,
      args,
    ),
  ]);
  return {
    customerId: customer.customer_id,
    traits: customer.traits,
    firstSeenAt: customer.first_seen_at,
    identities: identities.map((row) => ({
      kind: row.kind,
      value: row.value,
      source: row.source,
      firstSeenAt: row.first_seen_at,
    })),
    merges: merges.map((row) => ({
      mergedCustomerId: row.merged_customer_id,
      reason: row.reason,
      identity: row.identity_kind ? `${row.identity_kind}:${row.identity_value}` : null,
      messageId: row.message_id,
      mergedAt: row.merged_at,
    })),
    accounts: accounts.map((row) => ({
      accountId: row.account_id,
      externalId: row.external_id,
      name: row.name,
      buyingRole: row.buying_role,
    })),
    lastEvents: events.map(toEvent),
  };
}

export interface EventFilter {
  customerId?: number | undefined;
  name?: string | undefined;
  channel?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Events strictly after this position in (occurredAt desc, messageId desc) order. */
  after?: { occurredAt: Date; messageId: string } | undefined;
  limit: number;
}

/** Newest first, one row more than asked, so the caller knows whether a next page exists. */
export async function queryEvents(
  db: Queryable,
  workspaceId: number,
  filter: EventFilter,
): Promise<AgoraEvent[]> {
  const params: unknown[] = [workspaceId];
  const where = ['workspace_id = $1'];
  const add = (condition: (placeholder: string) => string, value: unknown) => {
    params.push(value);
    where.push(condition(`$${params.length}`));
  };
  if (filter.customerId !== undefined) add((p) => `customer_id = ${p}`, filter.customerId);
  if (filter.name !== undefined) add((p) => `name = ${p}`, filter.name);
  if (filter.channel !== undefined) add((p) => `channel = ${p}`, filter.channel);
  if (filter.from) add((p) => `occurred_at >= ${p}`, filter.from);
  if (filter.to) add((p) => `occurred_at < ${p}`, filter.to);
  if (filter.after) {
    params.push(filter.after.occurredAt, filter.after.messageId);
    const [at, id] = [`$${params.length - 1}`, `$${params.length}`];
    where.push(`(occurred_at < ${at} OR (occurred_at = ${at} AND message_id < ${id}))`);
  }
  params.push(filter.limit + 1);
  const rows = await db.query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM events WHERE ${where.join(' AND ')}
      ORDER BY occurred_at DESC, message_id DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map(toEvent);
}
