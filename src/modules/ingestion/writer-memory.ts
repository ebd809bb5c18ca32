/**
 * What the only writer of a DuckDB file remembers between rounds, so that most rounds ask the database
 * nothing before they write: the messageIds it stored lately, filters of every messageId and identity
 * stored, and who owns the identities it has seen.
 * One process holds the file and all of its writes go through one group writer (ingest.service.ts), so
 * what this memory says is what the database holds. PostgreSQL may have several Agora instances writing
 * at once; there the database is asked every time.
 */
import { BloomFilter, LRUMap, LRUMapWithDelete } from 'mnemonist';
import type { Database } from '../../platform/db/database.ts';
import type { Logger } from '../../platform/log.ts';
import type { Merge, NewIdentity } from './identity.store.ts';
import type { IdentityRef, NormalizedMessage } from './normalize-message.ts';

/**
 * How much earlier than its time a message on Agora's clock may have arrived. A corrected time is the
 * moment it happened plus the network time of the send that brought it (docs/ingestion.md), so an
 * earlier copy arrived at most that much before it: seconds at worst.
 */
export const ARRIVAL_MARGIN_MS = 2 * 60_000;

/** Sizes: a million recent messageIds and identity owners is about 200 MB of heap at most. */
const RECENT_MESSAGES = 500_000;
const KNOWN_OWNERS = 500_000;
const FILTER_ERROR_RATE = 0.01;
const FILL_SLICE = 100_000;

export const identityKey = (workspaceId: number, identity: IdentityRef) =>
  `${workspaceId}\u0000${identity.kind}\u0000${identity.value}`;

export const messageKey = (workspaceId: number, messageId: string) => `${workspaceId}\u0000${messageId}`;

/**
 * The messageIds of the tracking messages stored since some moment, oldest dropped first. A message on
 * Agora's clock that happened after that moment (with margin) can only have been stored since then, so
 * this memory alone says whether it is a retry; older or device-timed messages are looked for in the table.
 * It answers for nothing until `start` has read the messageIds that arrived in the margin before it; then
 * for every message that happened since it started, as long as it holds all it was told.
 */
export function createRecentMessages(db: Database, log: Logger, capacity = RECENT_MESSAGES) {
  const arrivals = new LRUMap<string, number>(capacity);
  // Held: everything stored since the later of these two.
  let readSince = Number.POSITIVE_INFINITY;
  let droppedUntil = Number.NEGATIVE_INFINITY;
  const remember = (key: string, receivedAt: number) => {
    const dropped = arrivals.setpop(key, receivedAt);
    if (dropped?.evicted) droppedUntil = Math.max(droppedUntil, dropped.value + 1);
  };
  return {
    start(now: Date): Promise<void> {
      const since = now.getTime() - ARRIVAL_MARGIN_MS;
      return db
        .query<{ workspace_id: number; message_id: string; received_at: Date }>(
          `SELECT workspace_id, message_id, received_at FROM events
          WHERE received_at >= $1 ORDER BY received_at DESC LIMIT $2`,
          [new Date(since), capacity],
        )
        .then((rows) => {
          // Newest first, so that a full memory keeps the newest and covers from the oldest it holds.
          for (const row of rows.reverse())
            remember(messageKey(row.workspace_id, row.message_id), row.received_at.getTime());
          readSince = rows.length === capacity ? rows[0]!.received_at.getTime() + 1 : since;
        })
        .catch((error: unknown) => log.warn({ err: error }, 'could not read recent messageIds into memory'));
    },
    covers(message: NormalizedMessage): boolean {
      return (
        message.origin === 'api' &&
        message.onAgoraClock &&
        message.occurredAt.getTime() - ARRIVAL_MARGIN_MS >= Math.max(readSince, droppedUntil)
      );
    },
    has: (key: string) => arrivals.has(key),
    /** Called once the event is appended: only then is it stored. */
    remember: (key: string, receivedAt: Date) => remember(key, receivedAt.getTime()),
  };
}

/**
 * A Bloom filter of every key a table holds (identities, messageIds), so that a key never seen needs no
 * lookup: `surelyAbsent` is true only for keys that are not in the table. It is filled from the table in the
 * background at start, a slice of rows at a time; until then it answers false, and every key is looked up.
 * It takes new keys from the moment it is made and counts the rows to read after that, so a key stored
 * meanwhile is in one or the other.
 */
