import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.ts';
import { describeEachEngine } from '../../../test/engines.ts';
import { startPassLanes } from '../../platform/workers/pass-lanes.ts';
import { createIngestService } from '../ingestion/index.ts';
import { createLifecycleService, queryCustomersKept } from '../lifecycle/index.ts';
import { type CohortRow, queryCohortRetention } from './cohort-retention.query.ts';
import { countCohorts, readHeldCohorts } from './held-cohorts.ts';
import { countMoments, toColumns } from './held-moments.ts';
import { audienceOf } from './journey-paths.query.ts';
import {
  CohortQuerySchema,
  MicroMomentQuerySchema,
  PathQuerySchema,
  PathToPurchaseQuerySchema,
} from './journeys.schema.ts';
import { createJourneyService, type JourneyService } from './journeys.service.ts';
import { queryMicroMoments, queryMomentList } from './micro-moments.query.ts';

const D0 = Date.parse('2026-01-05T10:00:00Z');
const MINUTE = 60_000;
const at = (days: number, minutes = 0) => new Date(D0 + days * 86_400_000 + minutes * MINUTE).toISOString();
let sequence = 0;
const track = (
  userId: string,
  event: string,
  time: string,
  context: object = {},
  properties: object = {},
) => ({
  type: 'track',
  event,
  userId,
  messageId: `j-${++sequence}`,
  timestamp: time,
  context,
  properties,
});
const page = (userId: string, time: string, context: object = {}) => ({
  type: 'page',
  userId,
  messageId: `j-${++sequence}`,
  timestamp: time,
  context,
});
const order = (userId: string, time: string) =>
  track(userId, 'Order Completed', time, {}, { order_id: `o-${sequence}`, total: 20 });
const MOBILE = { device: { type: 'mobile' } };
const DESKTOP = { device: { type: 'desktop' } };
const EMAIL = { page: { url: 'https://shop.example/?utm_medium=email&utm_source=news' } };

