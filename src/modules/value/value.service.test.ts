import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.ts';
import { describeEachEngine } from '../../../test/engines.ts';
import type { Database } from '../../platform/db/database.ts';
import { createRandom } from '../demo-world/random.ts';
import { createIngestService } from '../ingestion/index.ts';
import { createLifecycleService } from '../lifecycle/index.ts';
import { createSegmentService, SegmentInputSchema } from '../segments/index.ts';
import { conditionalExpectedPurchases, fitBgNbd, probabilityAlive } from './bgnbd.model.ts';
import { queryPurchaseSummary } from './purchase-summary.query.ts';
import {
  ClvQuerySchema,
  CustomerValueListQuerySchema,
  FitQuerySchema,
  RfmQuerySchema,
  RiskQuerySchema,
  ValuationQuerySchema,
} from './value.schema.ts';
import { createValueService } from './value.service.ts';

const DAY = 86_400_000;
const D0 = Date.parse('2026-01-05T00:00:00Z');
let sequence = 0;
const order = (userId: string, day: number, total: number, hour = 10) => ({
  type: 'track',
  event: 'Order Completed',
  userId,
  messageId: `v-${++sequence}`,
  timestamp: new Date(D0 + day * DAY + hour * 3_600_000).toISOString(),
  properties: { order_id: `O-${sequence}`, total },
});

