/** The SQL of identity resolution: batched lookups, new customers and identities, and merges. */
import type { Queryable, Transaction } from '../../platform/db/database.ts';
import type { IdentityKind, IdentityRef } from './normalize-message.ts';

export interface IdentityOwner extends IdentityRef {
  customerId: number;
}

export async function findIdentityOwners(
  db: Queryable,
  workspaceId: number,
  kind: IdentityKind,
  values: readonly string[],
): Promise<IdentityOwner[]> {
  if (values.length === 0) return [];
  const rows = await db.query<{ value: string; customer_id: number }>(
    'SELECT value, customer_id FROM identities WHERE workspace_id = $1 AND kind = $2 AND value = ANY(CAST($3 AS TEXT[]))',
    [workspaceId, kind, values],
  );
  return rows.map((row) => ({ kind, value: row.value, customerId: row.customer_id }));
}

/** The user id of each of these customers that has one. */
export async function findUserIds(
  db: Queryable,
  workspaceId: number,
  customerIds: readonly number[],
): Promise<Map<number, string>> {
  if (customerIds.length === 0) return new Map();
  const rows = await db.query<{ customer_id: number; value: string }>(
    `SELECT customer_id, value FROM identities
      WHERE workspace_id = $1 AND kind = 'user' AND customer_id = ANY(CAST($2 AS BIGINT[]))`,
    [workspaceId, customerIds],
  );
  return new Map(rows.map((row) => [row.customer_id, row.value]));
}

