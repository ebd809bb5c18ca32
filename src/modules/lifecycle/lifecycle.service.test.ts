import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.ts';
import { describeEachEngine } from '../../../test/engines.ts';
import { fixedClock } from '../../platform/clock.ts';
import { startPassLanes } from '../../platform/workers/pass-lanes.ts';
import { createIngestService, type IngestService } from '../ingestion/index.ts';
import { createTaxonomyService } from '../taxonomy/index.ts';
import { computeLifecycleFunnel } from './compute-lifecycle-funnel.ts';
import { countLifecycle, keepCustomers, readHeldCustomers, readSegmentMembers } from './held-customers.ts';
import { BREAKDOWNS, type StageFigure } from './lifecycle.schema.ts';
import { createLifecycleService, type LifecycleService } from './lifecycle.service.ts';
import { lifecycleFixture } from './lifecycle-fixture.ts';
import { REFRESH_LOCK } from './lifecycle-refresh.ts';
import { queryCustomersKept, queryLifecycleReport } from './lifecycle-report.query.ts';

const figure = (
  stage: StageFigure['stage'],
  reached: number,
  current: number,
  lapsed: number,
  conversionFromPrevious: number | null,
  droppedFromPrevious: number | null,
  medianDaysFromPrevious: number | null,
  p90DaysFromPrevious: number | null,
): StageFigure => ({
  stage,
  reached,
  current,
  lapsed,
  conversionFromPrevious,
  droppedFromPrevious,
  medianDaysFromPrevious,
  p90DaysFromPrevious,
});

