import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.ts';
import { describeEachEngine } from '../../../test/engines.ts';
import { startPassLanes } from '../../platform/workers/pass-lanes.ts';
import { createIngestService } from '../ingestion/index.ts';
import { createLifecycleService } from '../lifecycle/index.ts';
import { type IndexRow, queryIndex } from './behavior-index.query.ts';
import { BehaviorQuerySchema } from './behaviors.schema.ts';
import { type BehaviorService, createBehaviorService } from './behaviors.service.ts';
import { countIndex, INDEX_PASS, readHeldIndex } from './held-index.ts';

const AS_OF = Date.parse('2026-04-01T00:00:00Z');
const DAY = 86_400_000;
let sequence = 0;
/** An event `daysBefore` days before 1 April 2026, midnight. */
const event = (userId: string, name: string, daysBefore: number) => ({
  type: name === 'Page Viewed' ? 'page' : 'track',
  ...(name === 'Page Viewed' ? {} : { event: name }),
  userId,
  messageId: `b-${++sequence}`,
  timestamp: new Date(AS_OF - daysBefore * DAY).toISOString(),
});

/**
 * A 30-day window to 1 April. ana customises three times (days −10, −5, −5; two kinds); ben votes on ideas
 * six times (days −29 … −24) and views a page on day −1; cai only orders (no behaviour); dan's events are
 * 40 days old (not active). Scores = 100 × (0.4 × min(events, 5)/5 + 0.3 × (1 − days since the last/30) +
 * 0.3 × min(kinds, 3)/3), each behaviour having 3 or more event names in the default taxonomy:
 *   ana customize: 100 × (0.4 × 3/5 + 0.3 × 25/30 + 0.3 × 2/3) = 24 + 25 + 20 = 69
 *   ben collaborate: 100 × (0.4 × 5/5 + 0.3 × 6/30 + 0.3 × 1/3) = 40 + 6 + 10 = 56
 *   ben access: 100 × (0.4 × 1/5 + 0.3 × 29/30 + 0.3 × 1/3) = 8 + 29 + 10 = 47
 */
const FIXTURE = [
  event('ana', 'Product Customized', 10),
  event('ana', 'Product Customized', 5),
  event('ana', 'Preferences Updated', 5),
  ...[29, 28, 27, 26, 25, 24].map((days) => event('ben', 'Idea Voted', days)),
  event('ben', 'Page Viewed', 1),
  event('cai', 'Order Completed', 3),
  event('dan', 'Idea Submitted', 40),
];