describeEachEngine('journeys', ({ db, engine }) => {
  let t: TestApp;
  let journeys: JourneyService;
  /** Each part of the fixture in a workspace of its own, so that the parts do not count each other. */
  const workspaceWith = async (messages: object[]) => {
    const app = await createTestApp(db());
    const result = await createIngestService(app.deps).ingest(app.workspace.workspaceId, messages);
    expect(result.rejected).toEqual([]);
    await app.app.close();
    return app.workspace.workspaceId;
  };

  /** A saved segment `slug` and a persona (id 1) of the given users, both in workspace `ws`. */
  const saveAudience = async (ws: number, slug: string, users: string[]) => {
    const now = new Date('2026-06-01T00:00:00Z');
    await db().query(
      `INSERT INTO segments (workspace_id, segment_id, slug, name, rules, refresh_minutes, created_at, updated_at)
       VALUES ($1, 1, $2, $2, CAST('{"stage": "action"}' AS JSON), 60, $3, $3)`,
      [ws, slug, now],
    );
    await db().query(
      'INSERT INTO personas (workspace_id, persona_id, name, created_at) VALUES ($1, 1, $2, $3)',
      [ws, slug, now],
    );
    for (const user of users) {
      const [{ customer_id }] = (await db().query(
        "SELECT customer_id FROM identities WHERE workspace_id = $1 AND kind = 'user' AND value = $2",
        [ws, user],
      )) as [{ customer_id: number }];
      await db().query(
        'INSERT INTO segment_members (workspace_id, segment_id, customer_id, joined_at) VALUES ($1, 1, $2, $3)',
        [ws, customer_id, now],
      );
      await db().query(
        `INSERT INTO persona_assignments (workspace_id, customer_id, persona_id, run_id, distance, assigned_at)
         VALUES ($1, $2, 1, 1, 0, $3)`,
        [ws, customer_id, now],
      );
    }
  };

  // The service that holds its reads runs its passes on the worker lanes (platform/workers/pass-lanes.ts).
  const lanes = startPassLanes();
  beforeAll(async () => {
    t = await createTestApp(db());
    await lanes.ready;
    const lifecycle = createLifecycleService({ ...t.deps, keepReads: true, lanes });
    journeys = createJourneyService({ db: db(), lifecycle, keepReads: true, lanes });
  });
  afterAll(() => Promise.all([t.app.close(), lanes.close()]));

  describe('paths and the path to purchase', () => {
    let ws: number;
    beforeAll(async () => {
      ws = await workspaceWith([
        page('j1', at(0)),
        track('j1', 'Product Viewed', at(1)),
        track('j1', 'Product Viewed', at(1, 60)),
        track('j1', 'Product Added', at(2)),
        order('j1', at(3)),
        track('j2', 'Product Viewed', at(0)),
        track('j2', 'Content Viewed', at(1)),
        track('j2', 'Product Viewed', at(2)),
        order('j2', at(3)),
        track('j3', 'Product Viewed', at(0)),
        track('j3', 'Product Added', at(1)),
        page('j4', at(0)),
        track('j4', 'Experiment Assigned', at(0, 1)),
      ]);
      await saveAudience(ws, 'browsers', ['j2', 'j3']);
    });

    it('follows customers from their first time at an event, a repeat in a row counted once', async () => {
      const sankey = await journeys.paths(ws, PathQuerySchema.parse({ start: 'Product Viewed', depth: 3 }));
      expect(sankey.customers).toBe(3);
      expect(sankey.nodes.map((node) => [node.id, node.customers])).toEqual([
        ['1:Product Viewed', 3],
        ['2:Product Added', 2],
        ['2:Content Viewed', 1],
        ['3:Order Completed', 1],
        ['3:Product Viewed', 1],
      ]);
      expect(sankey.links).toEqual([
        { source: '1:Product Viewed', target: '2:Product Added', customers: 2 },
        { source: '1:Product Viewed', target: '2:Content Viewed', customers: 1 },
        { source: '2:Content Viewed', target: '3:Product Viewed', customers: 1 },
        { source: '2:Product Added', target: '3:Order Completed', customers: 1 },
      ]);
      expect(sankey.topPaths).toEqual([
        { path: ['Product Viewed', 'Content Viewed', 'Product Viewed'], customers: 1 },
        { path: ['Product Viewed', 'Product Added'], customers: 1 },
        { path: ['Product Viewed', 'Product Added', 'Order Completed'], customers: 1 },
      ]);
    });

    it('follows only the customers of a saved segment or a persona when asked', async () => {
      for (const audience of [{ savedSegment: 'browsers' }, { persona: 1 }]) {
        const sankey = await journeys.paths(
          ws,
          PathQuerySchema.parse({ start: 'Product Viewed', depth: 3, ...audience }),
        );
        expect(sankey.customers).toBe(2);
        expect(sankey.topPaths).toEqual([
          { path: ['Product Viewed', 'Content Viewed', 'Product Viewed'], customers: 1 },
          { path: ['Product Viewed', 'Product Added'], customers: 1 },
        ]);
      }
    });

    it('folds touchpoints met by fewer customers than asked into “other”', async () => {
      const sankey = await journeys.paths(
        ws,
        PathQuerySchema.parse({ start: 'Product Viewed', depth: 3, minCustomers: 2 }),
      );
      expect(sankey.nodes.map((node) => [node.id, node.customers])).toEqual([
        ['1:Product Viewed', 3],
        ['2:Product Added', 2],
        ['2:other', 1],
        ['3:other', 2],
      ]);
      expect(sankey.links.map((link) => [link.source, link.target, link.customers])).toEqual([
        ['1:Product Viewed', '2:Product Added', 2],
        ['1:Product Viewed', '2:other', 1],
        ['2:other', '3:other', 1],
        ['2:Product Added', '3:other', 1],
      ]);
      expect(sankey.topPaths).toEqual([]);
    });

    it('follows paths back from the event they lead to', async () => {
      const sankey = await journeys.paths(ws, PathQuerySchema.parse({ end: 'Order Completed', depth: 3 }));
      expect(sankey.customers).toBe(2);
      expect(sankey.nodes.map((node) => [node.id, node.customers])).toEqual([
        ['1:Content Viewed', 1],
        ['1:Product Viewed', 1],
        ['2:Product Added', 1],
        ['2:Product Viewed', 1],
        ['3:Order Completed', 2],
      ]);
    });

    it('measures the path to a first purchase, and what buyers met more than others', async () => {
      const result = await journeys.pathToPurchase(
        ws,
        PathToPurchaseQuerySchema.parse({ depth: 2, ignore: 'Experiment Assigned' }),
      );
      expect(result).toMatchObject({ buyers: 2, nonBuyers: 2 });
      expect(result.touchpointsToPurchase).toMatchObject({ mean: 3.5, median: 3.5 });
      expect(result.touchpointsToPurchase.p90).toBeCloseTo(3.9, 9);
      expect(result.touchpointsToPurchase.buckets.filter((bucket) => bucket.customers > 0)).toEqual([
        { label: '3', customers: 1 },
        { label: '4', customers: 1 },
      ]);
      expect(result.daysToPurchase).toMatchObject({ mean: 3, median: 3, p90: 3 });
      expect(result.daysToPurchase.buckets.filter((bucket) => bucket.customers > 0)).toEqual([
        { label: '1–7', customers: 2 },
      ]);
      expect(result.sequences).toEqual([
        { path: ['Content Viewed', 'Product Viewed'], customers: 1 },
        { path: ['Product Viewed', 'Product Added'], customers: 1 },
      ]);
      expect(result.touchpoints).toEqual([
        { name: 'Product Viewed', convertingShare: 1, nonConvertingShare: 0.5, ratio: 2 },
        { name: 'Content Viewed', convertingShare: 0.5, nonConvertingShare: 0, ratio: null },
        { name: 'Page Viewed', convertingShare: 0.5, nonConvertingShare: 0.5, ratio: 1 },
        { name: 'Product Added', convertingShare: 0.5, nonConvertingShare: 0.5, ratio: 1 },
      ]);
    });

    it('measures the path to purchase of a saved segment, a persona or the customers first seen in a range', async () => {
      for (const audience of [{ savedSegment: 'browsers' }, { persona: 1 }]) {
        const result = await journeys.pathToPurchase(
          ws,
          PathToPurchaseQuerySchema.parse({ depth: 2, ...audience }),
        );
        // j2 bought after three touchpoints; j3 looked and added to the cart but never bought.
        expect(result).toMatchObject({ buyers: 1, nonBuyers: 1 });
        expect(result.touchpointsToPurchase).toMatchObject({ mean: 3, median: 3, p90: 3 });
        expect(result.sequences).toEqual([{ path: ['Content Viewed', 'Product Viewed'], customers: 1 }]);
        expect(result.touchpoints).toEqual([
          { name: 'Content Viewed', convertingShare: 1, nonConvertingShare: 0, ratio: null },
          { name: 'Product Viewed', convertingShare: 1, nonConvertingShare: 1, ratio: 1 },
          { name: 'Product Added', convertingShare: 0, nonConvertingShare: 1, ratio: 0 },
        ]);
      }
      // Everyone was first seen at 10:00 on day 0.
      const later = await journeys.pathToPurchase(ws, PathToPurchaseQuerySchema.parse({ from: at(0, 1) }));
      expect(later).toMatchObject({ buyers: 0, nonBuyers: 0, sequences: [], touchpoints: [] });
      expect(later.touchpointsToPurchase).toMatchObject({ mean: null, median: null, p90: null });
      const first = await journeys.pathToPurchase(ws, PathToPurchaseQuerySchema.parse({ to: at(0, 1) }));
      expect(first).toMatchObject({ buyers: 2, nonBuyers: 2 });
    });

    it('answers any range and audience from every touchpoint held as reading the paths alone does', async () => {
      const before = lanes.answered();
      const alone = createJourneyService({ db: db(), lifecycle: createLifecycleService(t.deps) });
      const AUDIENCES = [
        {},
        { savedSegment: 'browsers' },
        { persona: 1 },
        { channel: 'unknown' },
        { segment: 'b2c' },
        { from: at(1) },
        { to: at(2) },
        { from: at(0, 30), to: at(2, 30) },
        { from: at(1, 30), persona: 1 },
      ];
      const ASKED = [
        { start: 'Product Viewed', depth: 3 },
        { start: 'Product Viewed', depth: 2, minCustomers: 2 },
        { end: 'Order Completed', depth: 5 },
        { end: 'Product Added', depth: 2, ignore: 'Content Viewed' },
        { start: '(none)', by: 'channel' },
      ];
      for (const asked of ASKED)
        for (const audience of AUDIENCES) {
          const query = PathQuerySchema.parse({ ...asked, ...audience });
          expect(await journeys.paths(ws, query), JSON.stringify(query)).toEqual(
            await alone.paths(ws, query),
          );
        }
      // Each walk was the worker's (a failed one would have run again here); PostgreSQL's are read alone.
      expect(lanes.answered() - before).toBe(engine === 'duckdb' ? ASKED.length * AUDIENCES.length : 0);
    });

    it('answers any audience from every customer’s path to purchase held as reading the audience alone does', async () => {
      const alone = createJourneyService({ db: db(), lifecycle: createLifecycleService(t.deps) });
      const AUDIENCES = [
        {},
        { savedSegment: 'browsers' },
        { persona: 1 },
        { from: at(0, 1) },
        { channel: 'unknown' },
      ];
      for (const asked of [{}, { depth: 1, by: 'channel' }, { ignore: 'Product Viewed,Page Viewed' }])
        for (const audience of AUDIENCES) {
          const query = PathToPurchaseQuerySchema.parse({ ...asked, ...audience });
          expect(await journeys.pathToPurchase(ws, query), JSON.stringify(query)).toEqual(
            await alone.pathToPurchase(ws, query),
          );
        }
    });
  });

  describe('micro-moments', () => {
    const MOMENTS = [
      // m1: three know touchpoints minutes apart on a phone, then two go ones (too few) and a purchase.
      track('m1', 'Products Searched', at(0), MOBILE),
      track('m1', 'Review Read', at(0, 3), MOBILE),
      track('m1', 'Product Viewed', at(0, 5), MOBILE),
      track('m1', 'Store Located', at(1), MOBILE),
      track('m1', 'Appointment Booked', at(1, 2), MOBILE),
      track('m1', 'Store Located', at(1, 30), MOBILE),
      { ...order('m1', at(3)), context: MOBILE },
      // m2: the same on a desktop.
      track('m2', 'Products Searched', at(0), DESKTOP),
      track('m2', 'Products Searched', at(0, 2), DESKTOP),
      track('m2', 'Review Read', at(0, 4), DESKTOP),
      // m3: mostly buy.
      track('m3', 'Product Added', at(0), MOBILE),
      track('m3', 'Product Added to Wishlist', at(0, 1), MOBILE),
      track('m3', 'Product Viewed', at(0, 2), MOBILE),
      // m4: mostly go, late in the evening, before any funnel signal; the assignment carries no intent.
      track('m4', 'Store Located', at(0, 720), MOBILE),
      track('m4', 'Appointment Booked', at(0, 724), MOBILE),
      track('m4', 'Experiment Assigned', at(0, 725), MOBILE),
      track('m4', 'Video Playback Completed', at(0, 726), MOBILE),
    ];
    let ws: number;
    beforeAll(async () => {
      ws = await workspaceWith(MOMENTS);
    });

    it('finds bursts of intent on phones, with the stage, hour and conversion that followed', async () => {
      const report = await journeys.microMoments(ws, MicroMomentQuerySchema.parse({}));
      expect(report).toMatchObject({ moments: 3, mobileShare: 1 });
      expect(report.byIntent).toEqual([
        { intent: 'know', moments: 1, customers: 1 },
        { intent: 'go', moments: 1, customers: 1 },
        { intent: 'buy', moments: 1, customers: 1 },
      ]);
      expect(report.byStage).toEqual([
        { key: 'before the funnel', intent: 'go', moments: 1 },
        { key: 'consideration', intent: 'know', moments: 1 },
        { key: 'preference', intent: 'buy', moments: 1 },
      ]);
      expect(report.byHour).toEqual([
        { key: '10', intent: 'buy', moments: 1 },
        { key: '10', intent: 'know', moments: 1 },
        { key: '22', intent: 'go', moments: 1 },
      ]);
      expect(report.beforeConversion).toEqual([
        { intent: 'know', moments: 1, converted: 1, share: 1 },
        { intent: 'go', moments: 1, converted: 0, share: 0 },
        { intent: 'buy', moments: 1, converted: 0, share: 0 },
      ]);
    });

    it('counts the moments of a saved segment’s or a persona’s customers when asked', async () => {
      await saveAudience(ws, 'searchers', ['m1', 'm2']);
      for (const audience of [{ savedSegment: 'searchers' }, { persona: 1 }]) {
        const report = await journeys.microMoments(ws, MicroMomentQuerySchema.parse(audience));
        expect(report.byIntent).toEqual([{ intent: 'know', moments: 1, customers: 1 }]);
      }
    });

    it('keeps the moments that began in a range, each with all its touchpoints', async () => {
      const within = async (range: object) =>
        (await journeys.microMoments(ws, MicroMomentQuerySchema.parse(range))).byIntent.map(
          (row) => row.intent,
        );
      // m1's know moment and m3's buy moment began at 10:00, before 10:04; m1's third touchpoint came at 10:05.
      expect(await within({ to: at(0, 4) })).toEqual(['know', 'buy']);
      // Begun at 10:00, they are not in a range from 10:01; m4's go moment at 22:00 is.
      expect(await within({ from: at(0, 1) })).toEqual(['go']);
      expect(await within({ from: at(0, 1), to: at(0, 719) })).toEqual([]);
    });

    it('counts any range and audience from the moments of all time as reading them on their own does', async () => {
      // m1 searches again on day 2: a second know moment of the same customer.
      const again = ['Products Searched', 'Review Read', 'Products Searched'].map((event, minute) =>
        track('m1', event, at(2, minute), MOBILE),
      );
      const phones = await workspaceWith([...MOMENTS, ...again]);
      await saveAudience(phones, 'searchers', ['m1', 'm2', 'm4']);
      const RANGES = [
        {},
        { to: at(0, 4) },
        { from: at(0, 1) },
        { from: at(0), to: at(0, 720) },
        { from: '2026-01-05', to: '2026-01-08' },
      ];
      const AUDIENCES = [{}, { savedSegment: 'searchers' }, { persona: 1 }, { channel: 'unknown' }];
      for (const asked of [{}, { mobileOnly: 'false' }, { maxGapMinutes: 30, conversionDays: 1 }]) {
        await journeys.microMoments(phones, MicroMomentQuerySchema.parse(asked));
        const list = toColumns(await queryMomentList(db(), phones, MicroMomentQuerySchema.parse(asked)));
        for (const range of RANGES)
          for (const audience of AUDIENCES) {
            const query = MicroMomentQuerySchema.parse({ ...asked, ...range, ...audience });
            const held = countMoments(list, query, await queryCustomersKept(db(), phones, audienceOf(query)));
            const sorted = (rows: object[]) => rows.map((row) => JSON.stringify(row)).sort();
            expect(sorted(held), JSON.stringify({ ...asked, ...range, ...audience })).toEqual(
              sorted(await queryMicroMoments(db(), phones, query)),
            );
          }
      }
    });

    it('counts moments on any device when asked, and a longer pause splits none here', async () => {
      const report = await journeys.microMoments(ws, MicroMomentQuerySchema.parse({ mobileOnly: 'false' }));
      expect(report).toMatchObject({ moments: 4, mobileShare: 0.75 });
      // With pauses up to 30 minutes m1's go touchpoints make a moment of three.
      const patient = await journeys.microMoments(ws, MicroMomentQuerySchema.parse({ maxGapMinutes: 30 }));
      expect(patient.byIntent.find((row) => row.intent === 'go')).toEqual({
        intent: 'go',
        moments: 2,
        customers: 2,
      });
    });
  });

  describe('cohorts', () => {
    let ws: number;
    beforeAll(async () => {
      ws = await workspaceWith([
        page('c1', '2026-01-09T09:00:00Z', EMAIL),
        order('c1', '2026-01-10T09:00:00Z'),
        order('c1', '2026-02-15T09:00:00Z'),
        page('c1', '2026-03-10T09:00:00Z'),
        order('c1', '2026-04-01T09:00:00Z'),
        page('c2', '2026-01-19T09:00:00Z', EMAIL),
        order('c2', '2026-01-20T09:00:00Z'),
        order('c2', '2026-01-25T09:00:00Z'),
        page('c3', '2026-02-02T09:00:00Z', { page: { url: 'https://shop.example/' } }),
        order('c3', '2026-02-03T09:00:00Z'),
        order('c3', '2026-03-03T09:00:00Z'),
      ]);
    });

    it('retains customers by the month of their first purchase, months not yet lived left empty', async () => {
      const matrix = await journeys.cohorts(ws, CohortQuerySchema.parse({ months: 4 }));
      expect(matrix.rows).toEqual([
        { cohort: '2026-01', customers: 2, retained: [2, 1, 0, 1], retention: [1, 0.5, 0, 0.5] },
        { cohort: '2026-02', customers: 1, retained: [1, 1, 0, 0], retention: [1, 1, 0, null] },
      ]);
    });

    it('follows only the customers of a saved segment or a persona when asked', async () => {
      await saveAudience(ws, 'returning', ['c1', 'c3']);
      for (const audience of [{ savedSegment: 'returning' }, { persona: 1 }]) {
        const matrix = await journeys.cohorts(ws, CohortQuerySchema.parse({ months: 4, ...audience }));
        expect(matrix.rows.map((row) => [row.cohort, row.retained])).toEqual([
          ['2026-01', [1, 1, 0, 1]],
          ['2026-02', [1, 1, 0, 0]],
        ]);
      }
    });

    it('groups cohorts by first-touch channel, and counts any activity when asked', async () => {
      const byChannel = await journeys.cohorts(
        ws,
        CohortQuerySchema.parse({ months: 4, cohort: 'firstChannel' }),
      );
      expect(byChannel.rows).toEqual([
        { cohort: 'email', customers: 2, retained: [2, 1, 0, 1], retention: [1, 0.5, 0, 0.5] },
        { cohort: 'direct', customers: 1, retained: [1, 1, 0, 0], retention: [1, 1, 0, null] },
      ]);
      const activity = await journeys.cohorts(
        ws,
        CohortQuerySchema.parse({ months: 4, measure: 'activity' }),
      );
      expect(activity.rows.map((row) => row.retained)).toEqual([
        [2, 1, 1, 1],
        [1, 1, 0, 0],
      ]);
    });

    it('counts any range and audience from every buyer’s months held as reading the cohorts alone does', async () => {
      const lifecycle = createLifecycleService(t.deps);
      const AUDIENCES = [
        {},
        { savedSegment: 'returning' },
        { persona: 1 },
        { channel: 'email' },
        { from: '2026-01-15T00:00:00Z' },
        { to: '2026-02-03T09:00:00Z' },
        { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z', savedSegment: 'returning' },
      ];
      for (const measure of ['purchase', 'activity'] as const) {
        const held = await readHeldCohorts(db(), ws, measure);
        for (const audience of AUDIENCES) {
          const query = CohortQuerySchema.parse({ months: 4, measure, ...audience });
          const kept = await lifecycle.customersKept(ws, audienceOf(query));
          const sorted = (rows: CohortRow[]) =>
            rows.map((row) => JSON.stringify(row)).sort((a, b) => (a < b ? -1 : 1));
          expect(sorted(countCohorts(held, query, kept)), JSON.stringify(query)).toEqual(
            sorted(await queryCohortRetention(db(), ws, query)),
          );
        }
      }
      // Hand-worked: of the buyers first buying from 15 January, c2 (January) and c3 (February, again in March).
      const later = await journeys.cohorts(
        ws,
        CohortQuerySchema.parse({ months: 2, from: '2026-01-15T00:00:00Z' }),
      );
      expect(later.rows.map((row) => [row.cohort, row.retained])).toEqual([
        ['2026-01', [1, 0]],
        ['2026-02', [1, 1]],
      ]);
    });
  });
});
