import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.ts';
import { describeEachEngine } from '../../../test/engines.ts';
import type { Database } from '../../platform/db/database.ts';
import { createIngestService } from '../ingestion/index.ts';
import { createLifecycleService } from '../lifecycle/index.ts';
import { AttributionQuerySchema, StageAttributionQuerySchema } from './attribution.schema.ts';
import { createAttributionService } from './attribution.service.ts';
import { attributionFixture, CHANNELS } from './attribution-fixture.ts';
import { queryAttributionPaths } from './attribution-paths.query.ts';
import { compareModels } from './compute-comparison.ts';
import { countsWithin, indexByDay } from './day-counts.ts';

/** Numbers to nine places, so that sums in another order compare equal. */
const rounded = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value, (_, v) => (typeof v === 'number' ? Math.round(v * 1e9) / 1e9 : v)));

describeEachEngine('attribution over a range of days', ({ db, engine }) => {
  let t: TestApp;
  let workspaceId: number;

  beforeAll(async () => {
    t = await createTestApp(db());
    workspaceId = t.workspace.workspaceId;
    expect((await createIngestService(t.deps).ingest(workspaceId, attributionFixture)).rejected).toEqual([]);
    await createLifecycleService(t.deps).ensureRefreshed(workspaceId);
  });
  afterAll(() => t.app.close());

  // The fixture's days run from 2026-03-02 to 2026-03-12; these cut through paths, take none, or all.
  const RANGES = [
    {},
    { from: '2026-03-03' },
    { from: '2026-03-05', to: '2026-03-08' },
    { to: '2026-03-05' },
    { to: '2026-03-04' },
    { from: '2026-03-08', to: '2026-03-13' },
    { from: '2026-04-01' },
  ];
  const QUERIES = [
    { halfLife: '1d' },
    { lookback: '2d' },
    { occurrence: 'first', markovOrder: 2 },
    { by: 'campaign' },
    { conversion: 'stage:action' },
  ];

  it('sums the days of a range to what reading the range itself gives, for one conversion and each step', async () => {
    for (const stages of [false, true])
      for (const asked of QUERIES) {
        const days = await queryAttributionPaths(
          db(),
          workspaceId,
          AttributionQuerySchema.parse(asked),
          stages,
          true,
        );
        for (const range of RANGES) {
          const query = AttributionQuerySchema.parse({ ...asked, ...range });
          const read = await queryAttributionPaths(db(), workspaceId, query, stages);
          for (const [step, counts] of read) {
            const summed = countsWithin(indexByDay(days.get(step)!), query.from, query.to);
            const what = JSON.stringify({ stages, step, ...asked, ...range });
            expect(
              rounded(compareModels(query, summed.heuristics, summed.transitions, summed.sets)),
              what,
            ).toEqual(rounded(compareModels(query, counts.heuristics, counts.transitions, counts.sets)));
          }
        }
      }
  });

  it(
    engine === 'duckdb'
      ? 'reads the paths once for every range of whole days, until the data changes'
      : 'reads the paths for every range on PostgreSQL, where other instances may write',
    async () => {
      let reads = 0;
      const counted = new Proxy(db(), {
        get(target, name) {
          if (name === 'query')
            return (sql: string, params?: unknown[]) => {
              if (sql.includes('touch_rows')) reads++;
              return target.query(sql, params);
            };
          const value = Reflect.get(target, name);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      }) as Database;
      const attribution = createAttributionService({
        db: counted,
        lifecycle: createLifecycleService(t.deps),
        keepReads: true,
      });
      const compare = (range: object) =>
        attribution.compare(workspaceId, AttributionQuerySchema.parse({ lookback: '2d', ...range }));

      // All time (as the console's page opens, with no dates in the address), then two ranges: c1's and c4's
      // paths end in the first, c4's path that did not convert in the second.
      expect((await compare({})).paths).toEqual({ converting: 3, nonConverting: 2 });
      expect((await compare({ from: '2026-03-05' })).paths).toEqual({ converting: 2, nonConverting: 1 });
      expect((await compare({ from: '2026-03-06', to: '2026-03-13' })).paths).toEqual({
        converting: 1,
        nonConverting: 1,
      });
      expect(reads).toBe(engine === 'duckdb' ? 1 : 3);

      // Each step of the lifecycle: all time, then a range, from one read.
      const stages = (range: object) =>
        attribution.stageTransitions(workspaceId, StageAttributionQuerySchema.parse(range));
      await stages({});
      const [toConsideration] = (await stages({ from: '2026-03-05' })).transitions;
      expect(toConsideration!.report.paths).toEqual({ converting: 2, nonConverting: 0 });
      expect(reads).toBe(engine === 'duckdb' ? 2 : 5);

      // Not a whole day: read on its own. c1's order came at 09:00 that day, c4's later.
      expect((await compare({ from: '2026-03-05T10:00:00Z' })).paths).toEqual({
        converting: 1,
        nonConverting: 1,
      });
      expect(reads).toBe(engine === 'duckdb' ? 3 : 6);

      // A new order of c3's, through display the day before: read again, and counted.
      const order = {
        type: 'track',
        event: 'Order Completed',
        userId: 'c3',
        messageId: 'a-new',
        timestamp: '2026-03-03T12:00:00Z',
        properties: { order_id: 'o-new', total: 20 },
      };
      expect((await createIngestService(t.deps).ingest(workspaceId, [order])).rejected).toEqual([]);
      const after = await compare({ to: '2026-03-04' });
      expect(after).toMatchObject({ conversions: 2, revenue: 70 });
      expect(after.models.lastTouch![CHANNELS.display]).toEqual({ conversions: 1, revenue: 20 });
      expect(reads).toBe(engine === 'duckdb' ? 4 : 7);
    },
  );
});
