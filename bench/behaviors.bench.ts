/**
 * The behaviour index on DuckDB (issue 9): 500,000 customers and about 25 million events over 548 days,
 * written straight into a fresh database by SQL (this measures the index, not ingestion). Timed as Agora
 * answers `GET /api/behaviors` (the organisation and a breakdown) and its monthly trend, and the index
 * query alone, next to a hand-written query for the organisation's per-behaviour sums (the limit). Median of five
 * runs after a warm-up.
 *
 *   npm run bench:behaviors                     500,000 customers
 *   npm run bench:behaviors -- --customers 50000
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { queryIndex } from '../src/modules/behaviors/behavior-index.query.ts';
import { BehaviorQuerySchema } from '../src/modules/behaviors/behaviors.schema.ts';
import { createBehaviorService } from '../src/modules/behaviors/behaviors.service.ts';
import { createLifecycleService } from '../src/modules/lifecycle/index.ts';
import { resetTaxonomy } from '../src/modules/taxonomy/index.ts';
import { systemClock } from '../src/platform/clock.ts';
import { openDuckDB } from '../src/platform/db/duckdb/duckdb-database.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { silentLogger } from '../src/platform/log.ts';
import { median as medianOf } from './timing.ts';

const { values } = parseArgs({
  options: { customers: { type: 'string', default: '500000' }, runs: { type: 'string', default: '5' } },
});
const CUSTOMERS = Number(values.customers);
const RUNS = Number(values.runs);
const DAYS = 548;
/** Event names the customers draw from: tagged with each behaviour, and untagged ones (orders, cart). */
const NAMES = [
  'Page Viewed',
  'Page Viewed',
  'Page Viewed',
  'Store Located',
  'Support Requested',
  'Content Viewed',
  'Content Viewed',
  'Review Read',
  'Video Playback Completed',
  'Product Customized',
  'Preferences Updated',
  'Recommendation Clicked',
  'Product Reviewed',
  'Product Shared',
  'Story Shared',
  'Idea Voted',
  'Idea Submitted',
  'Product Added',
  'Product Viewed',
  'Order Completed',
];

/** Each customer: 30 to 70 events (50 on average) spread over the 548 days. Deterministic: hashes. */
function worldSql(): string {
  const names = `[${NAMES.map((name) => `'${name}'`).join(', ')}]`;
  return `INSERT INTO events (workspace_id, customer_id, message_id, type, name, occurred_at, received_at, channel, device, properties)
    SELECT 1, c, 'e-' || c || '-' || k,
      CASE WHEN n = 'Page Viewed' THEN 'page' ELSE 'track' END, n,
      TIMESTAMP '2025-01-01' + to_seconds(CAST(hash(c, k, 't') % (${DAYS} * 86400) AS BIGINT)),
      TIMESTAMP '2026-07-03', 'direct', CASE WHEN hash(c, k, 'd') % 2 = 0 THEN 'mobile' ELSE 'desktop' END, NULL
    FROM (
      SELECT c, k, list_extract(${names}, CAST(1 + hash(c, k) % ${NAMES.length} AS INTEGER)) AS n
      FROM range(${CUSTOMERS}) t(c), range(70) v(k)
      WHERE k < 30 + hash(c, 'events') % 41
    )`;
}

/** The organisation's per-behaviour sums by hand: the same score, no groups, no population filters. */
const HAND = `WITH tags AS (
    SELECT event_name, max(behavior) AS behavior FROM event_taxonomy WHERE workspace_id = 1 AND behavior IS NOT NULL GROUP BY event_name
  ),
  recent AS (SELECT customer_id, name, occurred_at FROM events WHERE workspace_id = 1 AND occurred_at >= TIMESTAMP '2026-04-04' AND occurred_at < TIMESTAMP '2026-07-03'),
  scored AS (
    SELECT t.behavior, 100 * (0.4 * least(count(*), 5) / 5.0
      + 0.3 * greatest(0, 1 - epoch(TIMESTAMP '2026-07-03' - max(r.occurred_at)) / (90 * 86400.0))
      + 0.3 * least(count(DISTINCT r.name), 3) / 3.0) AS score
    FROM recent r JOIN tags t ON t.event_name = r.name GROUP BY r.customer_id, t.behavior
  )
  SELECT behavior, count(*) AS customers, sum(score) AS score_sum,
    (SELECT count(DISTINCT customer_id) FROM recent) AS active
  FROM scored GROUP BY behavior`;

const directory = await mkdtemp(path.join(os.tmpdir(), 'agora-bench-behaviors-'));
const db = await openDuckDB(path.join(directory, 'agora.duckdb'));
try {
  await migrate(db);
  await resetTaxonomy(db, 1, new Date());
  const loading = performance.now();
  await db.exec(worldSql());
  const [{ events }] = (await db.query('SELECT count(*) AS events FROM events')) as [{ events: number }];
  process.stdout.write(
    `${CUSTOMERS.toLocaleString('en-US')} customers, ${Number(events).toLocaleString('en-US')} events, written in ` +
      `${((performance.now() - loading) / 1000).toFixed(1)} s\n`,
  );
  const behaviors = createBehaviorService({
    db,
    lifecycle: createLifecycleService({ db, clock: systemClock, log: silentLogger }),
  });
  const query = BehaviorQuerySchema.parse({ asOf: '2026-07-03T00:00:00Z', breakdown: 'segment' });
  const window = { asOf: query.asOf!, windowDays: query.window };
  const report = await medianOf(() => behaviors.report(1, query), RUNS);
  const trend = await medianOf(() => behaviors.trend(1, query), RUNS);
  const index = await medianOf(() => queryIndex(db, 1, window, query), RUNS);
  const hand = await medianOf(() => db.query(HAND), RUNS);
  const { organisation } = await behaviors.report(1, query);
  const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  process.stdout.write(
    `${organisation.activeCustomers.toLocaleString('en-US')} customers active in the 90-day window\n` +
      `the index (organisation and B2B/B2C, one query): ${seconds(index)}; hand-written organisation sums: ${seconds(hand)}, ratio ${(index / hand).toFixed(2)}\n` +
      `GET /api/behaviors as answered (the index and its checks): ${seconds(report)} (target ≤ 2 s)\n` +
      `GET /api/behaviors/trend (a year of months): ${seconds(trend)}\n` +
      `${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version}\n`,
  );
} finally {
  await db.close();
  await rm(directory, { recursive: true, force: true });
}
