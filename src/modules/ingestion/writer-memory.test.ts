import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/engines.ts';
import { migrate } from '../../platform/db/migrate.ts';
import { silentLogger } from '../../platform/log.ts';
import type { NormalizedMessage } from './normalize-message.ts';
import {
  ARRIVAL_MARGIN_MS,
  createKnownIdentities,
  createRecentMessages,
  createStoredMessages,
  identityKey,
  messageKey,
} from './writer-memory.ts';

// The memory serves DuckDB's single writer only, so it is tested on DuckDB.
describe('writer memory', () => {
  let test: TestDatabase;
  const now = new Date('2026-11-23T12:00:00Z');
  const minutes = (n: number) => new Date(now.getTime() + n * 60_000);

  beforeEach(async () => {
    test = await createTestDatabase('duckdb');
    await migrate(test.db);
  });
  afterEach(() => test.drop());

  const message = (occurredAt: Date, changes: Partial<NormalizedMessage> = {}) =>
    ({ origin: 'api', onAgoraClock: true, occurredAt, ...changes }) as NormalizedMessage;

  async function storeEvent(messageId: string, receivedAt: Date) {
    await test.db.append(
      'events',
      ['workspace_id', 'customer_id', 'message_id', 'type', 'name', 'occurred_at', 'received_at'],
      [[1, 1, messageId, 'track', 'Product Viewed', receivedAt, receivedAt]],
    );
  }

  describe('stored messageIds', () => {
    it('says a messageId is surely new only once it has read every stored one, and learns new ones', async () => {
      await storeEvent('old', minutes(-60 * 24 * 30));
      const stored = createStoredMessages(test.db, silentLogger);
      expect(stored.surelyAbsent(messageKey(1, 'never sent'))).toBe(false);
      await stored.start();
      expect(stored.surelyAbsent(messageKey(1, 'old'))).toBe(false);
      expect(stored.surelyAbsent(messageKey(1, 'never sent'))).toBe(true);
      expect(stored.surelyAbsent(messageKey(2, 'old'))).toBe(true);
      stored.add(messageKey(1, 'never sent'));
      expect(stored.surelyAbsent(messageKey(1, 'never sent'))).toBe(false);
    });

    it('reads the stored messageIds the first time it is asked, when nobody started it', async () => {
      await storeEvent('old', minutes(-60));
      const stored = createStoredMessages(test.db, silentLogger);
      expect(stored.surelyAbsent(messageKey(1, 'new'))).toBe(false);
      await expect.poll(() => stored.surelyAbsent(messageKey(1, 'new'))).toBe(true);
      expect(stored.surelyAbsent(messageKey(1, 'old'))).toBe(false);
    });
  });

  describe('recent messageIds', () => {
    it('answers, once it has read the margin before its start, for messages on Agora’s clock since then', async () => {
      await storeEvent('a minute ago', minutes(-1));
      await storeEvent('ten minutes ago', minutes(-10));
      const recent = createRecentMessages(test.db, silentLogger);
      expect(recent.covers(message(now))).toBe(false);

      await recent.start(now);
      expect(recent.has(messageKey(1, 'a minute ago'))).toBe(true);
      expect(recent.has(messageKey(1, 'ten minutes ago'))).toBe(false);
      expect(recent.covers(message(now))).toBe(true);
      // Its copy may have arrived before the margin that was read.
      expect(recent.covers(message(minutes(-1)))).toBe(false);
      // A device's clock or a file of history says nothing about when a copy arrived.
      expect(recent.covers(message(minutes(5), { onAgoraClock: false }))).toBe(false);
      expect(recent.covers(message(minutes(5), { origin: 'import' }))).toBe(false);
    });

    it('drops the oldest messageIds past its capacity, and no longer answers for their time', async () => {
      const recent = createRecentMessages(test.db, silentLogger, 2);
      await recent.start(now);
      recent.remember(messageKey(1, 'first'), minutes(1));
      recent.remember(messageKey(1, 'second'), minutes(2));
      recent.remember(messageKey(1, 'third'), minutes(3));

      expect(recent.has(messageKey(1, 'first'))).toBe(false);
      expect(recent.has(messageKey(1, 'third'))).toBe(true);
      const sinceFirst = minutes(1).getTime() + 1 + ARRIVAL_MARGIN_MS;
      expect(recent.covers(message(new Date(sinceFirst)))).toBe(true);
      expect(recent.covers(message(new Date(sinceFirst - 1)))).toBe(false);
    });

    it('keeps the newest of a margin fuller than its capacity and answers from the oldest it kept', async () => {
      for (const [id, at] of [
        ['older', minutes(-1.5)],
        ['newer', minutes(-1)],
        ['newest', minutes(-0.5)],
      ] as const)
        await storeEvent(id, at);
      const recent = createRecentMessages(test.db, silentLogger, 2);
      await recent.start(now);
      expect(recent.has(messageKey(1, 'older'))).toBe(false);
      expect(recent.has(messageKey(1, 'newer'))).toBe(true);
      const sinceNewer = minutes(-1).getTime() + 1 + ARRIVAL_MARGIN_MS;
      expect(recent.covers(message(new Date(sinceNewer)))).toBe(true);
      expect(recent.covers(message(new Date(sinceNewer - 1)))).toBe(false);
    });
  });

  describe('known identities', () => {
    const anonymous = identityKey(1, { kind: 'anonymous', value: 'tablet' });
    const stranger = identityKey(1, { kind: 'anonymous', value: 'never seen' });

    beforeEach(async () => {
      await test.db.append(
        'identities',
        ['workspace_id', 'kind', 'value', 'customer_id', 'source', 'first_seen_at', 'last_seen_at'],
        [[1, 'anonymous', 'tablet', 7, 'page', now, now]],
      );
    });

    it('says an identity surely does not exist only once it has read them all', async () => {
      const known = createKnownIdentities(test.db, silentLogger);
      expect(known.ownerOf(stranger)).toBeUndefined();
      await known.start();
      expect(known.ownerOf(stranger)).toBeNull();
      // Stored, but whose it is only the table knows until the writer learns it.
      expect(known.ownerOf(anonymous)).toBeUndefined();
      known.learnOwner(anonymous, 7);
      expect(known.ownerOf(anonymous)).toBe(7);
      // The same value in another workspace is another identity.
      expect(known.ownerOf(identityKey(2, { kind: 'anonymous', value: 'tablet' }))).toBeNull();
    });

    it('follows what a round committed: new identities and customers, and merges', async () => {
      const known = createKnownIdentities(test.db, silentLogger);
      await known.start();
      known.learnOwner(anonymous, 7);
      known.learnUserId(7, null);
      known.committed(1, {
        newCustomers: [{ customerId: 9 }, { customerId: 10 }],
        newIdentities: [
          { kind: 'user', value: 'kim', customerId: 9, source: 'identify', seenAt: now },
          { kind: 'anonymous', value: 'phone', customerId: 10, source: 'page', seenAt: now },
        ],
        merges: [
          {
            mergedCustomerId: 7,
            intoCustomerId: 9,
            reason: 'shared_identity',
            identity: { kind: 'user', value: 'kim' },
            messageId: 'm1',
            mergedAt: now,
          },
        ],
      });
      expect(known.ownerOf(anonymous)).toBe(9);
      expect(known.ownerOf(identityKey(1, { kind: 'user', value: 'kim' }))).toBe(9);
      expect(known.userIdOf(10)).toBeNull();
      // A merge may have given the customer that stays another user id: asked of the table again.
      expect(known.userIdOf(9)).toBeUndefined();
      expect(known.userIdOf(7)).toBeUndefined();
    });
  });
});
