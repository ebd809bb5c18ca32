import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.ts';
import { describeEachEngine } from '../../../test/engines.ts';
import { createIngestService } from '../ingestion/index.ts';
import { createImportService, type ImportOptions, type ImportService } from './import.service.ts';
import type { ImportKind } from './import-kinds.ts';
import type { LineProblem } from './read-records.ts';

const EVENTS = [
  '{"type":"page","anonymousId":"anon-1","timestamp":"2026-01-05T09:00:00Z","context":{"campaign":{"source":"newsletter","medium":"email"}},"properties":{"url":"https://shop.example.com/"}}',
  '{"type":"track","event":"Product Viewed","anonymousId":"anon-1","timestamp":"2026-01-05 09:05:00","properties":{"product_id":"p-1"}}',
  '',
  '{"type":"identify","userId":"u-1","anonymousId":"anon-1","timestamp":"2026-01-05T09:10:00Z","traits":{"email":"Ann@Example.com"}}',
  '{"event":"Order Completed","userId":"u-1","messageId":"m-order","timestamp":"2026-01-05T09:20:00Z","properties":{"order_id":"E-1","total":20}}',
  '{"type":"track","event":"Product Viewed","userId":"u-2"}',
  '{"type":"track","event":"Product Viewed","timestamp":"2026-01-06T00:00:00Z"}',
  '{not json',
  '{"type":"track","userId":"u-2","timestamp":"2026-01-06T00:00:00Z"}',
  '{"type":"track","event":"Product Viewed","userId":"u-2","timestamp":"yesterday"}',
].join('\n');

const TIME_HINT = 'must be an ISO 8601 time such as 2026-03-01T10:00:00Z or 2026-03-01 10:00:00 (UTC)';

