/**
 * The writer behind ingestion: one per database. It drops retries already stored, resolves identities, and
 * writes customers, identities, merges, traits, accounts, orders and events.
 *
 * Writes run one at a time (identity resolution reads what the previous write wrote), and requests that
 * arrive during a write are written together in the next one: group commit, so that the per-write queries
 * and the commit are shared by many requests. A request is answered only once its messages are committed.
 * The identity writes commit before the events are appended, and the append runs while the next round
 * looks up and writes its identities; if the append fails the requests fail, SDKs retry, and the
 * identities are found again, so nothing is counted twice.
 */
import { isDeepStrictEqual } from 'node:util';
import { LRUMap } from 'mnemonist';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Queryable, Transaction } from '../../platform/db/database.ts';
import { insertRows, updateRows } from '../../platform/db/rows-sql.ts';
import type { Logger } from '../../platform/log.ts';
import { createGroupWriter, type Written } from './group-writer.ts';
import { applyMerge, createCustomerIdPool, createCustomers, createIdentities } from './identity.store.ts';
import type { NormalizedMessage } from './normalize-message.ts';
import { recordOrders } from './order.store.ts';
import { lookUpIdentities, resolveIdentities } from './resolve-identities.ts';
import type { TouchpointRulesService } from './touchpoint-rules.service.ts';
import {
  ARRIVAL_MARGIN_MS,
  createKnownIdentities,
  createRecentMessages,
  createStoredMessages,
  messageKey,
} from './writer-memory.ts';

/** How far back a retried messageId is looked for among stored events. */
const DEDUPLICATION_WINDOW_DAYS = 7;

export const BUYING_ROLES: ReadonlySet<unknown> = new Set([
  'decision_maker',
  'economic_buyer',
  'champion',
  'influencer',
  'user',
  'gatekeeper',
]);

const EVENT_COLUMNS = [
  'workspace_id',
  'customer_id',
  'message_id',
  'type',
  'name',
  'occurred_at',
  'received_at',
  'anonymous_id',
  'user_id',
  'account_id',
  'channel',
  'source',
  'medium',
  'campaign',
  'device',
  'properties',
  'context',
  'quality_flags',
];

export interface IngestDeps {
  db: Database;
  clock: Clock;
  log: Logger;
  config: { maxMergesPerIdentity: number };
  /** Shared with the routes that edit the rules, so that an edit applies at once. */
  touchpointRules?: TouchpointRulesService;
}

/**
 * One writer per database, whatever number of services use it (the server's, and a demo being loaded into
 * it), so that rounds never race each other and the writer's memory sees every write.
 */
const writers = new WeakMap<Database, ReturnType<typeof createWriter>>();

export function writerFor(deps: IngestDeps) {
  let writer = writers.get(deps.db);
  if (!writer) {
    writer = createWriter(deps);
    writers.set(deps.db, writer);
  }
  return writer;
}