describeEachEngine('the five behaviours', ({ db }) => {
  let t: TestApp;
  let behaviors: BehaviorService;
  const ws = () => t.workspace.workspaceId;
  const query = (extra: object = {}) =>
    BehaviorQuerySchema.parse({ asOf: '2026-04-01T00:00:00Z', window: '30', ...extra });

  beforeAll(async () => {
    t = await createTestApp(db());
    expect((await createIngestService(t.deps).ingest(ws(), FIXTURE)).rejected).toEqual([]);
    behaviors = createBehaviorService({ ...t.deps, lifecycle: createLifecycleService(t.deps) });
  });
  afterAll(() => t.app.close());

  it('scores each active customer’s behaviours and sums them for the organisation', async () => {
    const report = await behaviors.report(ws(), query({ breakdown: 'segment' }));
    const figure = (behavior: string) =>
      report.organisation.behaviors.find((entry) => entry.behavior === behavior)!;
    expect(report.organisation.activeCustomers).toBe(3);
    expect(figure('customize')).toEqual({
      behavior: 'customize',
      index: expect.closeTo(69 / 3, 9),
      reach: 1 / 3,
      depth: expect.closeTo(69, 9),
    });
    expect(figure('collaborate')).toMatchObject({
      index: expect.closeTo(56 / 3, 9),
      depth: expect.closeTo(56, 9),
    });
    expect(figure('access')).toMatchObject({ index: expect.closeTo(47 / 3, 9), reach: 1 / 3 });
    expect(figure('engage')).toEqual({ behavior: 'engage', index: 0, reach: 0, depth: 0 });
    expect(report.organisation).toMatchObject({ strongest: 'customize', weakest: 'connect' });
    expect(report.groups.map((group) => [group.key, group.activeCustomers])).toEqual([['b2c', 3]]);
  });

  it('follows each behaviour’s reach month by month', async () => {
    const trend = await behaviors.trend(ws(), query());
    // February: dan alone, submitting an idea. March: ana, ben and cai, one of them for each of three behaviours.
    expect(trend.months).toEqual([
      {
        month: '2026-02',
        activeCustomers: 1,
        reach: { access: 0, engage: 0, customize: 0, connect: 0, collaborate: 1 },
      },
      {
        month: '2026-03',
        activeCustomers: 3,
        reach: { access: 1 / 3, engage: 0, customize: 1 / 3, connect: 0, collaborate: 1 / 3 },
      },
    ]);
  });

  it('gives one customer’s scores with what they rest on', async () => {
    const [{ customer_id }] = (await db().query(
      "SELECT customer_id FROM identities WHERE workspace_id = $1 AND kind = 'user' AND value = 'ana'",
      [ws()],
    )) as [{ customer_id: number }];
    const ana = await behaviors.customer(ws(), Number(customer_id), query());
    expect(ana.scores.find((score) => score.behavior === 'customize')).toEqual({
      behavior: 'customize',
      score: expect.closeTo(69, 9),
      events: 3,
      lastAt: new Date(AS_OF - 5 * DAY),
      kinds: 2,
    });
    expect(ana.scores.filter((score) => score.score === 0)).toHaveLength(4);
  });

  it('says which touchpoints of each behaviour happen at all', async () => {
    const coverage = await behaviors.coverage(ws(), query());
    const customize = coverage.behaviors.find((entry) => entry.behavior === 'customize')!;
    expect(customize.events).toEqual([
      { name: 'Product Customized', events: 2, customers: 1 },
      { name: 'Preferences Updated', events: 1, customers: 1 },
      { name: 'Recommendation Clicked', events: 0, customers: 0 },
    ]);
    expect(customize.coverage).toBeCloseTo(2 / 3, 12);
    expect(customize.finding).toContain('never seen: Recommendation Clicked');
    const engage = coverage.behaviors.find((entry) => entry.behavior === 'engage')!;
    expect(engage.finding).toBe(
      'No engage touchpoint happened: nothing lets customers engage (or it is not tracked).',
    );
  });

  it('never divides by nothing: a window without activity scores every behaviour 0', async () => {
    const report = await behaviors.report(ws(), query({ asOf: '2025-01-01T00:00:00Z' }));
    expect(report.organisation.activeCustomers).toBe(0);
    expect(report.organisation.behaviors.every((entry) => entry.index === 0 && entry.reach === 0)).toBe(true);
    expect(report.notes[0]).toContain('No customer had a touchpoint in the 30 days before 2025-01-01');
  });

  it('answers zeros, not an error, for a persona with no events', async () => {
    const report = await behaviors.report(ws(), query({ persona: 99 }));
    expect(report.organisation.activeCustomers).toBe(0);
    expect(report.organisation.behaviors.every((entry) => entry.depth === 0)).toBe(true);
    expect(report.notes).toEqual([
      'No customer had a touchpoint in the 30 days before 2026-04-01 among those asked for: every score is 0.',
    ]);
  });

  it('counts the index of any population from every active customer’s scores held as its SQL does', async () => {
    const lifecycle = createLifecycleService(t.deps);
    await lifecycle.refresh(ws());
    const customers = (
      await db().query<{ customer_id: number }>(
        'SELECT customer_id FROM customer_lifecycle WHERE workspace_id = $1 ORDER BY customer_id',
        [ws()],
      )
    ).map((row) => row.customer_id);
    const now = new Date('2026-04-01T00:00:00Z');
    await db().query(
      "INSERT INTO personas (workspace_id, persona_id, name, created_at) VALUES ($1, 1, 'Two', $2)",
      [ws(), now],
    );
    await db().query(
      `INSERT INTO segments (workspace_id, segment_id, slug, name, rules, refresh_minutes, created_at, updated_at)
       VALUES ($1, 1, 'one', 'One', CAST('{"stage": "action"}' AS JSON), 60, $2, $2)`,
      [ws(), now],
    );
    for (const customer of customers.slice(0, 2))
      await db().query(
        `INSERT INTO persona_assignments (workspace_id, customer_id, persona_id, run_id, distance, assigned_at)
         VALUES ($1, $2, 1, 1, 0, $3)`,
        [ws(), customer, now],
      );
    await db().query(
      'INSERT INTO segment_members (workspace_id, segment_id, customer_id, joined_at) VALUES ($1, 1, $2, $3)',
      [ws(), customers.at(-1), now],
    );
    const normalized = (rows: IndexRow[]) =>
      rows
        .map((row) => ({
          ...row,
          customers: Number(row.customers),
          score_sum: row.score_sum && Number(row.score_sum.toFixed(9)),
        }))
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    const window = { asOf: new Date('2026-04-01T00:00:00Z'), windowDays: 30 };
    // Counted on the worker lane too, as a server counts it, from the same memory.
    const lanes = startPassLanes();
    await lanes.ready;
    for (const breakdown of ['segment', 'persona', 'channel'] as const) {
      const held = await readHeldIndex(db(), ws(), window, breakdown);
      for (const population of [{}, { persona: 1 }, { savedSegment: 'one' }, { persona: 99 }]) {
        const kept = await lifecycle.customersKept(ws(), population);
        const expected = normalized(await queryIndex(db(), ws(), window, { breakdown, ...population }));
        expect(normalized(countIndex(held, kept)), JSON.stringify({ breakdown, ...population })).toEqual(
          expected,
        );
        expect(normalized(await lanes.run(INDEX_PASS, held, kept))).toEqual(expected);
      }
    }
    expect(lanes.answered()).toBe(12);
    await lanes.close();
    const persona = await behaviors.report(ws(), query({ persona: 1 }));
    expect(persona.organisation.activeCustomers).toBe(2);
  });

  it('recommends the strategies whose signal the numbers are below, with the numbers', async () => {
    const advice = await behaviors.recommendations(ws(), query());
    const ids = advice.organisation.map((entry) => entry.strategy.id);
    // Engage and connect reach 0 (need 1), so their reach strategies lead; the order within ties is by id.
    expect(ids.slice(0, 2)).toEqual(['content-core-customers-choose', 'customer-community']);
    expect(advice.organisation[0]!.explanation).toBe(
      'Engage reach (share of active customers showing it) is 0 %, below the 60 % this strategy looks for: too few active customers engage with content.',
    );
  });

  it('keeps the playbook editable, and says what an edit lacks', async () => {
    await expect(
      behaviors.saveStrategy(ws(), 'co-creation', { behavior: 'collaborate', title: 'Co-create' }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/^description: is missing/),
    });
    await expect(behaviors.saveStrategy(ws(), 'Bad Id', {})).rejects.toMatchObject({
      message: expect.stringContaining('id: must be a strategy id'),
    });
    const defaults = await behaviors.strategies(ws());
    const coCreation = defaults.find((strategy) => strategy.id === 'co-creation')!;
    const { id: _, origin: __, ...input } = coCreation;
    const edited = await behaviors.saveStrategy(ws(), 'co-creation', {
      ...input,
      title: 'Design the next lamp with us',
    });
    expect(edited).toMatchObject({
      id: 'co-creation',
      origin: 'edited',
      title: 'Design the next lamp with us',
    });
    await behaviors.saveStrategy(ws(), 'repair-cafe', { ...input, title: 'Repair cafés' });
    await behaviors.removeStrategy(ws(), 'crowdfunding');
    const after = await behaviors.strategies(ws());
    expect(after.length).toBe(defaults.length);
    expect(
      after.map((strategy) => [strategy.id, strategy.origin]).filter(([, origin]) => origin !== 'default'),
    ).toEqual([
      ['co-creation', 'edited'],
      ['repair-cafe', 'added'],
    ]);
    await expect(behaviors.removeStrategy(ws(), 'crowdfunding')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('tracks an initiative by its KPI over as many days before its start as since', async () => {
    // Collaborate reach: the 15 days before 17 March saw only ben, who voted (1); the 15 days since saw ana,
    // ben and cai, none collaborating (0).
    const initiative = await behaviors.track(ws(), {
      strategyId: 'co-creation',
      startedAt: '2026-03-17T00:00:00Z',
    });
    expect(initiative).toMatchObject({
      strategyId: 'co-creation',
      behavior: 'collaborate',
      kpi: { metric: 'reach' },
      before: 1,
      after: 0,
      days: 15,
    });
    await expect(behaviors.track(ws(), { strategyId: 'no-such' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const advice = await behaviors.recommendations(ws(), query());
    expect(advice.portfolio).toEqual([
      'The initiatives under way all work on collaborate, while engage, connect are called for too: serve the behaviours together, not one after another.',
    ]);
  });

  it('refuses a workspace whose taxonomy tags no behaviour, saying how to tag one', async () => {
    const bare = await createTestApp(db());
    await db().query('UPDATE event_taxonomy SET behavior = NULL WHERE workspace_id = $1', [
      bare.workspace.workspaceId,
    ]);
    const service = createBehaviorService({ ...bare.deps, lifecycle: createLifecycleService(bare.deps) });
    await expect(service.report(bare.workspace.workspaceId, query())).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('the taxonomy tags no event with a behaviour'),
    });
    await bare.app.close();
  });
});