describeEachEngine('import', ({ db }) => {
  let t: TestApp;
  let imports: ImportService;
  const ws = () => t.workspace.workspaceId;

  beforeAll(async () => {
    t = await createTestApp(db());
    imports = createImportService({ ...t.deps, ingest: createIngestService(t.deps) });
  });
  afterAll(() => t.app.close());

  async function run(kind: ImportKind, text: string, options: ImportOptions) {
    const problems: LineProblem[] = [];
    const summary = await imports.run(ws(), kind, Readable.from([Buffer.from(text)]), options, {
      problem: (problem) => problems.push(problem),
    });
    return { rows: summary.rows, accepted: summary.accepted, rejected: summary.rejected, problems };
  }
  const count = async (table: string) =>
    (
      await db().query<{ n: number }>(`SELECT count(*) AS n FROM ${table} WHERE workspace_id = $1`, [ws()])
    )[0]!.n;
  const customerOf = async (kind: string, value: string) =>
    (
      await db().query<{ customer_id: number }>(
        'SELECT customer_id FROM identities WHERE workspace_id = $1 AND kind = $2 AND value = $3',
        [ws(), kind, value],
      )
    )[0]?.customer_id;

  describe('events (NDJSON in the tracking API shape)', () => {
    const expected = {
      rows: 9,
      accepted: 4,
      rejected: 5,
      problems: [
        { line: 6, column: 'timestamp', reason: 'is missing; an imported event needs the time it happened' },
        { line: 7, column: '', reason: 'message has neither userId nor anonymousId' },
        { line: 8, column: '', reason: expect.stringMatching(/^is not valid JSON \(/) },
        { line: 9, column: 'event', reason: 'Invalid input: expected string, received undefined' },
        { line: 10, column: 'timestamp', reason: TIME_HINT },
      ],
    };

    it('stores the good lines on the right customer, classified, and reports each bad line', async () => {
      expect(await run('events', EVENTS, { format: 'ndjson' })).toEqual(expected);
      const customer = await customerOf('user', 'u-1');
      const events = await db().query<{
        name: string;
        customer_id: number;
        channel: string | null;
        occurred_at: Date;
      }>(
        'SELECT name, customer_id, channel, occurred_at FROM events WHERE workspace_id = $1 ORDER BY occurred_at',
        [ws()],
      );
      expect(events).toEqual([
        {
          name: 'Page Viewed',
          customer_id: customer,
          channel: 'email',
          occurred_at: new Date('2026-01-05T09:00:00Z'),
        },
        {
          name: 'Product Viewed',
          customer_id: customer,
          channel: null,
          occurred_at: new Date('2026-01-05T09:05:00Z'),
        },
        {
          name: 'Identify',
          customer_id: customer,
          channel: null,
          occurred_at: new Date('2026-01-05T09:10:00Z'),
        },
        {
          name: 'Order Completed',
          customer_id: customer,
          channel: null,
          occurred_at: new Date('2026-01-05T09:20:00Z'),
        },
      ]);
      expect(await customerOf('anonymous', 'anon-1')).toBe(customer);
      expect(await customerOf('email', 'ann@example.com')).toBe(customer);
      expect(
        await db().query('SELECT customer_id, order_id, total FROM orders WHERE workspace_id = $1', [ws()]),
      ).toEqual([{ customer_id: customer, order_id: 'E-1', total: 20 }]);
    });

    it('stores nothing twice when the same file is imported again', async () => {
      expect(await run('events', EVENTS, { format: 'ndjson' })).toEqual(expected);
      expect(await count('events')).toBe(4);
      expect(await count('orders')).toBe(1);
    });
  });

  describe('orders (CSV, with a column mapping)', () => {
    const ORDERS = [
      'OrderNo,Customer,Date,Amount,currency,coupon',
      'O-1,c-1,2026-02-01,19.99,eur,WINTER',
      'O-2,c-1,2026-02-03T12:00:00Z,5,,',
      'O-3,c-2,2026-02-04,abc,,',
      'O-4,,2026-02-05,3,,',
      'O-5,c-2,,3,,',
      'O-6,c-3,2026-02-06,7,usd,X,extra',
    ].join('\n');
    const options: ImportOptions = {
      format: 'csv',
      mapping: { order_id: 'OrderNo', user_id: 'Customer', timestamp: 'Date', total: 'Amount' },
    };
    const expected = {
      rows: 6,
      accepted: 2,
      rejected: 4,
      problems: [
        { line: 4, column: 'Amount', reason: 'must be a number such as 49.90' },
        {
          line: 5,
          column: 'Customer',
          reason: 'is missing; each order needs the user_id (or anonymous_id) of its buyer',
        },
        { line: 6, column: 'Date', reason: 'is missing; every order needs order_id, timestamp and total' },
        { line: 7, column: '', reason: 'has 7 fields where the header has 6' },
      ],
    };

    it('stores each order, once however often the file is imported, with an Order Completed event', async () => {
      for (let attempt = 0; attempt < 2; attempt++) {
        expect(await run('orders', ORDERS, options)).toEqual(expected);
      }
      const customer = await customerOf('user', 'c-1');
      expect(
        await db().query(
          `SELECT customer_id, order_id, ordered_at, total, currency, properties FROM orders
            WHERE workspace_id = $1 AND order_id LIKE 'O-%' ORDER BY order_id`,
          [ws()],
        ),
      ).toEqual([
        {
          customer_id: customer,
          order_id: 'O-1',
          ordered_at: new Date('2026-02-01T00:00:00Z'),
          total: 19.99,
          currency: 'EUR',
          properties: { order_id: 'O-1', total: 19.99, currency: 'eur', coupon: 'WINTER' },
        },
        {
          customer_id: customer,
          order_id: 'O-2',
          ordered_at: new Date('2026-02-03T12:00:00Z'),
          total: 5,
          currency: 'USD',
          properties: { order_id: 'O-2', total: 5 },
        },
      ]);
      expect(
        await db().query(
          "SELECT count(*) AS n FROM events WHERE workspace_id = $1 AND customer_id = $2 AND name = 'Order Completed'",
          [ws(), customer],
        ),
      ).toEqual([{ n: 2 }]);
    });
  });

  describe('customers (CSV)', () => {
    const CUSTOMERS = [
      'user_id,email,first_name,loyalty_id,external.salesforce,account_id,buying_role,title',
      'u-1,ann@example.com,Ann,L-1,SF-1,acme,champion,CTO',
      'u-3,,Bob,,,,,',
      'u-4,,Cy,,,acme,boss,',
      ',cy@example.com,Cy,,,,,',
    ].join('\n');
    const expected = {
      rows: 4,
      accepted: 2,
      rejected: 2,
      problems: [
        {
          line: 4,
          column: 'buying_role',
          reason: 'must be one of decision_maker, economic_buyer, champion, influencer, user, gatekeeper',
        },
        {
          line: 5,
          column: 'user_id',
          reason:
            'is missing; each customer needs user_id or anonymous_id (map yours with --map user_id=COLUMN)',
        },
      ],
    };

    it('resolves each row to the customer the events know, with its identities, traits and account role', async () => {
      const eventsBefore = await count('events');
      expect(await run('customers', CUSTOMERS, { format: 'csv' })).toEqual(expected);
      const customer = await customerOf('user', 'u-1');
      const identities = await db().query<{ kind: string; value: string }>(
        'SELECT kind, value FROM identities WHERE workspace_id = $1 AND customer_id = $2 ORDER BY kind, value',
        [ws(), customer],
      );
      expect(identities).toEqual([
        { kind: 'anonymous', value: 'anon-1' },
        { kind: 'email', value: 'ann@example.com' },
        { kind: 'external', value: 'salesforce:SF-1' },
        { kind: 'loyalty', value: 'L-1' },
        { kind: 'user', value: 'u-1' },
      ]);
      const [profile] = await db().query<{ traits: Record<string, unknown> }>(
        'SELECT traits FROM customers WHERE workspace_id = $1 AND customer_id = $2',
        [ws(), customer],
      );
      expect(profile!.traits).toEqual({ email: 'ann@example.com', first_name: 'Ann', loyalty_id: 'L-1' });
      expect(
        await db().query(
          `SELECT a.external_id, m.buying_role, m.title FROM account_memberships m
             JOIN accounts a ON a.workspace_id = m.workspace_id AND a.account_id = m.account_id
            WHERE m.workspace_id = $1 AND m.customer_id = $2`,
          [ws(), customer],
        ),
      ).toEqual([{ external_id: 'acme', buying_role: 'champion', title: 'CTO' }]);
      expect(await customerOf('user', 'u-3')).toBeTypeOf('number');
      // Profiles are not touchpoints.
      expect(await count('events')).toBe(eventsBefore);
    });

    it('changes nothing when the same file is imported again', async () => {
      const history = await count('trait_history');
      const identities = await count('identities');
      expect(await run('customers', CUSTOMERS, { format: 'csv' })).toEqual(expected);
      expect(await count('trait_history')).toBe(history);
      expect(await count('identities')).toBe(identities);
    });
  });

  describe('catalogue', () => {
    it('upserts accounts from NDJSON, merging their traits', async () => {
      const accounts = [
        '{"account_id":"acme","name":"Acme Corp","industry":"retail"}',
        '{"account_id":"globex","name":"Globex","employees":500}',
        '{"name":"No Id"}',
      ].join('\n');
      for (let attempt = 0; attempt < 2; attempt++) {
        expect(await run('accounts', accounts, { format: 'ndjson' })).toEqual({
          rows: 3,
          accepted: 2,
          rejected: 1,
          problems: [{ line: 3, column: 'account_id', reason: 'is missing' }],
        });
      }
      await run('accounts', '{"account_id":"acme","size":"large"}', { format: 'ndjson' });
      expect(
        await db().query(
          'SELECT external_id, name, traits FROM accounts WHERE workspace_id = $1 ORDER BY external_id',
          [ws()],
        ),
      ).toEqual([
        { external_id: 'acme', name: 'Acme Corp', traits: { industry: 'retail', size: 'large' } },
        { external_id: 'globex', name: 'Globex', traits: { employees: 500 } },
      ]);
    });

    it('imports marketing costs from CSV, a line for the same objective, channel, campaign and start replacing the earlier one', async () => {
      const costs = (searchAmount: string) =>
        [
          'objective,channel,campaign,from,to,amount,currency',
          `acquisition,paid_search,brand,2026-01-01,2026-02-01,${searchAmount},usd`,
          'retention,email,,2026-01-01,2026-02-01,200,',
          'retention,carrier_pigeon,,2026-01-01,2026-02-01,5,',
          'acquisition,display,,2026-02-01,2026-01-01,300,',
          'loyalty,email,,2026-01-01,2026-02-01,10,',
          'acquisition,display,,2026-01-01,2026-02-01,-3,',
        ].join('\n');
      const first = await run('costs', costs('1000'), { format: 'csv' });
      expect(first).toMatchObject({ rows: 6, accepted: 2, rejected: 4 });
      expect(first.problems).toEqual([
        {
          line: 4,
          column: 'channel',
          reason: expect.stringMatching(/^must be one of Agora's channels: .*paid_search/),
        },
        { line: 5, column: 'to', reason: 'must come after from: the period runs from `from` up to `to`' },
        {
          line: 6,
          column: 'objective',
          reason: 'must be acquisition (winning new customers) or retention (keeping customers)',
        },
        { line: 7, column: 'amount', reason: 'must not be negative' },
      ]);
      await run('costs', costs('1250.5'), { format: 'csv' });
      expect(
        await db().query(
          'SELECT objective, channel, campaign, amount, currency FROM marketing_costs WHERE workspace_id = $1 ORDER BY objective',
          [ws()],
        ),
      ).toEqual([
        {
          objective: 'acquisition',
          channel: 'paid_search',
          campaign: 'brand',
          amount: 1250.5,
          currency: 'USD',
        },
        { objective: 'retention', channel: 'email', campaign: '', amount: 200, currency: 'USD' },
      ]);
    });

    it('upserts products from CSV, keeping unknown columns as attributes', async () => {
      const products = (lampPrice: string) =>
        [
          'product_id,name,category,price,currency,colour',
          `p-1,Lamp,home,${lampPrice},eur,red`,
          'p-2,Chair,,abc,,',
          'p-3,Desk,home,120,,',
        ].join('\n');
      expect(await run('products', products('19.5'), { format: 'csv' })).toEqual({
        rows: 3,
        accepted: 2,
        rejected: 1,
        problems: [{ line: 3, column: 'price', reason: 'must be a number such as 19.90' }],
      });
      await run('products', products('17'), { format: 'csv' });
      expect(
        await db().query(
          'SELECT product_id, name, category, price, currency, attributes FROM products WHERE workspace_id = $1 ORDER BY product_id',
          [ws()],
        ),
      ).toEqual([
        {
          product_id: 'p-1',
          name: 'Lamp',
          category: 'home',
          price: 17,
          currency: 'EUR',
          attributes: { colour: 'red' },
        },
        { product_id: 'p-3', name: 'Desk', category: 'home', price: 120, currency: 'USD', attributes: {} },
      ]);
    });

    it('upserts content from CSV with |-separated tags, and refuses unknown formats and stages', async () => {
      const content = [
        'content_id,title,format,persona_tags,stage_tags,published_at',
        'c-1,How to choose,how_to,diy|pro,awareness|consideration,2026-01-01',
        'c-2,Bad,brochure,,,',
        'c-3,Bad stage,article,,purchase,',
      ].join('\n');
      for (let attempt = 0; attempt < 2; attempt++) {
        const result = await run('content', content, { format: 'csv' });
        expect(result.problems.map(({ line, column }) => [line, column])).toEqual([
          [3, 'format'],
          [4, 'stage_tags'],
        ]);
        expect(result.problems[1]!.reason).toBe(
          'must list stages among awareness, consideration, preference, action, loyalty, advocacy, separated by |',
        );
      }
      expect(
        await db().query(
          'SELECT content_id, format, persona_tags, stage_tags, published_at FROM content_items WHERE workspace_id = $1',
          [ws()],
        ),
      ).toEqual([
        {
          content_id: 'c-1',
          format: 'how_to',
          persona_tags: ['diy', 'pro'],
          stage_tags: ['awareness', 'consideration'],
          published_at: new Date('2026-01-01T00:00:00Z'),
        },
      ]);
    });
  });
});
