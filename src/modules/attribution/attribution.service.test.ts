import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.ts';
import { describeEachEngine } from '../../../test/engines.ts';
import { startPassLanes } from '../../platform/workers/pass-lanes.ts';
import { createIngestService } from '../ingestion/index.ts';
import { createLifecycleService } from '../lifecycle/index.ts';
import {
  AttributionQuerySchema,
  type AttributionReport,
  ExperimentQuerySchema,
  type Model,
  StageAttributionQuerySchema,
} from './attribution.schema.ts';
import { type AttributionService, createAttributionService } from './attribution.service.ts';
import { attributionFixture, CHANNELS } from './attribution-fixture.ts';
import { poissonWeight } from './attribution-paths.query.ts';

const { email, search, direct, display } = CHANNELS;

/** Each model's credit per channel, in conversions and in revenue, as worked out in docs/models/attribution.md. */
const EXPECTED: Record<Model, Record<string, [conversions: number, revenue: number]>> = {
  firstTouch: { [email]: [1, 100], [search]: [1, 50], [direct]: [0, 0], [display]: [1, 30] },
  lastTouch: { [email]: [1, 30], [search]: [1, 50], [direct]: [1, 100], [display]: [0, 0] },
  lastNonDirect: { [email]: [1, 30], [search]: [2, 150], [direct]: [0, 0], [display]: [0, 0] },
  linear: {
    [email]: [1 / 3 + 1 / 2, 100 / 3 + 15],
    [search]: [1 / 3 + 1, 100 / 3 + 50],
    [direct]: [1 / 3, 100 / 3],
    [display]: [1 / 2, 15],
  },
  // Half-life 1 day: c1's touchpoints weigh 1/8, 1/2, 1 (of 13/8); c4's 1/64 and 1/2 (of 33/64).
  timeDecay: {
    [email]: [1 / 13 + 32 / 33, 100 / 13 + (30 * 32) / 33],
    [search]: [4 / 13 + 1, 400 / 13 + 50],
    [direct]: [8 / 13, 800 / 13],
    [display]: [1 / 33, 30 / 33],
  },
  positionBased: {
    [email]: [0.4 + 0.5, 40 + 15],
    [search]: [0.2 + 1, 20 + 50],
    [direct]: [0.4, 40],
    [display]: [0.5, 15],
  },
  // Each buyer entered Preference with the order itself: the milestone is the last touchpoint.
  wShaped: {
    [email]: [0.3 + 2 / 3, 30 + 20],
    [search]: [0.1 + 1, 10 + 50],
    [direct]: [0.6, 60],
    [display]: [1 / 3, 10],
  },
  // Removal effects 5/9, 2/3, 1/3 and 5/27 (sum 47/27) share out the 3 conversions and 180 of revenue.
  markov: {
    [email]: [45 / 47, (15 / 47) * 180],
    [search]: [54 / 47, (18 / 47) * 180],
    [direct]: [27 / 47, (9 / 47) * 180],
    [display]: [15 / 47, (5 / 47) * 180],
  },
  // Each converting set's conversions shared by the Shapley values of the game within it: {search} all to
  // search; {display, email} half each; {direct, email, search} 1/6, 1/6, 2/3 of its rate 1.
  shapley: {
    [email]: [1 / 6 + 1 / 2, 100 / 6 + 15],
    [search]: [1 + 2 / 3, 50 + 200 / 3],
    [direct]: [1 / 6, 100 / 6],
    [display]: [1 / 2, 15],
  },
};