function createWriter(deps: IngestDeps) {
  const { db } = deps;
  // Only DuckDB's writer is alone with its database (writer-memory.ts).
  const memory =
    db.engine === 'duckdb'
      ? {
          messages: createRecentMessages(db, deps.log),
          stored: createStoredMessages(db, deps.log),
          identities: createKnownIdentities(db, deps.log),
        }
      : null;
  memory?.messages.start(deps.clock.now());
  void memory?.identities.start();
  const knownAccounts: KnownAccounts = new LRUMap(KNOWN_ACCOUNTS);
  const options = {
    maxMergesPerIdentity: deps.config.maxMergesPerIdentity,
    newCustomerId: createCustomerIdPool(db),
  };

  /** Events of earlier rounds still being appended: their messageIds, and the append itself. */
  const unappended = new Set<string>();
  let appending: Promise<unknown> = Promise.resolve();

  async function store(workspaceId: number, messages: NormalizedMessage[]): Promise<Written> {
    // Both reads at once: looking up the identities of a few retries costs less than waiting.
    const [fresh, identities] = await Promise.all([
      withoutStoredRetries(workspaceId, messages),
      lookUpIdentities(db, workspaceId, messages, memory?.identities),
    ]);
    if (fresh.length === 0) return { refusals: [] };
    const resolution = await resolveIdentities(db, workspaceId, fresh, identities, options);
    // A merge moves the merged customer's events, so those of the previous round must be in first.
    if (resolution.merges.length > 0) await appending.catch(() => {});
    const accountIds = await db.transaction(async (tx) => {
      await createCustomers(tx, workspaceId, resolution.newCustomers);
      await createIdentities(tx, workspaceId, resolution.newIdentities);
      for (const merge of resolution.merges) await applyMerge(tx, workspaceId, merge);
      const stored = fresh.flatMap((message, position) => {
        const customerId = resolution.customerIds[position];
        return customerId === null || customerId === undefined ? [] : [{ message, customerId }];
      });
      await updateTraits(tx, workspaceId, stored);
      const accountIds = await linkAccounts(tx, workspaceId, stored, knownAccounts);
      await recordOrders(tx, workspaceId, stored, accountIds);
      return accountIds;
    });
    memory?.identities.committed(workspaceId, resolution);
    for (const [externalId, accountId] of accountIds)
      knownAccounts.set(accountKey(workspaceId, externalId), accountId);
    const rows = fresh.flatMap((message, position) => {
      const customerId = resolution.customerIds[position];
      if (customerId === null || customerId === undefined || !message.recordEvent) return [];
      return [
        eventRow(workspaceId, customerId, message, message.groupId ? accountIds.get(message.groupId) : null),
      ];
    });
    const keys = rows.map((row) => messageKey(workspaceId, row[2] as string));
    for (const key of keys) unappended.add(key);
    const remembered = fresh.filter((message) => message.recordEvent && message.origin === 'api');
    return {
      refusals: resolution.refused.map(({ position, reason }) => ({
        position: messages.indexOf(fresh[position]!),
        reason,
      })),
      // The append runs while the writer starts the next round (group-writer.ts).
      rest: () => {
        appending = db
          .append('events', EVENT_COLUMNS, rows)
          .then(() => {
            for (const message of remembered)
              memory?.messages.remember(messageKey(workspaceId, message.messageId), message.receivedAt);
            for (const key of keys) memory?.stored.add(key);
          })
          .finally(() => {
            for (const key of keys) unappended.delete(key);
          });
        return appending.then(() => undefined);
      },
    };
  }

  /**
   * Drops events whose messageId is stored already, or repeated within the write. On DuckDB, the
   * writer's memory of recent messageIds answers for most tracking messages. Others are looked for in the
   * table: an SDK retries within days, so among recent arrivals, and no earlier than the first of them
   * happened when that time is on Agora's clock (a copy cannot have arrived before the message existed);
   * a re-run import may come at any time, but keeps its timestamps, so at the times they happened. Either
   * way the search reads a narrow slice of the events, not all of them.
   */
  async function withoutStoredRetries(
    workspaceId: number,
    messages: NormalizedMessage[],
  ): Promise<NormalizedMessage[]> {
    const weekAgo = deps.clock.now().getTime() - DEDUPLICATION_WINDOW_DAYS * 86_400_000;
    const events = messages.filter((message) => message.recordEvent);
    // Whatever its time, a messageId the filter of stored ones has never seen is new.
    const surelyNew = (message: NormalizedMessage) =>
      memory?.stored.surelyAbsent(messageKey(workspaceId, message.messageId)) ?? false;
    const remembered = (message: NormalizedMessage) => memory?.messages.covers(message) ?? false;
    const fromApi = events.filter(
      (message) => message.origin === 'api' && !remembered(message) && !surelyNew(message),
    );
    const since = new Date(
      fromApi.reduce(
        (earliest, message) =>
          Math.min(
            earliest,
            message.onAgoraClock ? message.occurredAt.getTime() - ARRIVAL_MARGIN_MS : weekAgo,
          ),
        Number.POSITIVE_INFINITY,
      ),
    );
    if (since.getTime() < weekAgo) since.setTime(weekAgo);
    const imported = events.filter((message) => message.origin === 'import' && !surelyNew(message));
    const times = imported.map((message) => message.occurredAt.getTime());
    const stored = [
      ...(await storedMessageIds(workspaceId, fromApi, 'received_at >= $3', [since])),
      ...(await storedMessageIds(workspaceId, imported, 'occurred_at BETWEEN $3 AND $4', [
        new Date(Math.min(...times)),
        new Date(Math.max(...times)),
      ])),
    ];
    const seen = new Set(stored);
    return messages.filter((message) => {
      if (!message.recordEvent) return true;
      const key = messageKey(workspaceId, message.messageId);
      if (seen.has(message.messageId) || unappended.has(key)) return false;
      if (remembered(message) && memory?.messages.has(key)) return false;
      seen.add(message.messageId);
      return true;
    });
  }

  async function storedMessageIds(
    workspaceId: number,
    messages: NormalizedMessage[],
    within: string,
    bounds: Date[],
  ): Promise<string[]> {
    if (messages.length === 0) return [];
    const ids = [...new Set(messages.map((message) => message.messageId))];
    const rows = await db.query<{ message_id: string }>(
      `SELECT DISTINCT message_id FROM events
        WHERE workspace_id = $1 AND message_id IN (SELECT unnest(CAST($2 AS TEXT[]))) AND ${within}`,
      [workspaceId, ids, ...bounds],
    );
    return rows.map((row) => row.message_id);
  }

  return createGroupWriter<NormalizedMessage>((workspaceId, messages) => store(workspaceId, messages));
}