describeEachEngine('lifecycle engine', ({ db, engine }) => {
  let t: TestApp;
  let ingest: IngestService;
  let lifecycle: LifecycleService;
  const ws = () => t.workspace.workspaceId;
  const customerOf = async (kind: string, value: string) => {
    const [row] = await db().query<{ customer_id: number }>(
      'SELECT customer_id FROM identities WHERE workspace_id = $1 AND kind = $2 AND value = $3',
      [ws(), kind, value],
    );
    return row!.customer_id;
  };

  beforeAll(async () => {
    t = await createTestApp(db(), { clock: fixedClock('2026-04-15T00:00:00Z') });
    ingest = createIngestService(t.deps);
    lifecycle = createLifecycleService(t.deps);
    const result = await ingest.ingest(ws(), lifecycleFixture());
    expect(result.rejected).toEqual([]);
    await lifecycle.updateRules(ws(), { lapsedAfterDays: 20 });
  });
  afterAll(() => t.app.close());

  it('counts, converts and times every stage as worked out by hand', async () => {
    const report = await lifecycle.report(ws(), { breakdown: 'none' });
    expect(report.asOf).toEqual(new Date('2026-03-31T12:00:00Z'));
    expect(report.lapsedAfterDays).toBe(20);
    expect(report.groups).toEqual([
      {
        key: 'all',
        customers: 9,
        stages: [
          figure('awareness', 9, 1, 0, null, null, null, null),
          figure('consideration', 8, 2, 0, 8 / 9, 1, 1.5, 4.2),
          figure('preference', 6, 0, 0, 0.75, 2, 0.5, 5),
          figure('action', 6, 3, 1, 1, 0, 0.5, 13.5),
          figure('loyalty', 3, 1, 0, 0.5, 3, 1, 11.4),
          figure('advocacy', 2, 2, 0, 2 / 3, 1, 1, 1.8),
        ],
      },
    ]);
  });

  it('breaks the funnel down by segment, first channel and first device', async () => {
    const reached = async (breakdown: 'segment' | 'firstChannel' | 'firstDevice') =>
      Object.fromEntries(
        (await lifecycle.report(ws(), { breakdown })).groups.map((group) => [
          group.key,
          group.stages.map((stage) => stage.reached),
        ]),
      );
    expect(await reached('segment')).toEqual({ b2c: [7, 6, 5, 5, 3, 2], b2b: [2, 2, 1, 1, 0, 0] });
    expect(await reached('firstChannel')).toEqual({
      direct: [4, 3, 2, 2, 1, 1],
      organic_search: [3, 3, 2, 2, 0, 0],
      email: [2, 2, 2, 2, 2, 1],
    });
    expect(await reached('firstDevice')).toEqual({
      unknown: [4, 3, 2, 2, 1, 1],
      mobile: [3, 3, 3, 3, 2, 1],
      desktop: [2, 2, 1, 1, 0, 0],
    });
  });

  it('breaks the funnel down by persona, and filters by persona and by saved segment', async () => {
    const ids = Object.fromEntries(
      await Promise.all(
        ['ana', 'ben', 'dan', 'eve', 'ivy'].map(async (user) => [user, await customerOf('user', user)]),
      ),
    );
    const now = new Date('2026-04-01T00:00:00Z');
    for (const [personaId, name] of [
      [1, 'Email shoppers'],
      [2, 'Committee'],
    ] as const)
      await db().query(
        'INSERT INTO personas (workspace_id, persona_id, name, created_at) VALUES ($1, $2, $3, $4)',
        [ws(), personaId, name, now],
      );
    for (const [user, personaId] of [
      ['ana', 1],
      ['ivy', 1],
      ['dan', 2],
      ['eve', 2],
    ] as const)
      await db().query(
        `INSERT INTO persona_assignments (workspace_id, customer_id, persona_id, run_id, distance, assigned_at)
         VALUES ($1, $2, $3, 1, 0, $4)`,
        [ws(), ids[user], personaId, now],
      );
    await db().query(
      `INSERT INTO segments (workspace_id, segment_id, slug, name, rules, refresh_minutes, created_at, updated_at)
       VALUES ($1, 1, 'early', 'Early', CAST('{"stage": "loyalty"}' AS JSON), 60, $2, $2)`,
      [ws(), now],
    );
    for (const user of ['ana', 'ben'])
      await db().query(
        'INSERT INTO segment_members (workspace_id, segment_id, customer_id, joined_at) VALUES ($1, 1, $2, $3)',
        [ws(), ids[user], now],
      );
    const byPersona = await lifecycle.report(ws(), { breakdown: 'persona' });
    expect(
      Object.fromEntries(
        byPersona.groups.map((group) => [group.key, group.stages.map((stage) => stage.reached)]),
      ),
    ).toEqual({
      'no persona': [5, 4, 3, 3, 1, 1],
      'Email shoppers': [2, 2, 2, 2, 2, 1],
      Committee: [2, 2, 1, 1, 0, 0],
    });
    const customers = async (filter: object) =>
      (await lifecycle.report(ws(), { breakdown: 'none', ...filter })).groups.map((group) => group.customers);
    expect(await customers({ persona: 2 })).toEqual([2]);
    expect(await customers({ savedSegment: 'early' })).toEqual([2]);
    await expect(lifecycle.report(ws(), { breakdown: 'none', savedSegment: 'late' })).rejects.toThrow(
      'savedSegment: no saved segment is named "late"',
    );
  });

  it('filters by first touch, segment and channel, and answers an empty funnel with zeros', async () => {
    const customers = async (filter: object) =>
      (await lifecycle.report(ws(), { breakdown: 'none', ...filter })).groups.map((group) => group.customers);
    expect(await customers({ from: new Date('2026-03-03T00:00:00Z') })).toEqual([3]); // cai, hal, ivy
    expect(await customers({ segment: 'b2b', channel: 'organic_search' })).toEqual([2]);
    expect(await customers({ to: new Date('2026-01-01T00:00:00Z') })).toEqual([]);
  });

  it('keeps the customers of any filter from every customer’s facts held as its SQL keeps them', async () => {
    const held = await readHeldCustomers(db(), ws());
    const everyone = (
      await db().query<{ customer_id: number }>('SELECT customer_id FROM customers WHERE workspace_id = $1', [
        ws(),
      ])
    ).map((row) => row.customer_id);
    const FILTERS = [
      { from: new Date('2026-03-03T00:00:00Z') },
      { to: new Date('2026-03-03T12:00:00Z') },
      { segment: 'b2b' as const, channel: 'organic_search' },
      { segment: 'b2c' as const },
      { device: 'mobile' },
      { device: 'desktop', from: new Date('2026-03-01T00:00:00Z') },
      { channel: 'telegraph' },
      { persona: 2 },
      { persona: 1, channel: 'email' },
      { savedSegment: 'early' },
      { savedSegment: 'early', device: 'mobile' },
    ];
    expect(keepCustomers(held, {}, null)).toBeNull();
    for (const filter of FILTERS) {
      const members = filter.savedSegment ? await readSegmentMembers(db(), ws(), filter.savedSegment) : null;
      const kept = keepCustomers(held, filter, members)!;
      const bySql = (await queryCustomersKept(db(), ws(), filter))!;
      expect(
        everyone.filter((id) => kept.has(id)),
        JSON.stringify(filter),
      ).toEqual(everyone.filter((id) => bySql.has(id)));
    }
    // Hand-worked: cai, hal and ivy were first seen from 3 March; ana and ben are the saved segment's.
    const kept = (filter: object, members: Int32Array | null = null) =>
      everyone.filter((id) => keepCustomers(held, filter, members)!.has(id)).length;
    expect(kept({ from: new Date('2026-03-03T00:00:00Z') })).toBe(3);
    expect(kept({ savedSegment: 'early' }, await readSegmentMembers(db(), ws(), 'early'))).toBe(2);
    expect(kept({ persona: 2 })).toBe(2);
  });

  it('counts the funnel of any breakdown and filter from every customer held as its SQL counts it', async () => {
    const held = await readHeldCustomers(db(), ws());
    const lapsedBefore = new Date('2026-03-15T00:00:00Z');
    for (const breakdown of BREAKDOWNS)
      for (const filter of [{}, { from: new Date('2026-03-02T00:00:00Z') }, { segment: 'b2c' as const }]) {
        const query = { breakdown, ...filter };
        const members = await queryCustomersKept(db(), ws(), filter);
        expect(
          computeLifecycleFunnel(countLifecycle(held, breakdown, members, lapsedBefore)),
          JSON.stringify(query),
        ).toEqual(computeLifecycleFunnel(await queryLifecycleReport(db(), ws(), query, lapsedBefore)));
      }
    // Hand-worked: of the seven B2C customers, ben and jon stand at action, unseen since days 10 and 1.
    const [b2c] = countLifecycle(
      held,
      'none',
      await queryCustomersKept(db(), ws(), { segment: 'b2c' }),
      lapsedBefore,
    );
    expect(b2c).toMatchObject({ customers: 7, current_action: 2, lapsed_action: 2 });
  });

  it('counts a customer merged on identify once, with the path of both devices', async () => {
    const ben = await customerOf('user', 'ben');
    const laptop = await customerOf('anonymous', 'b-laptop');
    expect(laptop).toBe(ben);
    const history = await lifecycle.customer(ws(), ben);
    expect(history.stage).toBe('action');
    expect(history.lapsed).toBe(false);
    expect(
      history.history.map((entry) => [entry.stage, entry.enteredAt.toISOString(), entry.eventName]),
    ).toEqual([
      ['awareness', '2026-03-02T12:00:00.000Z', 'Page Viewed'],
      ['consideration', '2026-03-04T12:00:00.000Z', 'Content Viewed'],
      ['preference', '2026-03-11T12:00:00.000Z', 'Order Completed'],
      ['action', '2026-03-11T12:00:00.000Z', 'Order Completed'],
    ]);
    expect(history.history[0]).toMatchObject({ channel: 'organic_search', device: 'mobile' });
    const [rows] = await db().query<{ n: number }>(
      'SELECT count(*) AS n FROM customer_lifecycle WHERE workspace_id = $1',
      [ws()],
    );
    expect(rows!.n).toBe(9);
  });

  it('forgets a customer already counted once a later identify merges them into another', async () => {
    const counted = async () =>
      (
        await db().query<{ n: number }>(
          'SELECT count(*) AS n FROM customer_lifecycle WHERE workspace_id = $1',
          [ws()],
        )
      )[0]!.n;
    await ingest.ingest(ws(), [
      { type: 'page', anonymousId: 'hal-tablet', messageId: 'hal-t1', timestamp: '2026-03-30T12:00:00Z' },
    ]);
    await lifecycle.refresh(ws());
    expect(await counted()).toBe(10);
    await ingest.ingest(ws(), [
      {
        type: 'identify',
        userId: 'hal',
        anonymousId: 'hal-tablet',
        messageId: 'hal-t2',
        timestamp: '2026-03-30T12:05:00Z',
      },
    ]);
    await lifecycle.refresh(ws());
    expect(await counted()).toBe(9);
    const hal = await lifecycle.customer(ws(), await customerOf('anonymous', 'hal-tablet'));
    expect(hal.lastSeenAt).toEqual(new Date('2026-03-30T12:05:00Z'));
  });

  it('flags a buyer quiet for longer than the lapsed rule', async () => {
    expect((await lifecycle.customer(ws(), await customerOf('user', 'jon'))).lapsed).toBe(true);
    // Ben was last seen exactly 20 days before the latest event: not yet lapsed.
    expect((await lifecycle.customer(ws(), await customerOf('user', 'ben'))).lapsed).toBe(false);
  });

  it('shows a buying committee: the account’s stage, who engaged and which key role is missing', async () => {
    const page = await lifecycle.accounts(ws(), { limit: 10, offset: 0 });
    expect(page).toEqual({
      total: 1,
      accounts: [
        {
          accountId: expect.any(Number),
          name: 'Acme',
          externalId: 'acme',
          stage: 'action',
          members: 2,
          engagedMembers: 2,
          roles: { economic_buyer: { members: 1, engaged: 1 }, champion: { members: 1, engaged: 1 } },
          missingRoles: ['decision_maker'],
        },
      ],
    });
  });

  it('compares B2B and B2C paths to a first purchase', async () => {
    const { segments } = await lifecycle.compareSegments(ws());
    expect(segments).toEqual([
      {
        segment: 'b2b',
        buyers: 1,
        meanDaysToPurchase: 30,
        medianDaysToPurchase: 30,
        p90DaysToPurchase: 30,
        meanTouchesToPurchase: 3,
        medianTouchesToPurchase: 3,
        informationSeekingShare: 1 / 3,
        peoplePerPurchase: 2,
      },
      {
        segment: 'b2c',
        buyers: 5,
        meanDaysToPurchase: 4.6,
        medianDaysToPurchase: 6,
        p90DaysToPurchase: expect.closeTo(7.8, 9),
        meanTouchesToPurchase: 1.8,
        medianTouchesToPurchase: 2,
        informationSeekingShare: 2 / 9,
        peoplePerPurchase: 1,
      },
    ]);
  });

  it('counts stage entries per month', async () => {
    const trend = await lifecycle.trend(ws(), { interval: 'month' });
    expect(trend.periods).toEqual([
      {
        start: new Date('2026-03-01T00:00:00Z'),
        entered: { awareness: 9, consideration: 8, preference: 6, action: 6, loyalty: 3, advocacy: 2 },
      },
    ]);
  });

  it('counts the trend and funnel of any filter from what is held, on the worker lane, as reading the filter alone does', async () => {
    const lanes = startPassLanes();
    await lanes.ready;
    const held = createLifecycleService({ ...t.deps, keepReads: true, lanes });
    for (const breakdown of ['none', 'firstChannel', 'persona'] as const)
      for (const filter of [{}, { segment: 'b2c' as const }])
        expect(await held.report(ws(), { breakdown, ...filter })).toEqual(
          await lifecycle.report(ws(), { breakdown, ...filter }),
        );
    expect((await held.trend(ws(), { interval: 'month' })).periods).toEqual(
      (await lifecycle.trend(ws(), { interval: 'month' })).periods,
    );
    const FILTERS = [
      {},
      { from: new Date('2026-03-05T00:00:00Z') },
      { to: new Date('2026-03-10T12:00:00Z') },
      {
        from: new Date('2026-03-02T00:00:00Z'),
        to: new Date('2026-03-20T00:00:00Z'),
        segment: 'b2c' as const,
      },
      { segment: 'b2b' as const },
      { channel: 'email' },
    ];
    for (const interval of ['day', 'week', 'month'] as const)
      for (const filter of FILTERS) {
        const query = { interval, ...filter };
        const alone = await lifecycle.trend(ws(), query);
        expect(await held.trend(ws(), query), JSON.stringify(query)).toEqual(alone);
      }
    // Every funnel and trend was the worker's (a failed one would have run again here); PostgreSQL's are
    // read alone.
    expect(lanes.answered()).toBe(engine === 'duckdb' ? 6 + 1 + 18 : 0);
    await lanes.close();
  });

  it('moves a customer on once a new event is refreshed, and rebuilds all when the taxonomy changes', async () => {
    const cai = await customerOf('user', 'cai');
    await ingest.ingest(ws(), [
      {
        type: 'track',
        event: 'Product Viewed',
        userId: 'cai',
        messageId: 'cai-late',
        timestamp: '2026-04-01T12:00:00Z',
      },
    ]);
    expect((await lifecycle.customer(ws(), cai)).stage).toBe('awareness');
    expect(await lifecycle.refresh(ws())).toMatchObject({ mode: 'incremental' });
    expect((await lifecycle.customer(ws(), cai)).stage).toBe('consideration');

    const eve = await customerOf('user', 'eve');
    const taxonomy = createTaxonomyService(t.deps);
    await taxonomy.putRule(
      ws(),
      { eventName: 'Webinar Attended', occurrence: 'any' },
      { behavior: 'engage', funnelSignal: 'preference', microMoment: null },
    );
    // The first and repeat rules of Order Completed still win over a rule for any occurrence.
    await taxonomy.putRule(
      ws(),
      { eventName: 'Order Completed', occurrence: 'any' },
      { behavior: null, funnelSignal: 'advocacy', microMoment: null },
    );
    expect(await lifecycle.refresh(ws())).toMatchObject({ mode: 'full', customers: 9 });
    expect((await lifecycle.customer(ws(), eve)).stage).toBe('preference');
    const reached = (await lifecycle.report(ws(), { breakdown: 'none' })).groups[0]!.stages.map(
      (stage) => stage.reached,
    );
    expect(reached).toEqual([9, 9, 7, 6, 3, 2]);
  });

  it('changes nothing when nothing arrived since the last refresh', async () => {
    // Ten minutes on, the events are all older than the overlap each refresh looks back.
    const later = createLifecycleService({ ...t.deps, clock: fixedClock('2026-04-15T00:10:00Z') });
    await later.refresh(ws());
    const changes = db().changes;
    expect(await later.refresh(ws())).toMatchObject({ mode: 'incremental', customers: 0 });
    expect(db().changes).toBe(changes);
  });

  it('changes nothing on the next turn right after new events were refreshed', async () => {
    // Twenty minutes on, events arrive; each refresh looks back two minutes, over the same events.
    const deps = { ...t.deps, clock: fixedClock('2026-04-15T00:20:00Z') };
    const arriving = createIngestService(deps);
    const now = createLifecycleService(deps);
    const track = (userId: string) =>
      arriving.ingest(ws(), [
        {
          type: 'track',
          event: 'Product Viewed',
          userId,
          messageId: `${userId}-20`,
          timestamp: '2026-04-02T12:00:00Z',
        },
      ]);
    await track('cai');
    // Cai, and the customers of the two minutes before the last refresh, read again.
    expect((await now.refresh(ws())).customers).toBeGreaterThan(1);
    const changes = db().changes;
    expect(await now.refresh(ws())).toMatchObject({ mode: 'incremental', customers: 0 });
    expect(db().changes).toBe(changes);
    // An event that arrives then is refreshed, with the two minutes' before it: Cai's and Eve's.
    await track('eve');
    expect(await now.refresh(ws())).toMatchObject({ mode: 'incremental', customers: 2 });
  });

  it('runs the refreshes two services ask for at once one after the other', async () => {
    const results = await Promise.all([
      createLifecycleService(t.deps).refresh(ws(), { full: true }),
      lifecycle.refresh(ws(), { full: true }),
    ]);
    expect(results.map((result) => [result.mode, result.customers])).toEqual([
      ['full', 9],
      ['full', 9],
    ]);
  });

  if (engine === 'postgres')
    it('skips the timer’s turn while another instance refreshes the same workspace, and waits when asked', async () => {
      let asked: Promise<unknown> | undefined;
      let answered = false;
      // Something to refresh: an event that arrived after the last refresh.
      await createIngestService({ ...t.deps, clock: fixedClock('2026-04-15T00:30:00Z') }).ingest(ws(), [
        {
          type: 'track',
          event: 'Product Viewed',
          userId: 'cai',
          messageId: 'cai-30',
          timestamp: '2026-04-02T13:00:00Z',
        },
      ]);
      await db().transaction(async (tx) => {
        const lock = `SELECT 1 AS held FROM (SELECT pg_advisory_xact_lock(${REFRESH_LOCK})) AS locked`;
        await tx.query(lock, [ws()]);
        expect(await lifecycle.refresh(ws(), { wait: false })).toMatchObject({
          mode: 'skipped',
          customers: 0,
        });
        asked = lifecycle.refresh(ws()).then((result) => {
          answered = true;
          return result;
        });
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(answered).toBe(false);
      });
      expect(await asked).toMatchObject({ mode: 'incremental' });
    });

  it('keeps stages up to date on its own when asked to refresh now and then', async () => {
    const hal = await customerOf('user', 'hal');
    const stop = lifecycle.startRefreshing(20);
    try {
      await ingest.ingest(ws(), [
        {
          type: 'track',
          event: 'Product Added',
          userId: 'hal',
          messageId: 'hal-late',
          timestamp: '2026-04-02T12:00:00Z',
        },
      ]);
      await expect
        .poll(async () => (await lifecycle.customer(ws(), hal)).stage, { timeout: 5000 })
        .toBe('preference');
    } finally {
      await stop();
    }
  });
});