describeEachEngine('customer value', ({ db }) => {
  let t: TestApp;
  const ingest = async (app: TestApp, messages: object[]) => {
    const result = await createIngestService(app.deps).ingest(app.workspace.workspaceId, messages);
    expect(result.rejected).toEqual([]);
  };

  beforeAll(async () => {
    t = await createTestApp(db());
    await ingest(t, [
      // v1: days 0, 10 (two orders: one purchase of 30), 21; v2: day 3 only; v3: day 5, then day 40 (after
      // the calibration end); v4: day 1, and a refund-free order worth 0 on day 8.
      order('v1', 0, 20),
      order('v1', 10, 10, 9),
      order('v1', 10, 20, 15),
      order('v1', 21, 40),
      order('v2', 3, 15),
      order('v3', 5, 50),
      order('v3', 40, 60),
      order('v4', 1, 25),
      order('v4', 8, 0),
    ]);
  });
  afterAll(() => t.app.close());

  it('sums each customer’s purchase days from the first, up to the calibration end', async () => {
    const end = new Date(D0 + 28 * DAY);
    const rows = await queryPurchaseSummary(db(), t.workspace.workspaceId, {
      calibrationEnd: end,
      unitDays: 1,
    });
    const byId = new Map(rows.map((row) => [row.customer_id, row]));
    const ids = await db().query<{ customer_id: number; value: string }>(
      "SELECT customer_id, value FROM identities WHERE workspace_id = $1 AND kind = 'user'",
      [t.workspace.workspaceId],
    );
    const of = (user: string) => {
      const row = byId.get(ids.find((identity) => identity.value === user)!.customer_id)!;
      return [row.x, row.tx, row.T, row.repeat_value, row.non_positive, row.total_value];
    };
    expect(of('v1')).toEqual([2, 21, 28, 35, 0, 90]);
    expect(of('v2')).toEqual([0, 0, 25, null, 0, 15]);
    expect(of('v3')).toEqual([0, 0, 23, null, 0, 50]);
    expect(of('v4')).toEqual([1, 7, 27, 0, 1, 25]);
    const weeks = await queryPurchaseSummary(db(), t.workspace.workspaceId, {
      calibrationEnd: end,
      unitDays: 7,
    });
    expect(weeks.find((row) => row.x === 2)).toMatchObject({ tx: 3, T: 4, holdout: 0 });
    // v3's purchase on day 40 falls in a holdout to day 45, and is no part of the calibration.
    const held = await queryPurchaseSummary(db(), t.workspace.workspaceId, {
      calibrationEnd: end,
      unitDays: 1,
      holdoutEnd: new Date(D0 + 45 * DAY),
    });
    expect(held.map((row) => [row.x, row.T, row.holdout]).sort()).toEqual([
      [0, 23, 1],
      [0, 25, 0],
      [1, 27, 0],
      [2, 28, 0],
    ]);
  });

  /** 400 customers drawn from BG/NBD (r 0.8, α 20 days, a 1, b 4) over 200 days, each purchase 20–80. */
  async function simulatedApp(): Promise<TestApp> {
    const app = await createTestApp(db());
    const random = createRandom(3);
    const messages: object[] = [];
    for (let i = 0; i < 400; i++) {
      const lambda = random.gamma(0.8, 1 / 20);
      const p = random.beta(1, 4);
      const start = random.int(100);
      messages.push(order(`s${i}`, start, 20 + random.int(60)));
      for (let day = start + random.exponential(lambda); day < 200; day += random.exponential(lambda)) {
        messages.push(order(`s${i}`, Math.floor(day), 20 + random.int(60)));
        if (random.chance(p)) break;
      }
    }
    await ingest(app, messages);
    return app;
  }

  it('fits the models on the summaries the query gives', async () => {
    const app = await simulatedApp();
    const calibrationEnd = new Date(D0 + 200 * DAY);
    const fit = await createValueService({ db: db(), lifecycle: createLifecycleService(t.deps) }).fit(
      app.workspace.workspaceId,
      FitQuerySchema.parse({ calibrationEnd, timeUnit: 'day' }),
    );
    const rows = await queryPurchaseSummary(db(), app.workspace.workspaceId, { calibrationEnd, unitDays: 1 });
    const direct = fitBgNbd({
      x: Float64Array.from(rows, (row) => row.x),
      tx: Float64Array.from(rows, (row) => row.tx),
      T: Float64Array.from(rows, (row) => row.T),
      count: new Float64Array(rows.length).fill(1),
    });
    const values = createValueService({ db: db(), lifecycle: createLifecycleService(t.deps) });
    const risk = await values.risk(app.workspace.workspaceId, RiskQuerySchema.parse({ limit: 5 }));
    // The spend at stake is the whole list's, not only the entries shown.
    const whole = await values.risk(app.workspace.workspaceId, RiskQuerySchema.parse({ limit: 1000 }));
    for (const part of ['atRisk', 'winBack'] as const) {
      expect(whole[part].list).toHaveLength(risk[part].customers);
      expect(risk[part].spent).toBeCloseTo(
        whole[part].list.reduce((sum, entry) => sum + entry.spent, 0),
        6,
      );
    }
    await app.app.close();
    expect(risk.atRisk.customers + risk.winBack.customers).toBeGreaterThan(0);
    expect(risk.winBack.list.every((entry) => entry.probabilityAlive < 0.3)).toBe(true);
    expect(risk.atRisk.list.every((entry) => entry.probabilityAlive < entry.probabilityAliveBefore)).toBe(
      true,
    );
    expect(fit).toMatchObject({ customers: 400, timeUnit: 'day', notes: [], holdout: null });
    // Each fit is kept, by version.
    const models = await createValueService({ db: db(), lifecycle: createLifecycleService(t.deps) }).models(
      app.workspace.workspaceId,
    );
    expect(models).toEqual([
      {
        modelId: fit.modelId,
        fittedAt: fit.fittedAt,
        calibrationEnd,
        timeUnit: 'day',
        customers: 400,
        repeatCustomers: fit.repeatCustomers,
        bgnbd: fit.bgnbd,
        gammaGamma: fit.gammaGamma,
      },
    ]);
    expect(fit.modelId).toBeGreaterThan(0);
    // Tracked week by week to the calibration end: every repeat purchase day counted by the last week.
    expect(fit.tracking.at(-1)!.actual).toBe(rows.reduce((sum, row) => sum + row.x, 0));
    expect(fit.tracking.at(-1)!.predicted).toBeGreaterThan(0);
    expect(fit.bgnbd.logLikelihood).toBeCloseTo(direct.logLikelihood, 6);
    // Four hundred customers say little, but enough to land near the truth.
    expect(fit.bgnbd.r).toBeGreaterThan(0.4);
    expect(fit.bgnbd.r).toBeLessThan(1.6);
    expect(fit.repeatCustomers).toBe(rows.filter((row) => row.x > 0).length);
    expect(Math.abs(fit.spendFrequencyCorrelation!)).toBeLessThan(0.2);
  });

  it('fits once for risk and lifetime value while the orders stay the same, and again after a new one', async () => {
    const app = await simulatedApp();
    const workspaceId = app.workspace.workspaceId;
    let summariesRead = 0;
    const counting: Database = Object.create(db(), {
      query: {
        value: (sql: string, params?: readonly unknown[]) => {
          if (sql.includes('holdout')) summariesRead++;
          return db().query(sql, params);
        },
      },
    });
    const value = createValueService({ db: counting, lifecycle: createLifecycleService(app.deps) });
    const first = await value.risk(workspaceId, RiskQuerySchema.parse({ limit: 1 }));
    await value.risk(workspaceId, RiskQuerySchema.parse({ limit: 10 }));
    await value.clv(workspaceId, ClvQuerySchema.parse({ breakdown: 'none' }));
    expect(summariesRead).toBe(1);
    await ingest(app, [order('s0', 230, 35)]);
    const after = await value.risk(workspaceId, RiskQuerySchema.parse({ limit: 1 }));
    await app.app.close();
    expect(summariesRead).toBe(2);
    // Valued as of the day after the new last order.
    expect(first.asOf.getTime()).toBeLessThanOrEqual(D0 + 200 * DAY);
    expect(after.asOf.getTime()).toBe(D0 + 231 * DAY);
  });

  it('values every customer, stores it with the fit it came from, and reads it back one by one or by page', async () => {
    const app = await simulatedApp();
    const workspaceId = app.workspace.workspaceId;
    const value = createValueService({ db: db(), lifecycle: createLifecycleService(app.deps) });
    await expect(value.customerValue(workspaceId, 1)).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('no customer has been valued yet'),
    });
    const query = ValuationQuerySchema.parse({ months: 12, discountRate: 0.01, timeUnit: 'day' });
    const valuation = await value.valuate(workspaceId, query);
    const clv = await value.clv(workspaceId, ClvQuerySchema.parse({ ...query, breakdown: 'none' }));
    const rfm = await value.rfm(workspaceId, RfmQuerySchema.parse({}));
    const [model] = await value.models(workspaceId);
    const rows = await queryPurchaseSummary(db(), workspaceId, { calibrationEnd: clv.asOf, unitDays: 1 });
    const all = await value.customerValues(
      workspaceId,
      CustomerValueListQuerySchema.parse({ sort: 'clv', limit: 1000 }),
    );
    await app.app.close();

    expect(valuation).toMatchObject({ customers: 400, modelId: model!.modelId, asOf: clv.asOf });
    expect(valuation.totalClv).toBeCloseTo(clv.all.total, 6);
    expect(all.customers).toBe(400);
    // The most valuable, as the CLV report ranks them, with the same values.
    expect(all.list.slice(0, 5).map((entry) => [entry.customerId, entry.clv])).toEqual(
      clv.top.slice(0, 5).map((entry) => [entry.customerId, expect.closeTo(entry.clv, 9)]),
    );
    // Each stored prediction is the stored model's for the customer's (x, t_x, T).
    const params = { r: model!.bgnbd.r, alpha: model!.bgnbd.alpha, a: model!.bgnbd.a, b: model!.bgnbd.b };
    for (const row of rows.slice(0, 20)) {
      const stored = all.list.find((entry) => entry.customerId === Number(row.customer_id))!;
      expect(stored.repeatPurchases).toBe(row.x);
      expect(stored.probabilityAlive).toBeCloseTo(probabilityAlive(params, row.x, row.tx, row.T), 12);
      expect(stored.expectedPurchases).toBeCloseTo(
        conditionalExpectedPurchases(params, 360, row.x, row.tx, row.T),
        12,
      );
    }
    // RFM: the same cells and segments as the report.
    const grid = [1, 2, 3, 4, 5].map((r) =>
      [1, 2, 3, 4, 5].map((f) => all.list.filter((entry) => entry.rfm.r === r && entry.rfm.f === f).length),
    );
    expect(grid).toEqual(rfm.grid);
    for (const { segment, customers } of rfm.segments)
      expect(all.list.filter((entry) => entry.rfm.segment === segment).length, segment).toBe(customers);
  });

  it('values the members of a saved segment, and refuses one that does not exist', async () => {
    const app = await simulatedApp();
    const workspaceId = app.workspace.workspaceId;
    const lifecycle = createLifecycleService(app.deps);
    const segments = createSegmentService({ ...app.deps, lifecycle });
    await segments.save(
      workspaceId,
      'frequent',
      SegmentInputSchema.parse({
        name: 'Frequent',
        rules: { event: 'Order Completed', count: { op: 'gte', value: 3 } },
      }),
    );
    await segments.refresh(workspaceId, 'frequent');
    const value = createValueService({ db: db(), lifecycle });
    const query = (savedSegment?: string) =>
      value.clv(workspaceId, ClvQuerySchema.parse({ timeUnit: 'day', savedSegment }));
    const everyone = await query();
    const frequent = await query('frequent');
    const unknown = await query('nobody').catch((error: unknown) => error);
    const members = await db().query<{ customer_id: number }>(
      `SELECT customer_id FROM orders WHERE workspace_id = $1 AND status = 'completed'
       GROUP BY customer_id HAVING count(*) >= 3`,
      [workspaceId],
    );
    await app.app.close();
    expect(unknown).toMatchObject({ message: expect.stringContaining('no saved segment is named "nobody"') });
    expect(frequent.all.customers).toBe(members.length);
    expect(frequent.all.customers).toBeLessThan(everyone.all.customers);
    const memberIds = new Set(members.map((row) => Number(row.customer_id)));
    expect(frequent.top.every((entry) => memberIds.has(entry.customerId))).toBe(true);
    // The same model values everyone: a member's value is the same in both reports.
    const inEveryone = new Map(everyone.top.map((entry) => [entry.customerId, entry.clv]));
    for (const entry of frequent.top.filter((candidate) => inEveryone.has(candidate.customerId)))
      expect(entry.clv).toBeCloseTo(inEveryone.get(entry.customerId)!, 9);
  });

  it('pages, sorts and filters the stored values, and names a customer it has no value for', async () => {
    const value = createValueService({ db: db(), lifecycle: createLifecycleService(t.deps) });
    const workspaceId = t.workspace.workspaceId;
    // The four customers of the small fixture, valued in weeks over 6 months at no discount.
    const valuation = await value
      .valuate(workspaceId, ValuationQuerySchema.parse({ months: 6, discountRate: 0, timeUnit: 'week' }))
      .catch((error: unknown) => error);
    // Four customers are too few to fit: nothing is stored, and the message says why.
    expect(valuation).toMatchObject({ message: expect.stringContaining('at least 30 are needed') });
    await expect(value.customerValue(workspaceId, 1)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const page = await value.customerValues(workspaceId, CustomerValueListQuerySchema.parse({}));
    expect(page).toEqual({ customers: 0, valuedAt: null, list: [] });
  });

  it('says what is wrong with data it cannot fit', async () => {
    const value = createValueService({ db: db(), lifecycle: createLifecycleService(t.deps) });
    const fitOn = (query: object, workspaceId = t.workspace.workspaceId) =>
      value.fit(workspaceId, FitQuerySchema.parse(query));
    await expect(fitOn({ calibrationEnd: '2025-12-01' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('is not after the first order (2026-01-05)'),
    });
    await expect(fitOn({})).rejects.toMatchObject({
      message: expect.stringContaining('4 customers bought before 2026-02-15: at least 30 are needed'),
    });
    const empty = await createTestApp(db());
    await expect(fitOn({}, empty.workspace.workspaceId)).rejects.toMatchObject({
      message: expect.stringContaining('no completed order in this workspace'),
    });
    await empty.app.close();
  });
});
