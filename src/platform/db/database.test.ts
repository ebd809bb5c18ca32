import { describe, expect, it } from 'vitest';
import { describeEachEngine } from '../../../test/engines.ts';
import {
  SYNTHETIC_EVENT_COLUMNS,
  SYNTHETIC_EVENTS_START,
  syntheticEvents,
} from '../../../test/synthetic-events.ts';
import { AppError } from '../errors/app-error.ts';
import { noWorkTime, tallyInto } from '../work-time.ts';

const at = (iso: string) => new Date(iso);

/** One row per table, with every column set, as the store layer would write it. */
const SAMPLE_ROWS: Record<string, Record<string, unknown>> = {
  workspaces: {
    workspace_id: 7,
    slug: 'acme',
    name: 'Acme Outdoor',
    created_at: at('2026-01-02T03:04:05.678Z'),
  },
  api_keys: {
    key_id: 'key_1',
    workspace_id: 7,
    kind: 'write',
    name: 'website',
    key_hash: 'ab'.repeat(32),
    key_hint: 'agw_1234',
    created_at: at('2026-01-02T00:00:00Z'),
    revoked_at: null,
  },
  customers: {
    workspace_id: 7,
    customer_id: 41,
    traits: { email: 'ana@example.com', plan: 'pro', tags: ['vip'], score: 3.5 },
    merged_into: null,
    first_seen_at: at('2025-06-01T10:00:00Z'),
    last_seen_at: at('2026-01-02T10:00:00Z'),
    updated_at: at('2026-01-02T10:00:00Z'),
  },
  identities: {
    workspace_id: 7,
    kind: 'handle',
    value: 'twitter:@ana',
    customer_id: 41,
    source: 'identify',
    first_seen_at: at('2025-06-01T10:00:00Z'),
    last_seen_at: at('2025-06-02T10:00:00Z'),
  },
  customer_merges: {
    workspace_id: 7,
    merged_customer_id: 40,
    into_customer_id: 41,
    reason: 'identify',
    identity_kind: 'user',
    identity_value: 'u-41',
    message_id: 'm-9',
    merged_at: at('2025-06-01T10:00:00Z'),
  },
  accounts: {
    workspace_id: 7,
    account_id: 3,
    external_id: 'crm-3',
    name: 'Northwind',
    traits: { industry: 'retail', employees: 1200 },
    created_at: at('2025-01-01T00:00:00Z'),
    updated_at: at('2025-01-01T00:00:00Z'),
  },
  account_memberships: {
    workspace_id: 7,
    account_id: 3,
    customer_id: 41,
    buying_role: 'economic_buyer',
    title: 'CFO',
    joined_at: at('2025-02-01T00:00:00Z'),
    updated_at: at('2025-02-01T00:00:00Z'),
  },
  products: {
    workspace_id: 7,
    product_id: 'SKU-1',
    name: 'Trail Tent',
    category: 'camping',
    price: 249.99,
    currency: 'EUR',
    attributes: { colour: 'green', weight_kg: 2.1 },
    created_at: at('2025-01-01T00:00:00Z'),
    updated_at: at('2025-01-01T00:00:00Z'),
  },
  content_items: {
    workspace_id: 7,
    content_id: 'c-1',
    title: 'Choosing a tent',
    format: 'how_to',
    url: 'https://example.com/tents',
    persona_tags: ['weekend-camper', 'family'],
    stage_tags: ['consideration'],
    attributes: {},
    published_at: at('2025-03-01T00:00:00Z'),
    created_at: at('2025-03-01T00:00:00Z'),
    updated_at: at('2025-03-01T00:00:00Z'),
  },
  orders: {
    workspace_id: 7,
    customer_id: 41,
    order_id: 'o-1',
    account_id: 3,
    ordered_at: at('2025-07-01T12:30:00Z'),
    status: 'completed',
    currency: 'EUR',
    total: 499.98,
    discount: 10.5,
    channel: 'web',
    properties: { coupon: 'SUMMER' },
    created_at: at('2025-07-01T12:30:01Z'),
  },
  order_lines: {
    workspace_id: 7,
    customer_id: 41,
    order_id: 'o-1',
    line_number: 1,
    product_id: 'SKU-1',
    quantity: 2,
    unit_price: 249.99,
    discount: 0,
  },
  events: {
    workspace_id: 7,
    customer_id: 41,
    message_id: 'm-1',
    type: 'track',
    name: 'Product Added',
    occurred_at: at('2025-06-30T23:59:59.999Z'),
    received_at: at('2025-07-01T00:00:00.120Z'),
    anonymous_id: 'anon-1',
    user_id: 'u-41',
    account_id: 3,
    channel: 'paid_search',
    source: 'google',
    medium: 'cpc',
    campaign: 'summer',
    device: 'mobile',
    properties: { product_id: 'SKU-1', price: 249.99, nested: { a: [1, 2] } },
    context: { page: { url: 'https://example.com/p/1' }, userAgent: 'Mozilla/5.0 "quoted", comma' },
    quality_flags: ['timestamp_in_future'],
  },
  dead_letters: {
    workspace_id: 7,
    dead_letter_id: 'dl-1',
    received_at: at('2025-07-01T00:00:00Z'),
    reason: 'event: must name the event',
    message: { type: 'track', userId: 'u-41' },
    replayed_at: null,
  },
  trait_history: {
    workspace_id: 7,
    customer_id: 41,
    trait: 'plan',
    // A JSON column takes a string as JSON text in append, so the sample holds a non-string value.
    value: { tier: 'pro', seats: 3 },
    set_at: at('2025-06-01T10:00:00Z'),
    message_id: 'm-2',
  },
  event_taxonomy: {
    workspace_id: 7,
    event_name: 'Order Completed',
    occurrence: 'repeat',
    behavior: null,
    funnel_signal: 'loyalty',
    micro_moment: null,
    is_default: true,
    updated_at: at('2025-01-01T00:00:00Z'),
  },
};

