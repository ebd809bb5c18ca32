import { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.ts';
import { describeEachEngine } from '../../../test/engines.ts';
import { type PassLanes, startPassLanes } from '../../platform/workers/pass-lanes.ts';
import { createImportService } from '../imports/index.ts';
import { createIngestService } from '../ingestion/index.ts';
import { createLifecycleService } from '../lifecycle/index.ts';
import { EconomicsQuerySchema } from './value.schema.ts';
import { createValueService } from './value.service.ts';

const SHOP = 'https://shop.example.com/';
let sequence = 0;
const page = (userId: string, day: string, context: object) => ({
  type: 'page',
  userId,
  messageId: `e-${++sequence}`,
  timestamp: `${day}T09:00:00Z`,
  context: { page: context },
});
const via = (source: string, medium: string) => ({
  url: `${SHOP}?utm_source=${source}&utm_medium=${medium}`,
});
const order = (userId: string, day: string, total: number) => ({
  type: 'track',
  event: 'Order Completed',
  userId,
  messageId: `e-${++sequence}`,
  timestamp: `${day}T12:00:00Z`,
  properties: { order_id: `O-${sequence}`, total },
});

/** January 2026: a1, a2 (paid search) and a3 (organic) won; r1 (reached by email) and r2 kept; r3 not back. */
const MESSAGES = [
  page('a1', '2026-01-03', via('google', 'cpc')),
  order('a1', '2026-01-05', 100),
  page('a2', '2026-01-04', via('google', 'cpc')),
  order('a2', '2026-01-10', 60),
  page('a3', '2026-01-02', { url: SHOP, referrer: 'https://www.google.com/' }),
  order('a3', '2026-01-06', 40),
  page('a4', '2026-01-03', via('news_site', 'display')),
  order('r1', '2025-12-10', 50),
  page('r1', '2026-01-08', via('newsletter', 'email')),
  order('r1', '2026-01-12', 80),
  // r2 came first through paid search too, but bought before January: none of January's paid search is theirs.
  page('r2', '2025-12-11', via('google', 'cpc')),
  order('r2', '2025-12-12', 30),
  order('r2', '2026-01-20', 30),
  order('r3', '2025-12-15', 70),
];

/** Email's second line runs 31 days from 17 December: 16 of them, 160, fall in January. February's is out. */
const COSTS = [
  'objective,channel,from,to,amount',
  'acquisition,paid_search,2026-01-01,2026-02-01,1000',
  'acquisition,display,2026-01-01,2026-02-01,300',
  'retention,email,2026-01-01,2026-02-01,200',
  'retention,email,2025-12-17,2026-01-17,310',
  'acquisition,paid_search,2026-02-01,2026-03-01,620',
].join('\n');

describeEachEngine('conquest or relations', ({ db, engine }) => {
  let t: TestApp;
  // As a server runs it: on DuckDB, every period from all time held.
  const value = (keepReads = true, lanes?: PassLanes) =>
    createValueService({ db: db(), lifecycle: createLifecycleService(t.deps), keepReads, lanes });
  const economics = (query: object) =>
    value().economics(t.workspace.workspaceId, EconomicsQuerySchema.parse(query));

  beforeAll(async () => {
    t = await createTestApp(db());
    const ingest = createIngestService(t.deps);
    expect((await ingest.ingest(t.workspace.workspaceId, MESSAGES)).rejected).toEqual([]);
    const imports = createImportService({ ...t.deps, ingest });
    const summary = await imports.run(
      t.workspace.workspaceId,
      'costs',
      Readable.from([Buffer.from(COSTS)]),
      { format: 'csv' },
      {},
    );
    expect(summary.rejected).toBe(0);
  });
  afterAll(() => t.app.close());

  it('says to import costs first when there are none', async () => {
    const empty = await createTestApp(db());
    await expect(
      value().economics(empty.workspace.workspaceId, EconomicsQuerySchema.parse({})),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('agora import costs'),
    });
    await empty.app.close();
  });

  it('hands every unit of January’s spend to the customers it was spent on, and says which side pays more', async () => {
    const report = await economics({ from: '2026-01-01', to: '2026-02-01' });
    // Paid search's 1,000 to a1 and a2; display's 300 found no one and is spread over a1, a2 and a3: 600,
    // 600, 100. Email's 200 + 160 to r1, the one kept customer it reached. Values: January's spend (too few
    // customers to value what is ahead).
    expect(report.channels).toEqual([
      { objective: 'acquisition', channel: 'display', spend: 300, customers: 0, costPerCustomer: null },
      { objective: 'acquisition', channel: 'paid_search', spend: 1000, customers: 2, costPerCustomer: 500 },
      {
        objective: 'retention',
        channel: 'email',
        spend: expect.closeTo(360, 9),
        customers: 1,
        costPerCustomer: expect.closeTo(360, 9),
      },
    ]);
    const [all] = report.groups;
    expect(all).toEqual({
      persona: 'all',
      conquest: {
        customers: 3,
        cost: expect.closeTo(1300, 9),
        costPerCustomer: expect.closeTo(1300 / 3, 9),
        value: 200,
        valuePerCustomer: expect.closeTo(200 / 3, 9),
        returnOnCost: expect.closeTo(200 / 1300, 9),
      },
      relations: {
        customers: 2,
        cost: expect.closeTo(360, 9),
        costPerCustomer: expect.closeTo(180, 9),
        value: 110,
        valuePerCustomer: 55,
        returnOnCost: expect.closeTo(110 / 360, 9),
      },
      pays: 'relations',
      statement:
        'All customers: relations pay more — a kept customer cost 180 and brought 55 (0.3 times its cost); a new customer cost 433 and brought 67 (0.2 times its cost).',
    });
    expect(report.groups).toHaveLength(1);
    expect(report.notes).toEqual([
      expect.stringContaining('Customers could not be valued'),
      '300 of acquisition spend on display reached no new customer: it is spread over all of them.',
    ]);
  });

  it('takes the costs’ own span by default (up to a year), and refuses a period that ends before it starts', async () => {
    const report = await economics({});
    expect([report.from.toISOString(), report.to.toISOString()]).toEqual([
      '2025-12-17T00:00:00.000Z',
      '2026-03-01T00:00:00.000Z',
    ]);
    const lastYear = await economics({ to: '2027-01-01' });
    expect(lastYear.from.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    // From 17 December every order of r1, r2 and r3 after their first is in the period.
    expect(report.groups[0]!.relations.customers).toBe(2);
    await expect(economics({ from: '2026-02-01', to: '2026-01-01' })).rejects.toMatchObject({
      message: 'to 2026-01-01 must come after from 2026-02-01.',
    });
  });

  it('answers any period from all time held as reading the period alone does, and reads again after new data', async () => {
    // Counted on the worker lane, as a server counts it, from the same memory.
    const lanes = startPassLanes();
    await lanes.ready;
    const held = value(true, lanes);
    const alone = value(false);
    const PERIODS = [
      {},
      { from: '2026-01-01', to: '2026-02-01' },
      { from: '2025-12-12', to: '2026-01-12' },
      // r1, kept, met email on 8 January and bought on the 12th.
      { from: '2026-01-08', to: '2026-01-13' },
      { from: '2026-01-09', to: '2026-01-13' },
      { from: '2025-12-15', to: '2026-01-08' },
      { to: '2027-01-01' },
      // Not of whole days: read alone either way.
      { from: '2026-01-08T10:00:00Z', to: '2026-01-20T12:00:00Z' },
    ];
    for (const period of PERIODS) {
      const query = EconomicsQuerySchema.parse(period);
      expect(await held.economics(t.workspace.workspaceId, query), JSON.stringify(period)).toEqual(
        await alone.economics(t.workspace.workspaceId, query),
      );
    }
    // Every period of whole days (all but the last), on DuckDB where all time is held.
    expect(lanes.answered()).toBe(engine === 'duckdb' ? PERIODS.length - 1 : 0);
    await lanes.close();
    // r3 comes back in January, reached by email on the day: kept, and email's spend is shared with r1.
    const ingest = createIngestService(t.deps);
    const back = [page('r3', '2026-01-25', via('newsletter', 'email')), order('r3', '2026-01-25', 90)];
    expect((await ingest.ingest(t.workspace.workspaceId, back)).rejected).toEqual([]);
    const january = await held.economics(
      t.workspace.workspaceId,
      EconomicsQuerySchema.parse({ from: '2026-01-01', to: '2026-02-01' }),
    );
    expect(january.channels.find((channel) => channel.channel === 'email')).toMatchObject({ customers: 2 });
    expect(january.groups[0]!.relations).toMatchObject({ customers: 3, value: 200 });
  });
});