function eventRow(
  workspaceId: number,
  customerId: number,
  message: NormalizedMessage,
  accountId: number | null | undefined,
) {
  return [
    workspaceId,
    customerId,
    message.messageId,
    message.type,
    message.name,
    message.occurredAt,
    message.receivedAt,
    message.anonymousId,
    message.userId,
    accountId ?? null,
    message.channel,
    message.source,
    message.medium,
    message.campaign,
    message.device,
    message.properties,
    message.context,
    message.flags.length > 0 ? message.flags : null,
  ];
}

/**
 * identify traits: last write wins per trait in message time, also against what earlier writes stored
 * (an identify that arrives late with an older timestamp does not overwrite a newer value); every value
 * that differs from the one held is kept in trait_history.
 */
async function updateTraits(
  tx: Transaction,
  workspaceId: number,
  stored: Array<{ message: NormalizedMessage; customerId: number }>,
): Promise<void> {
  const identifies = stored
    .filter(({ message }) => message.type === 'identify' && message.traits)
    .sort((a, b) => a.message.occurredAt.getTime() - b.message.occurredAt.getTime());
  if (identifies.length === 0) return;
  const customerIds = [...new Set(identifies.map(({ customerId }) => customerId))];
  const rows = await tx.query<{ customer_id: number; traits: Record<string, unknown> }>(
    'SELECT customer_id, traits FROM customers WHERE workspace_id = $1 AND customer_id = ANY(CAST($2 AS BIGINT[]))',
    [workspaceId, customerIds],
  );
  const setTimes = await tx.query<{ customer_id: number; trait: string; set_at: Date }>(
    `SELECT customer_id, trait, max(set_at) AS set_at FROM trait_history
      WHERE workspace_id = $1 AND customer_id = ANY(CAST($2 AS BIGINT[])) GROUP BY customer_id, trait`,
    [workspaceId, customerIds],
  );
  const traits = new Map(rows.map((row) => [row.customer_id, { ...row.traits }]));
  const lastSet = new Map(setTimes.map((row) => [`${row.customer_id}:${row.trait}`, row.set_at.getTime()]));
  const history: unknown[][] = [];
  const changed = new Map<number, Date>();
  for (const { message, customerId } of identifies) {
    const current = traits.get(customerId) ?? {};
    for (const [trait, value] of Object.entries(message.traits!)) {
      // A value the customer holds already is not a change (the same profile imported twice, say).
      if (trait in current && isDeepStrictEqual(current[trait], value)) continue;
      history.push([
        workspaceId,
        customerId,
        trait,
        JSON.stringify(value ?? null),
        message.occurredAt,
        message.messageId,
      ]);
      const key = `${customerId}:${trait}`;
      if ((lastSet.get(key) ?? Number.NEGATIVE_INFINITY) > message.occurredAt.getTime()) continue;
      lastSet.set(key, message.occurredAt.getTime());
      current[trait] = value;
      changed.set(customerId, message.receivedAt);
    }
    traits.set(customerId, current);
  }
  // One statement per slice of customers, not per customer: an import may identify thousands at once.
  await updateRows(
    tx,
    workspaceId,
    {
      table: 'customers',
      columns: [
        ['customer_id', 'BIGINT'],
        ['traits', 'TEXT'],
        ['changed_at', 'TIMESTAMP'],
      ],
      set: 'traits = CAST(changed.traits AS JSON), updated_at = changed.changed_at',
      match: 'customers.customer_id = changed.customer_id',
    },
    [...changed].map(([customerId, at]) => [customerId, JSON.stringify(traits.get(customerId)), at]),
  );
  if (history.length > 0)
    await tx.append(
      'trait_history',
      ['workspace_id', 'customer_id', 'trait', 'value', 'set_at', 'message_id'],
      history,
    );
}

/**
 * group calls (and events carrying context.groupId): the accounts by their external ids, found or created
 * together; a group call's account traits and the caller's membership. A statement per kind of write, not
 * per message: a round may hold thousands of B2B events.
 */