const JSON_COLUMNS = new Set([
  'customers.traits',
  'accounts.traits',
  'products.attributes',
  'content_items.attributes',
  'orders.properties',
  'events.properties',
  'events.context',
  'dead_letters.message',
  'trait_history.value',
]);

function insertSql(table: string, row: Record<string, unknown>): [string, unknown[]] {
  const columns = Object.keys(row);
  const placeholders = columns.map((column, index) =>
    JSON_COLUMNS.has(`${table}.${column}`) ? `CAST($${index + 1} AS JSON)` : `$${index + 1}`,
  );
  const values = columns.map((column) =>
    JSON_COLUMNS.has(`${table}.${column}`) ? JSON.stringify(row[column]) : row[column],
  );
  return [`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${placeholders.join(', ')})`, values];
}

describeEachEngine('storage', ({ db }) => {
  describe('numeric matrices', () => {
    it('reads numbers and NULLs row by row into one array, NULL as NaN', async () => {
      const matrix = await db().queryMatrix(
        `SELECT CAST(1 AS BIGINT) AS a, CAST(NULL AS DOUBLE PRECISION) AS b
         UNION ALL SELECT 2, CAST($1 AS DOUBLE PRECISION) ORDER BY a`,
        [2.5],
      );
      expect(matrix.columns).toEqual(['a', 'b']);
      expect(matrix.rows).toBe(2);
      expect(Array.from(matrix.values)).toEqual([1, Number.NaN, 2, 2.5]);
    });

    it('reads results of many chunks whole and in order', async () => {
      const matrix = await db().queryMatrix(
        'SELECT g AS n, CAST(g AS DOUBLE PRECISION) / 2 AS half FROM generate_series(1, 5000) AS t(g) ORDER BY g',
      );
      expect(matrix.rows).toBe(5000);
      expect(matrix.values[2 * 4999]).toBe(5000);
      expect(matrix.values[2 * 2048 + 1]).toBe(1024.5);
      expect(matrix.values.reduce((sum, value, i) => (i % 2 === 0 ? sum + value : sum), 0)).toBe(12_502_500);
    });

    it('answers an empty result with no rows', async () => {
      const matrix = await db().queryMatrix('SELECT 1 AS a WHERE 1 = 0');
      expect(matrix.rows).toBe(0);
      expect(matrix.values).toHaveLength(0);
    });
  });

  describe('round trip of every table', () => {
    for (const [table, row] of Object.entries(SAMPLE_ROWS)) {
      it(`reads back a ${table} row inserted with parameters exactly as written`, async () => {
        const [sql, values] = insertSql(table, row);
        await db().query(sql, values);
        const rows = await db().query(`SELECT ${Object.keys(row).join(', ')} FROM ${table}`);
        expect(rows).toEqual([row]);
        await db().query(`DELETE FROM ${table}`);
      });

      it(`reads back a ${table} row written by bulk append exactly as written`, async () => {
        const columns = Object.keys(row);
        const count = await db().append(table, columns, [columns.map((column) => row[column])]);
        expect(count).toBe(1);
        const rows = await db().query(`SELECT ${columns.join(', ')} FROM ${table}`);
        expect(rows).toEqual([row]);
        await db().query(`DELETE FROM ${table}`);
      });
    }
  });

  describe('work time', () => {
    it('counts to a piece of work the statements it led to, and no others', async () => {
      const time = noWorkTime();
      const other = db().query('SELECT 1 AS n');
      await tallyInto(time, async () => {
        await db().query('SELECT 1 AS n');
        await Promise.all([db().query('SELECT 2 AS n'), db().queryMatrix('SELECT 3 AS n')]);
      });
      await other;
      expect(time.statements.count).toBe(3);
      expect(time.statements.ms).toBeGreaterThanOrEqual(time.statements.waitMs);
      expect(time.statements.waitMs).toBeGreaterThanOrEqual(0);
    });
  });

  describe('transactions', () => {
    it('commits the work of a transaction that resolves', async () => {
      await db().transaction(async (tx) => {
        await tx.query("INSERT INTO workspaces (slug, name, created_at) VALUES ('kept', 'Kept', $1)", [
          new Date(),
        ]);
      });
      const rows = await db().query("SELECT name FROM workspaces WHERE slug = 'kept'");
      expect(rows).toEqual([{ name: 'Kept' }]);
    });

    it('rolls back every statement of a transaction that throws', async () => {
      const attempt = db().transaction(async (tx) => {
        await tx.query("INSERT INTO workspaces (slug, name, created_at) VALUES ('gone', 'Gone', $1)", [
          new Date(),
        ]);
        const inside = await tx.query("SELECT count(*) AS n FROM workspaces WHERE slug = 'gone'");
        expect(inside).toEqual([{ n: 1 }]);
        throw new Error('changed my mind');
      });
      await expect(attempt).rejects.toThrow('changed my mind');
      const rows = await db().query("SELECT count(*) AS n FROM workspaces WHERE slug = 'gone'");
      expect(rows).toEqual([{ n: 0 }]);
    });

    it('rolls back when a statement fails and reports it as QUERY_FAILED', async () => {
      const attempt = db().transaction(async (tx) => {
        await tx.query("INSERT INTO workspaces (slug, name, created_at) VALUES ('dup', 'One', $1)", [
          new Date(),
        ]);
        await tx.query("INSERT INTO workspaces (slug, name, created_at) VALUES ('dup', 'Two', $1)", [
          new Date(),
        ]);
      });
      await expect(attempt).rejects.toMatchObject({ code: 'QUERY_FAILED' });
      const rows = await db().query("SELECT count(*) AS n FROM workspaces WHERE slug = 'dup'");
      expect(rows).toEqual([{ n: 0 }]);
    });

    it('appends inside a transaction: seen by its queries, gone when it rolls back', async () => {
      const columns = [
        'workspace_id',
        'kind',
        'value',
        'customer_id',
        'source',
        'first_seen_at',
        'last_seen_at',
      ];
      const row = (value: string) => [
        7,
        'email',
        value,
        1,
        'test',
        at('2026-01-01T00:00:00Z'),
        at('2026-01-01T00:00:00Z'),
      ];
      const attempt = db().transaction(async (tx) => {
        expect(await tx.append('identities', columns, [row('a@x.io'), row('b@x.io')])).toBe(2);
        expect(await tx.query('SELECT count(*) AS n FROM identities WHERE workspace_id = 7')).toEqual([
          { n: 2 },
        ]);
        await tx.append('identities', columns, [row('a@x.io')]);
      });
      await expect(attempt).rejects.toMatchObject({ code: 'QUERY_FAILED' });
      expect(await db().query('SELECT count(*) AS n FROM identities WHERE workspace_id = 7')).toEqual([
        { n: 0 },
      ]);
    });
  });

  describe('bulk append', () => {
    it('appends nothing from a batch that holds an invalid row', async () => {
      const good = ['g-1', 'track', 'Ad Viewed', at('2026-01-01T00:00:00Z')];
      const bad = ['g-2', 'track', null, at('2026-01-01T00:00:00Z')];
      const attempt = db().append('events', ['message_id', 'type', 'name', 'occurred_at'], [good, bad]);
      await expect(attempt).rejects.toBeInstanceOf(AppError);
      const rows = await db().query("SELECT count(*) AS n FROM events WHERE message_id LIKE 'g-%'");
      expect(rows).toEqual([{ n: 0 }]);
    });

    it('names a column the table does not have', async () => {
      await expect(db().append('events', ['nope'], [[1]])).rejects.toThrow(
        'Table events has no column "nope".',
      );
    });

    it('appends 1,000,000 events from a stream and reads their totals back', async () => {
      const total = 1_000_000;
      const start = SYNTHETIC_EVENTS_START;
      const appended = await db().append('events', SYNTHETIC_EVENT_COLUMNS, syntheticEvents(total));
      expect(appended).toBe(total);
      const [summary] = await db().query(
        `SELECT count(*) AS events,
                count(DISTINCT customer_id) AS customers,
                CAST(sum(customer_id) AS BIGINT) AS customer_id_sum,
                count(*) FILTER (WHERE type = 'page') AS pages,
                min(occurred_at) AS first_at,
                max(occurred_at) AS last_at
           FROM events WHERE workspace_id = 1`,
      );
      expect(summary).toEqual({
        events: total,
        customers: 20_000,
        // each of the 20,000 customer ids 0…19,999 appears 50 times
        customer_id_sum: 50 * ((19_999 * 20_000) / 2),
        pages: 333_334,
        first_at: new Date(start),
        last_at: new Date(start + (total - 1) * 1000),
      });
      const [last] = await db().query("SELECT properties FROM events WHERE message_id = 'bulk-999999'");
      expect(last).toEqual({ properties: { index: 999_999 } });
      await db().query('DELETE FROM events WHERE workspace_id = 1');
    });
  });

  describe('value shapes', () => {
    it('returns numbers, Dates, date strings, parsed JSON and arrays alike on both engines', async () => {
      const [row] = await db().query(
        `SELECT CAST(9007199254740991 AS BIGINT) AS big,
                CAST(12.34 AS NUMERIC(10, 2)) AS money,
                count(*) AS counted,
                CAST(sum(x) AS BIGINT) AS summed,
                CAST(avg(x) AS DOUBLE PRECISION) AS averaged,
                CAST(7 AS DOUBLE PRECISION) / 2 AS halved,
                CAST('2026-03-08 09:10:11.5' AS TIMESTAMP) AS stamped,
                CAST('2026-03-08' AS DATE) AS dated,
                CAST('{"a": [1, {"b": null}]}' AS JSON) AS document,
                CAST(ARRAY['x', 'y'] AS TEXT[]) AS labels,
                true AS flag,
                CAST(NULL AS TEXT) AS nothing
           FROM (SELECT 1 AS x UNION ALL SELECT 2 AS x) AS numbers`,
      );
      expect(row).toEqual({
        big: 9_007_199_254_740_991,
        money: 12.34,
        counted: 2,
        summed: 3,
        averaged: 1.5,
        halved: 3.5,
        stamped: new Date('2026-03-08T09:10:11.500Z'),
        dated: '2026-03-08',
        document: { a: [1, { b: null }] },
        labels: ['x', 'y'],
        flag: true,
        nothing: null,
      });
    });

    it('binds Date, array and text parameters the same way on both engines', async () => {
      const [row] = await db().query(
        `SELECT CAST($1 AS TIMESTAMP) + INTERVAL '1 day' AS next_day,
                $2 = ANY(CAST($3 AS TEXT[])) AS listed,
                CAST($4 AS JSON) ->> 'k' AS extracted`,
        [new Date('2026-01-31T23:00:00Z'), 'b', ['a', 'b'], JSON.stringify({ k: 'v' })],
      );
      expect(row).toEqual({ next_day: new Date('2026-02-01T23:00:00Z'), listed: true, extracted: 'v' });
    });

    it('finds every item of a long list, whatever characters the items hold', async () => {
      const odd = ['a,b', 'quote"d', "it's", 'ünï', 'tab\tand\nnewline', ' spaced '];
      const many = Array.from({ length: 3000 }, (_, i) => `id-${i}`);
      const [row] = await db().query<{ found: number; odd: string[]; ids: number }>(
        `SELECT (SELECT count(*) FROM (SELECT unnest(CAST($1 AS TEXT[])) AS v) AS t WHERE v LIKE 'id-%') AS found,
                CAST($2 AS TEXT[]) AS odd,
                (SELECT sum(v) FROM (SELECT unnest(CAST($3 AS BIGINT[])) AS v) AS t) AS ids`,
        [many, odd, [1, 2, 3_000_000_000]],
      );
      expect(row).toEqual({ found: 3000, odd, ids: 3_000_000_003 });
      // An item holding the separator DuckDB's fast path uses still binds as a list.
      const [separated] = await db().query('SELECT CAST($1 AS TEXT[]) AS items', [['x\u001fy', 'z']]);
      expect(separated).toEqual({ items: ['x\u001fy', 'z'] });
    });

    it('binds an empty array as an empty list', async () => {
      const [row] = await db().query(
        'SELECT $1 = ANY(CAST($2 AS TEXT[])) AS listed, 7 = ANY(CAST($3 AS BIGINT[])) AS counted',
        ['a', [], []],
      );
      expect(row).toEqual({ listed: false, counted: false });
    });
  });
});