export function createKeyFilter<Row extends object>(
  db: Database,
  log: Logger,
  source: { table: string; columns: string; keyOf(row: Row): string; minimumCapacity: number },
) {
  let filter = newFilter(0);
  let filling: Promise<void> | null = null;
  let started = false;

  function newFilter(existing: number) {
    return {
      bloom: new BloomFilter({
        capacity: Math.max(source.minimumCapacity, existing * 2),
        errorRate: FILTER_ERROR_RATE,
      }),
      count: 0,
      ready: false,
    };
  }

  function fill(): Promise<void> {
    filling ??= (async () => {
      const [{ n }] = (await db.query<{ n: number }>(`SELECT count(*) AS n FROM ${source.table}`)) as [
        { n: number },
      ];
      const next = newFilter(n);
      filter = next;
      const [{ rows: stored }] = (await db.query<{ rows: number }>(
        `SELECT coalesce(max(rowid) + 1, 0) AS rows FROM ${source.table}`,
      )) as [{ rows: number }];
      for (let from = 0; from < stored; from += FILL_SLICE) {
        const rows = await db.query<Row>(
          `SELECT ${source.columns} FROM ${source.table} WHERE rowid >= $1 AND rowid < $2`,
          [from, from + FILL_SLICE],
        );
        for (const row of rows) add(next, source.keyOf(row));
      }
      next.ready = true;
    })()
      // Without the filter every key is looked up: slower, still right.
      .catch((error: unknown) => log.warn({ err: error }, `could not read ${source.table} into memory`))
      .finally(() => {
        filling = null;
      });
    return filling;
  }

  function add(into: typeof filter, key: string): void {
    into.bloom.add(key);
    into.count += 1;
    // Past its capacity the filter would say "maybe" to nearly everything: read it again, bigger.
    if (into.ready && into.count > into.bloom.capacity) void fill();
  }

  return {
    start: () => {
      started = true;
      return fill();
    },
    /** Starts filling on first use when `start` was not called: a filter no one asks costs nothing. */
    surelyAbsent(key: string): boolean {
      if (!started) {
        started = true;
        void fill();
      }
      return filter.ready && !filter.bloom.test(key);
    },
    /** Called once the key is stored. */
    add: (key: string) => add(filter, key),
  };
}

/**
 * Every messageId stored: a message whose id is surely new needs no lookup, however old its time. Filled
 * the first time a message is not answered by the recent ones (a backfill, an import), not at start: SDK
 * traffic alone never needs it, and reading every messageId of a large database is not free.
 */
export function createStoredMessages(db: Database, log: Logger) {
  return createKeyFilter<{ workspace_id: number; message_id: string }>(db, log, {
    table: 'events',
    columns: 'workspace_id, message_id',
    keyOf: (row) => messageKey(row.workspace_id, row.message_id),
    // 12 MB: an empty database filling with a first import should not have to be read again soon.
    minimumCapacity: 10_000_000,
  });
}

/**
 * Identity owners, customers' user ids, and merges this process made; plus a filter of every identity the
 * workspace has, so that an identity never seen (every new visitor) needs no lookup.
 */
export function createKnownIdentities(db: Database, log: Logger, capacity = KNOWN_OWNERS) {
  const owners = new LRUMap<string, number>(capacity);
  const userIds = new LRUMapWithDelete<number, string | null>(capacity);
  const mergedInto = new Map<number, number>();
  const stored = createKeyFilter<{ workspace_id: number; kind: IdentityRef['kind']; value: string }>(
    db,
    log,
    {
      table: 'identities',
      columns: 'workspace_id, kind, value',
      keyOf: (row) => identityKey(row.workspace_id, row),
      minimumCapacity: 1_000_000,
    },
  );

  const canonical = (customerId: number): number => {
    let id = customerId;
    while (mergedInto.has(id)) id = mergedInto.get(id)!;
    return id;
  };

  return {
    start: stored.start,
    /** The owner if known, null if the identity surely does not exist, undefined if only the table knows. */
    ownerOf(key: string): number | null | undefined {
      const owner = owners.get(key);
      if (owner !== undefined) return canonical(owner);
      return stored.surelyAbsent(key) ? null : undefined;
    },
    /** The user id of a customer (null: none) if known. */
    userIdOf: (customerId: number) => userIds.get(canonical(customerId)),
    learnOwner: (key: string, customerId: number) => owners.set(key, customerId),
    learnUserId: (customerId: number, userId: string | null) => userIds.set(customerId, userId),
    /** What a committed round changed: new identities and customers, and merges. */
    committed(
      workspaceId: number,
      round: {
        newIdentities: readonly NewIdentity[];
        newCustomers: readonly { customerId: number }[];
        merges: readonly Merge[];
      },
    ): void {
      for (const customer of round.newCustomers) userIds.set(customer.customerId, null);
      for (const identity of round.newIdentities) {
        const key = identityKey(workspaceId, identity);
        stored.add(key);
        owners.set(key, identity.customerId);
        if (identity.kind === 'user') userIds.set(identity.customerId, identity.value);
      }
      for (const merge of round.merges) {
        mergedInto.set(merge.mergedCustomerId, merge.intoCustomerId);
        // The joined customer may have gained the merged one's user id: ask the table next time.
        userIds.delete(merge.intoCustomerId);
      }
    },
  };
}

export type RecentMessages = ReturnType<typeof createRecentMessages>;
export type StoredMessages = ReturnType<typeof createStoredMessages>;
export type KnownIdentities = ReturnType<typeof createKnownIdentities>;