async function linkAccounts(
  tx: Queryable,
  workspaceId: number,
  stored: Array<{ message: NormalizedMessage; customerId: number }>,
  known: KnownAccounts,
): Promise<Map<string, number>> {
  const grouped = stored.filter(({ message }) => message.groupId);
  if (grouped.length === 0) return new Map();
  const accountIds = new Map<string, number>();
  const unknown: string[] = [];
  for (const externalId of new Set(grouped.map(({ message }) => message.groupId!))) {
    const accountId = known.get(accountKey(workspaceId, externalId));
    if (accountId === undefined) unknown.push(externalId);
    else accountIds.set(externalId, accountId);
  }
  if (unknown.length > 0) {
    const found = await findOrCreateAccounts(tx, workspaceId, unknown, grouped[0]!.message.receivedAt);
    for (const [externalId, accountId] of found) accountIds.set(externalId, accountId);
  }
  const accountTraits = new Map<number, { traits: Record<string, unknown>; at: Date }>();
  const memberships = new Map<string, unknown[]>();
  for (const { message, customerId } of grouped) {
    if (!message.groupTraits) continue;
    const accountId = accountIds.get(message.groupId!)!;
    // The caller's role and title describe the membership, not the account.
    const { buyingRole, buying_role, role, title, ...traits } = message.groupTraits;
    if (Object.keys(traits).length > 0) {
      const entry = accountTraits.get(accountId) ?? { traits: {}, at: message.receivedAt };
      accountTraits.set(accountId, { traits: { ...entry.traits, ...traits }, at: message.receivedAt });
    }
    const key = `${accountId}:${customerId}`;
    const earlier = memberships.get(key);
    memberships.set(key, [
      workspaceId,
      accountId,
      customerId,
      [buyingRole, buying_role, role].find((value) => BUYING_ROLES.has(value)) ?? earlier?.[3] ?? null,
      typeof title === 'string' ? title : (earlier?.[4] ?? null),
      message.occurredAt,
      message.occurredAt,
    ]);
  }
  await updateAccounts(tx, workspaceId, accountTraits);
  await insertRows(
    tx,
    'INSERT INTO account_memberships (workspace_id, account_id, customer_id, buying_role, title, joined_at, updated_at)',
    `ON CONFLICT (workspace_id, account_id, customer_id) DO UPDATE SET
       buying_role = coalesce(excluded.buying_role, account_memberships.buying_role),
       title = coalesce(excluded.title, account_memberships.title), updated_at = excluded.updated_at`,
    [...memberships.values()],
  );
  return accountIds;
}

/**
 * Account ids by external id, once committed: an account is never deleted or renumbered, so what one
 * instance learnt stays true whatever others write, on either engine.
 */
type KnownAccounts = LRUMap<string, number>;
const KNOWN_ACCOUNTS = 100_000;
const accountKey = (workspaceId: number, externalId: string) => `${workspaceId}\u0000${externalId}`;

/** Another instance may create the same account at the same moment; its insert then does nothing. */
async function findOrCreateAccounts(
  tx: Queryable,
  workspaceId: number,
  externalIds: string[],
  at: Date,
): Promise<Map<string, number>> {
  await tx.query(
    `INSERT INTO accounts (workspace_id, account_id, external_id, created_at, updated_at)
     SELECT $1, nextval('account_id_seq'), ids.external_id, $3, $3
       FROM (SELECT DISTINCT unnest(CAST($2 AS TEXT[])) AS external_id) AS ids
      WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.workspace_id = $1 AND a.external_id = ids.external_id)
     ON CONFLICT (workspace_id, external_id) DO NOTHING`,
    [workspaceId, externalIds, at],
  );
  const rows = await tx.query<{ account_id: number; external_id: string }>(
    'SELECT account_id, external_id FROM accounts WHERE workspace_id = $1 AND external_id = ANY(CAST($2 AS TEXT[]))',
    [workspaceId, externalIds],
  );
  return new Map(rows.map((row) => [row.external_id, row.account_id]));
}

/** New traits win over stored ones, key by key; `name` also names the account. */
async function updateAccounts(
  tx: Queryable,
  workspaceId: number,
  changes: Map<number, { traits: Record<string, unknown>; at: Date }>,
): Promise<void> {
  if (changes.size === 0) return;
  const stored = await tx.query<{ account_id: number; traits: Record<string, unknown> }>(
    'SELECT account_id, traits FROM accounts WHERE workspace_id = $1 AND account_id = ANY(CAST($2 AS BIGINT[]))',
    [workspaceId, [...changes.keys()]],
  );
  const before = new Map(stored.map((row) => [row.account_id, row.traits]));
  const rows = [...changes].map(([accountId, { traits, at }]) => [
    accountId,
    JSON.stringify({ ...(before.get(accountId) ?? {}), ...traits }),
    typeof traits.name === 'string' ? traits.name : null,
    at,
  ]);
  await updateRows(
    tx,
    workspaceId,
    {
      table: 'accounts',
      columns: [
        ['account_id', 'BIGINT'],
        ['traits', 'TEXT'],
        ['name', 'TEXT'],
        ['changed_at', 'TIMESTAMP'],
      ],
      set: `traits = CAST(changed.traits AS JSON), name = coalesce(changed.name, accounts.name),
            updated_at = changed.changed_at`,
      match: 'accounts.account_id = changed.account_id',
    },
    rows,
  );
}