describeEachEngine('touchpoint attribution', ({ db }) => {
  let t: TestApp;
  let attribution: AttributionService;
  // The lifecycle steps' models are compared on the worker lanes, as a server compares them.
  const lanes = startPassLanes();
  let workspaceId: number;
  const compare = (query: object) => attribution.compare(workspaceId, AttributionQuerySchema.parse(query));

  beforeAll(async () => {
    t = await createTestApp(db());
    workspaceId = t.workspace.workspaceId;
    const result = await createIngestService(t.deps).ingest(workspaceId, attributionFixture);
    expect(result.rejected).toEqual([]);
    await lanes.ready;
    attribution = createAttributionService({
      db: db(),
      lifecycle: createLifecycleService(t.deps),
      keepReads: true,
      lanes,
    });
  });
  afterAll(() => Promise.all([t.app.close(), lanes.close()]));

  describe('with every model over the same paths', () => {
    let report: AttributionReport;
    beforeAll(async () => {
      report = await compare({ halfLife: '1d' });
    });

    it('finds three converting paths and two that did not convert', () => {
      expect(report.paths).toEqual({ converting: 3, nonConverting: 2 });
      expect(report).toMatchObject({ conversions: 3, revenue: 180, lookbackDays: 30 });
      expect(report.unattributed).toEqual({ conversions: 0, revenue: 0 });
    });

    for (const [model, credits] of Object.entries(EXPECTED)) {
      it(`credits by ${model} as worked out by hand`, () => {
        const got = report.models[model as Model]!;
        for (const [channel, [conversions, revenue]] of Object.entries(credits)) {
          expect(got[channel]?.conversions ?? 0, `${model} ${channel}`).toBeCloseTo(conversions, 9);
          expect(got[channel]?.revenue ?? 0, `${model} ${channel} revenue`).toBeCloseTo(revenue, 6);
        }
        const total = Object.values(got).reduce((sum, credit) => sum + credit.conversions, 0);
        expect(total).toBeCloseTo(3, 9);
      });
    }

    it('ranks the channels under each model and says what each model measures', () => {
      const searchRow = report.comparison.find((row) => row.group === search)!;
      // Email, search and display open one path each: a tie.
      expect(searchRow.ranks).toEqual({
        firstTouch: 1,
        lastTouch: 1,
        lastNonDirect: 1,
        linear: 1,
        timeDecay: 1,
        positionBased: 1,
        wShaped: 1,
        markov: 1,
        shapley: 1,
      });
      expect(report.comparison.find((row) => row.group === direct)!).toMatchObject({
        ranks: { firstTouch: 4, lastTouch: 1, shapley: 4 },
        spread: 3,
      });
      expect(report.comparison[0]!.group).toBe(search);
      expect(report.meanings.lastTouch).toMatch(/came last/);
      expect(report.notes).toEqual([]);
    });
  });

  it('gives Markov of order 2 the removal effects of states that remember one step', async () => {
    const { models } = await compare({ markovOrder: 2 });
    // Removal effects 2/3, 2/3, 1/3, 1/3 (sum 2) of 3 conversions.
    expect(models.markov![email]!.conversions).toBeCloseTo(1, 9);
    expect(models.markov![search]!.conversions).toBeCloseTo(1, 9);
    expect(models.markov![direct]!.conversions).toBeCloseTo(0.5, 9);
    expect(models.markov![display]!.conversions).toBeCloseTo(0.5, 9);
  });

  it('counts the events of one visit as one touchpoint, for every model', async () => {
    // c1's search visit also shows a product, and c4's email visit a guide: same moments, same channels.
    const withVisits = await createTestApp(db());
    const events = attributionFixture.flatMap((message) =>
      message.messageId === 'a-2' || message.messageId === 'a-10'
        ? [
            message,
            { ...message, type: 'track', event: 'Product Viewed', messageId: `${message.messageId}-b` },
          ]
        : [message],
    );
    expect(events).toHaveLength(attributionFixture.length + 2);
    const result = await createIngestService(withVisits.deps).ingest(
      withVisits.workspace.workspaceId,
      events,
    );
    expect(result.rejected).toEqual([]);
    const report = await createAttributionService({
      db: db(),
      lifecycle: createLifecycleService(withVisits.deps),
    }).compare(withVisits.workspace.workspaceId, AttributionQuerySchema.parse({ halfLife: '1d' }));
    await withVisits.app.close();
    for (const [model, credits] of Object.entries(EXPECTED))
      for (const [channel, [conversions]] of Object.entries(credits))
        expect(report.models[model as Model]![channel]?.conversions ?? 0, `${model} ${channel}`).toBeCloseTo(
          conversions,
          9,
        );
  });

  it('keeps only touchpoints within the lookback window', async () => {
    // Two days: c1 keeps search and direct, c4 keeps email.
    const report = await compare({ lookback: '2d' });
    expect(report.models.firstTouch).toEqual({
      [search]: { conversions: 2, revenue: 150 },
      [email]: { conversions: 1, revenue: 30 },
      [direct]: { conversions: 0, revenue: 0 },
    });
  });

  it('keeps the paths that end within the dates asked for, with their touchpoints from before them', async () => {
    // From 2026-03-05 (day 2, 15 h) with two days back: c1's path (search on day 2, direct on day 3), c4's
    // (email on day 5) and c4's search on day 10, which did not convert; c2's and c3's ended on day 1, and
    // no visit of day 0 is within two days of a path that ends in the range.
    const report = await compare({ lookback: '2d', from: '2026-03-05' });
    expect(report.paths).toEqual({ converting: 2, nonConverting: 1 });
    expect(report).toMatchObject({ conversions: 2, revenue: 130 });
    expect(report.models.firstTouch).toEqual({
      [search]: { conversions: 1, revenue: 100 },
      [email]: { conversions: 1, revenue: 30 },
      [direct]: { conversions: 0, revenue: 0 },
    });
    expect(report.models.lastTouch).toEqual({
      [direct]: { conversions: 1, revenue: 100 },
      [email]: { conversions: 1, revenue: 30 },
      [search]: { conversions: 0, revenue: 0 },
    });
  });

  it('with occurrence=first, drops what a customer did after converting', async () => {
    const report = await compare({ occurrence: 'first' });
    expect(report.paths).toEqual({ converting: 3, nonConverting: 1 });
  });

  it('groups by campaign, a touchpoint without one under “(none)”', async () => {
    const report = await compare({ by: 'campaign' });
    expect(report.models.firstTouch).toEqual({
      '(none)': { conversions: 2, revenue: 150 },
      spring: { conversions: 1, revenue: 30 },
    });
  });

  it('counts a conversion with no touchpoint in its window as unattributed', async () => {
    const report = await compare({ lookback: '1h' });
    // Only c1's direct visit comes within an hour of its order.
    expect(report.unattributed).toEqual({ conversions: 2, revenue: 80 });
    expect(report.models.lastTouch).toEqual({ [direct]: { conversions: 1, revenue: 100 } });
  });

  it('takes entering a lifecycle stage as the conversion', async () => {
    const report = await compare({ conversion: 'stage:action' });
    expect(report.conversions).toBe(3);
    expect(report.revenue).toBe(0);
    expect(report.models.lastTouch![direct]!.conversions).toBe(1);
  });

  it('credits each step of the lifecycle with the touchpoints from the stage before on', async () => {
    const before = lanes.answered();
    const { transitions } = await attribution.stageTransitions(
      workspaceId,
      StageAttributionQuerySchema.parse({}),
    );
    // The steps' models are compared on both lanes: the worker took some of them.
    expect(lanes.answered()).toBeGreaterThan(before);
    expect(transitions.map((step) => `${step.from}→${step.to}`)).toEqual([
      'awareness→consideration',
      'consideration→preference',
      'preference→action',
      'action→loyalty',
      'loyalty→advocacy',
    ]);
    // The order takes each buyer through Consideration and Preference to Action at once. From Awareness
    // (the first visit) to Consideration: the buyers' paths, less c4's visit after buying; c3 never moved.
    const [toConsideration, toPreference] = transitions.map((step) => step.report);
    expect(toConsideration!.paths).toEqual({ converting: 3, nonConverting: 1 });
    expect(toConsideration!.models.lastTouch).toEqual({
      [email]: { conversions: 1, revenue: 0 },
      [search]: { conversions: 1, revenue: 0 },
      [direct]: { conversions: 1, revenue: 0 },
      [display]: { conversions: 0, revenue: 0 },
    });
    // From Consideration on, only c1's direct visit, at the moment of the order, comes before Preference.
    expect(toPreference!.paths).toEqual({ converting: 1, nonConverting: 0 });
    expect(toPreference!.unattributed.conversions).toBe(2);
    expect(toPreference!.models.firstTouch).toEqual({ [direct]: { conversions: 1, revenue: 0 } });
  });

  it('gives each step of the lifecycle its Markov and Shapley intervals from the same resamples', async () => {
    const { transitions } = await attribution.stageTransitions(
      workspaceId,
      StageAttributionQuerySchema.parse({ bootstrap: 20 }),
    );
    const toConsideration = transitions[0]!.report;
    for (const model of ['markov', 'shapley'] as const)
      expect(Object.keys(toConsideration.intervals[model]!).sort()).toEqual(
        [direct, display, email, search].sort(),
      );
    expect(toConsideration.notes).toEqual([expect.stringContaining('20 resamples of customers')]);
  });

  it('gives Markov and Shapley 95 % intervals from resamples of customers, the same each time', async () => {
    const report = await compare({ bootstrap: 40 });
    for (const model of ['markov', 'shapley'] as const) {
      expect(Object.keys(report.intervals[model]!).sort()).toEqual([direct, display, email, search].sort());
      for (const { low, high } of Object.values(report.intervals[model]!))
        expect(low).toBeLessThanOrEqual(high);
    }
    expect(report.intervals.linear).toBeUndefined();
    expect(report.notes).toEqual([expect.stringContaining('40 resamples of customers')]);
    // The same resamples: equal but for the last bits of sums taken in another order.
    const again = (await compare({ bootstrap: 40 })).intervals;
    for (const model of ['markov', 'shapley'] as const)
      for (const [group, { low, high }] of Object.entries(report.intervals[model]!)) {
        expect(again[model]![group]!.low).toBeCloseTo(low, 9);
        expect(again[model]![group]!.high).toBeCloseTo(high, 9);
      }
  });

  it('weighs customers in a resample by draws from Poisson(1)', async () => {
    // Over 20,000 customers of one replicate: mean 1 and variance 1, each within 4 standard errors.
    const [{ mean, variance, zeros }] = (await db().query(
      `SELECT avg(w) AS mean, var_samp(w) AS variance, avg(CASE WHEN w = 0 THEN 1.0 ELSE 0 END) AS zeros
       FROM (SELECT ${poissonWeight('c', '7')} AS w FROM (SELECT generate_series AS c FROM generate_series(1, 20000)) g) x`,
    )) as [{ mean: number; variance: number; zeros: number }];
    expect(Math.abs(mean - 1)).toBeLessThan(4 * Math.sqrt(1 / 20_000));
    expect(Math.abs(variance - 1)).toBeLessThan(4 * Math.sqrt(3 / 20_000));
    expect(Math.abs(zeros - Math.exp(-1))).toBeLessThan(4 * Math.sqrt((0.368 * 0.632) / 20_000));
  });

  it('refuses a conversion event that never occurs, naming the field', async () => {
    await expect(compare({ conversion: 'order completed' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('did you mean "Order Completed"'),
    });
  });

  it('refuses a grouping property no touchpoint has', async () => {
    await expect(compare({ by: 'properties.colour' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('no touchpoint has the property "colour"'),
    });
  });
});

describeEachEngine('experiment lift', ({ db }) => {
  let t: TestApp;
  let attribution: AttributionService;
  const DAY = 86_400_000;
  const D0 = Date.parse('2026-04-01T08:00:00Z');
  let sequence = 0;
  const event = (userId: string, name: string, day: number, properties: object = {}) => ({
    type: 'track',
    event: name,
    userId,
    messageId: `x-${++sequence}`,
    timestamp: new Date(D0 + day * DAY).toISOString(),
    properties,
  });
  const assign = (userId: string, group: string, day = 0) =>
    event(userId, 'Experiment Assigned', day, { experiment: 'spring', group });
  const buy = (userId: string, day: number) => event(userId, 'Order Completed', day, { total: 10 });
  const identify = (userId: string, day: number, traits: object) => ({
    type: 'identify',
    userId,
    messageId: `x-${++sequence}`,
    timestamp: new Date(D0 + day * DAY).toISOString(),
    traits,
  });
  const test = (userId: string, arm: string | null, day = 0) => identify(userId, day, { spring_test: arm });

  beforeAll(async () => {
    t = await createTestApp(db());
    const result = await createIngestService(t.deps).ingest(t.workspace.workspaceId, [
      // Exposed: x1 buys on day 3, x2 on day 40 (after the 30 days), x3 not at all, x4 on day 1 and again.
      assign('x1', 'exposed'),
      buy('x1', 3),
      assign('x2', 'exposed'),
      buy('x2', 40),
      assign('x3', 'exposed'),
      assign('x4', 'exposed'),
      buy('x4', 1),
      buy('x4', 2),
      // Holdout: h1 had bought before the assignment and buys again on day 5; h2 never; h3 assigned twice.
      buy('h1', -10),
      assign('h1', 'holdout'),
      buy('h1', 5),
      assign('h2', 'holdout'),
      assign('h3', 'holdout'),
      assign('h3', 'holdout', 2),
      buy('h3', 31.5),
      // x5 is held out, then (wrongly) exposed on day 1: it counts once, in the holdout; buys on day 40.
      assign('x5', 'holdout'),
      assign('x5', 'exposed', 1),
      buy('x5', 40),
      // An experiment without a holdout cannot show a lift.
      event('y1', 'Experiment Assigned', 0, { experiment: 'banner', group: 'B' }),
      // The trait spring_test. Exposed: t1 buys on day 2, t2 (from day 1) on day 35, t3 on day 29.5; t8 was
      // given null first, then exposed on day 3, and buys on day 4.
      test('t1', 'exposed'),
      buy('t1', 2),
      test('t2', 'exposed', 1),
      buy('t2', 35),
      test('t3', 'exposed'),
      buy('t3', 29.5),
      test('t8', null),
      test('t8', 'exposed', 3),
      buy('t8', 4),
      // Holdout: t4 is re-assigned to exposed on day 5 and buys on day 10; t5 had bought before and buys
      // again on day 4; t6 never buys. t7 has another trait only.
      test('t4', 'holdout'),
      test('t4', 'exposed', 5),
      buy('t4', 10),
      buy('t5', -3),
      test('t5', 'holdout'),
      buy('t5', 4),
      test('t6', 'holdout', 2),
      identify('t7', 0, { plan: 'pro' }),
    ]);
    expect(result.rejected).toEqual([]);
    attribution = createAttributionService({
      db: db(),
      lifecycle: createLifecycleService(t.deps),
      keepReads: true,
    });
  });
  afterAll(() => t.app.close());

  const arms = async (query: object) => {
    const report = await attribution.experiments(t.workspace.workspaceId, ExperimentQuerySchema.parse(query));
    return report.experiments.map((experiment) => ({
      experiment: experiment.experiment,
      arms: experiment.arms.map((arm) => [arm.arm, arm.customers, arm.converted]),
      lift: experiment.lift?.lift ?? null,
      note: experiment.note,
    }));
  };

  it('counts who converted within the window after their first assignment', async () => {
    // Exposed 2 of 4 (x1, x4), holdout 1 of 4 (h1 on day 5; h3 counts from day 0, so day 31.5 is late;
    // x5 counts from day 0, day 40 is late).
    expect(await arms({})).toEqual([
      {
        experiment: 'banner',
        arms: [['B', 1, 0]],
        lift: null,
        note: expect.stringContaining('needs an exposed arm'),
      },
      {
        experiment: 'spring',
        arms: [
          ['exposed', 4, 2],
          ['holdout', 4, 1],
        ],
        lift: 2 / 4 - 1 / 4,
        note: null,
      },
    ]);
  });

  it('with occurrence=first, does not count a customer who had converted before', async () => {
    const [, spring] = await arms({ occurrence: 'first' });
    expect(spring!.arms).toEqual([
      ['exposed', 4, 2],
      ['holdout', 4, 0],
    ]);
  });

  it('takes the window asked for', async () => {
    const [, spring] = await arms({ window: '45d' });
    expect(spring!.arms).toEqual([
      ['exposed', 4, 3],
      ['holdout', 4, 3],
    ]);
  });

  it('takes the arms from the first value customers were given for a trait', async () => {
    // Exposed 3 of 4 (t1, t3, t8; t2's day 35 is 34 days after day 1); holdout 2 of 3 (t4 on day 10 counts
    // in the holdout it was given first, t5 on day 4; not t6).
    const [spring] = await arms({ trait: 'spring_test' });
    expect(spring).toEqual({
      experiment: 'spring_test',
      arms: [
        ['exposed', 4, 3],
        ['holdout', 3, 2],
      ],
      lift: expect.closeTo(3 / 4 - 2 / 3, 12),
      note: null,
    });
    expect(await arms({ trait: 'spring_test' })).toHaveLength(1);
  });

  it('with a trait and occurrence=first, does not count a customer who had converted before', async () => {
    const [spring] = await arms({ trait: 'spring_test', occurrence: 'first' });
    expect(spring!.arms).toEqual([
      ['exposed', 4, 3],
      ['holdout', 3, 1],
    ]);
    expect(spring!.lift).toBeCloseTo(3 / 4 - 1 / 3, 12);
  });

  it('says which arm a trait experiment lacks', async () => {
    const [plan] = await arms({ trait: 'plan' });
    expect(plan).toEqual({
      experiment: 'plan',
      arms: [['pro', 1, 0]],
      lift: null,
      note: expect.stringContaining('as values of the trait `plan`'),
    });
  });

  it('refuses a trait no customer has, naming the traits there are', async () => {
    await expect(arms({ trait: 'Spring_Test' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message:
        'trait: no customer has a trait named "Spring_Test" in this workspace. Trait names are case-sensitive: ' +
        'did you mean "spring_test"? The traits customers have include "plan", "spring_test".',
      details: { field: 'trait' },
    });
  });

  it('refuses an assignment event and a trait together', () => {
    const parsed = ExperimentQuerySchema.safeParse({ event: 'Experiment Assigned', trait: 'spring_test' });
    expect(parsed.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).toEqual([
      'trait: give either event (an assignment event) or trait (a trait holding the arm), not both',
    ]);
  });
});

describe('the attribution query', () => {
  it('refuses a window of zero, an unknown stage and shares above 1', () => {
    const issues = (query: object) =>
      AttributionQuerySchema.safeParse(query).error?.issues.map(
        (issue) => `${issue.path.join('.')}: ${issue.message}`,
      );
    expect(issues({ lookback: '0d' })).toEqual(['lookback: must be longer than zero']);
    expect(issues({ conversion: 'stage:bored' })).toEqual([
      expect.stringMatching(/^conversion: a stage conversion must be one of stage:awareness/),
    ]);
    expect(issues({ firstShare: 0.6, lastShare: 0.6 })).toEqual([
      'lastShare: firstShare and lastShare must add up to at most 1',
    ]);
  });
});