export async function countMergesThrough(
  db: Queryable,
  workspaceId: number,
  identity: IdentityRef,
): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*) AS n FROM customer_merges
      WHERE workspace_id = $1 AND identity_kind = $2 AND identity_value = $3`,
    [workspaceId, identity.kind, identity.value],
  );
  return row!.n;
}

/** How many customer ids are taken from the sequence at once: most rounds then need none. */
const CUSTOMER_ID_BLOCK = 1000;

/**
 * Customer ids from the sequence, reserved a block at a time and handed out as needed. Ids left over at
 * exit are never used: a gap, nothing else (a sequence is not transactional anyway).
 */
export function createCustomerIdPool(db: Queryable) {
  const spare: number[] = [];
  return async (): Promise<number> => {
    if (spare.length === 0) {
      const rows = await db.query<{ id: number }>(
        "SELECT nextval('customer_id_seq') AS id FROM generate_series(1, $1) AS t(g)",
        [CUSTOMER_ID_BLOCK],
      );
      spare.push(...rows.map((row) => row.id));
    }
    return spare.shift()!;
  };
}

export interface NewCustomer {
  customerId: number;
  firstSeenAt: Date;
}

export interface NewIdentity extends IdentityOwner {
  source: string;
  seenAt: Date;
}

export interface Merge {
  mergedCustomerId: number;
  intoCustomerId: number;
  reason: string;
  identity: IdentityRef;
  messageId: string;
  mergedAt: Date;
}

/**
 * New customers and identities go in through the engine's bulk path: resolution has just looked them up and
 * this process is the only writer of a DuckDB file. Several PostgreSQL instances may race to record the
 * same new identity; the loser's write fails whole and its senders retry, finding the identity then.
 */
export async function createCustomers(
  tx: Transaction,
  workspaceId: number,
  customers: readonly NewCustomer[],
) {
  if (customers.length === 0) return;
  await tx.append(
    'customers',
    ['workspace_id', 'customer_id', 'traits', 'merged_into', 'first_seen_at', 'last_seen_at', 'updated_at'],
    customers.map((customer) => [
      workspaceId,
      customer.customerId,
      '{}',
      null,
      customer.firstSeenAt,
      customer.firstSeenAt,
      customer.firstSeenAt,
    ]),
  );
}

export async function createIdentities(
  tx: Transaction,
  workspaceId: number,
  identities: readonly NewIdentity[],
) {
  if (identities.length === 0) return;
  await tx.append(
    'identities',
    ['workspace_id', 'kind', 'value', 'customer_id', 'source', 'first_seen_at', 'last_seen_at'],
    identities.map((identity) => [
      workspaceId,
      identity.kind,
      identity.value,
      identity.customerId,
      identity.source,
      identity.seenAt,
      identity.seenAt,
    ]),
  );
}

/**
 * Moves everything of the merged customer to the one it joins: identities, events, orders and account
 * memberships, so that every earlier touchpoint counts for the person. The merged row stays, pointing
 * at its successor, and the merge is recorded with the identity that proved it.
 */
export async function applyMerge(db: Queryable, workspaceId: number, merge: Merge): Promise<void> {
  const from = merge.mergedCustomerId;
  const into = merge.intoCustomerId;
  const moved = [workspaceId, into, from];
  await mergeTraits(db, workspaceId, from, into, merge.mergedAt);
  // An order both hold (sent by the shop and imported, say) is one order: the joined customer's copy stays.
  for (const table of ['order_lines', 'orders']) {
    await db.query(
      `DELETE FROM ${table} WHERE workspace_id = $1 AND customer_id = $3
          AND order_id IN (SELECT order_id FROM orders WHERE workspace_id = $1 AND customer_id = $2)`,
      moved,
    );
  }
  for (const table of ['identities', 'events', 'orders', 'order_lines', 'trait_history']) {
    await db.query(
      `UPDATE ${table} SET customer_id = $2 WHERE workspace_id = $1 AND customer_id = $3`,
      moved,
    );
  }
  // Both were members of an account: one membership stays, keeping a role or title only the other knew.
  await db.query(
    `UPDATE account_memberships SET
       buying_role = coalesce(account_memberships.buying_role, other.buying_role),
       title = coalesce(account_memberships.title, other.title)
       FROM account_memberships AS other
      WHERE account_memberships.workspace_id = $1 AND account_memberships.customer_id = $2
        AND other.workspace_id = $1 AND other.customer_id = $3 AND other.account_id = account_memberships.account_id`,
    moved,
  );
  await db.query(
    `DELETE FROM account_memberships WHERE workspace_id = $1 AND customer_id = $3
        AND account_id IN (SELECT account_id FROM account_memberships WHERE workspace_id = $1 AND customer_id = $2)`,
    moved,
  );
  await db.query(
    'UPDATE account_memberships SET customer_id = $2 WHERE workspace_id = $1 AND customer_id = $3',
    moved,
  );
  await db.query(
    `UPDATE customers SET merged_into = $2, updated_at = $4
      WHERE workspace_id = $1 AND (customer_id = $3 OR merged_into = $3)`,
    [...moved, merge.mergedAt],
  );
  await db.query(
    `INSERT INTO customer_merges
       (workspace_id, merged_customer_id, into_customer_id, reason, identity_kind, identity_value, message_id, merged_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      workspaceId,
      from,
      into,
      merge.reason,
      merge.identity.kind,
      merge.identity.value,
      merge.messageId,
      merge.mergedAt,
    ],
  );
}

/** The joined customer keeps its own traits and gains those only the merged one had. */
async function mergeTraits(
  db: Queryable,
  workspaceId: number,
  from: number,
  into: number,
  at: Date,
): Promise<void> {
  const rows = await db.query<{ customer_id: number; traits: Record<string, unknown> }>(
    'SELECT customer_id, traits FROM customers WHERE workspace_id = $1 AND customer_id IN ($2, $3)',
    [workspaceId, from, into],
  );
  const traitsOf = (id: number) => rows.find((row) => row.customer_id === id)?.traits ?? {};
  await db.query(
    'UPDATE customers SET traits = CAST($3 AS JSON), updated_at = $4 WHERE workspace_id = $1 AND customer_id = $2',
    [workspaceId, into, JSON.stringify({ ...traitsOf(from), ...traitsOf(into) }), at],
  );
}
