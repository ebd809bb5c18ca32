/**
 * Attribution over 1,000,000 customer paths on DuckDB (issue 6): the seven heuristic models together, Markov
 * of order 1, and Shapley over 12 channels, each timed alone (its SQL, then the model in TypeScript) next to
 * a hand-written query for the same heuristic numbers (the limit); then all of them as Agora answers a
 * comparison, from one read of the paths. The events are
 * written straight into a fresh database by SQL: this measures attribution, not ingestion. Median of five
 * runs after a warm-up.
 *
 *   npm run bench:attribution                      1,000,000 customers
 *   npm run bench:attribution -- --customers 100000
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AttributionQuerySchema } from '../src/modules/attribution/attribution.schema.ts';
import {
  buildChannelSetSql,
  buildHeuristicSql,
  buildTransitionSql,
  type ChannelSetRow,
  PART_SEPARATOR,
  queryAttributionPaths,
  type TransitionRow,
} from '../src/modules/attribution/attribution-paths.query.ts';
import { compareModels, markovTransitions, namesOf } from '../src/modules/attribution/compute-comparison.ts';
import { computeMarkov } from '../src/modules/attribution/compute-markov.ts';
import { computeShapley } from '../src/modules/attribution/compute-shapley.ts';
import { openDuckDB } from '../src/platform/db/duckdb/duckdb-database.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { median as medianOf } from './timing.ts';

const { values } = parseArgs({
  options: { customers: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '5' } },
});
const CUSTOMERS = Number(values.customers);
const RUNS = Number(values.runs);
const median = (work: () => Promise<unknown>) => medianOf(work, RUNS);
const CHANNELS = [
  'organic_search',
  'paid_search',
  'email',
  'organic_social',
  'paid_social',
  'display',
  'video',
  'referral',
  'affiliate',
  'direct',
  'sms',
  'podcast',
];

/**
 * Each customer: 1 to 8 visits a day or so apart through one of 12 channels; 30 % then buy, an hour after
 * the last visit, for 20 to 220. Deterministic: every draw is a hash of the customer and the visit.
 */
function worldSql(): string {
  const channels = `[${CHANNELS.map((channel) => `'${channel}'`).join(', ')}]`;
  return `INSERT INTO events (workspace_id, customer_id, message_id, type, name, occurred_at, received_at, channel, properties)
    SELECT 1, c, 'v-' || c || '-' || k, 'page', 'Page Viewed',
      TIMESTAMP '2026-01-01' + to_days(CAST(hash(c) % 300 AS INTEGER)) + to_hours(CAST(k * 24 + hash(c, k) % 12 AS INTEGER)),
      TIMESTAMP '2026-12-01', list_extract(${channels}, CAST(1 + hash(c, k, 'channel') % 12 AS INTEGER)), NULL
    FROM range(${CUSTOMERS}) t(c), range(8) v(k)
    WHERE k < 1 + hash(c, 'visits') % 8;
  INSERT INTO events (workspace_id, customer_id, message_id, type, name, occurred_at, received_at, channel, properties)
    SELECT 1, c, 'o-' || c, 'track', 'Order Completed',
      TIMESTAMP '2026-01-01' + to_days(CAST(hash(c) % 300 AS INTEGER)) + to_hours(CAST(8 * 24 AS INTEGER)),
      TIMESTAMP '2026-12-01', NULL, json_object('total', 20 + hash(c, 'total') % 200)
    FROM range(${CUSTOMERS}) t(c)
    WHERE hash(c, 'buys') % 100 < 30;`;
}

/** Linear and last touch by hand, with no path machinery beyond what they need. */
const HAND_HEURISTICS = `WITH touches AS (
    SELECT customer_id, occurred_at AS moment, channel FROM events
    WHERE workspace_id = 1 AND channel IS NOT NULL AND name <> 'Order Completed'
  ),
  orders AS (SELECT customer_id, occurred_at AS moment FROM events WHERE workspace_id = 1 AND name = 'Order Completed'),
  path AS (
    SELECT t.channel, count(*) OVER (PARTITION BY t.customer_id) AS n,
      row_number() OVER (PARTITION BY t.customer_id ORDER BY t.moment DESC) AS from_end
    FROM touches t JOIN orders o ON o.customer_id = t.customer_id
    WHERE t.moment <= o.moment AND t.moment >= o.moment - INTERVAL 30 DAY
  )
  SELECT channel, sum(1.0 / n) AS linear, count(*) FILTER (WHERE from_end = 1) AS last_touch FROM path GROUP BY channel`;

const directory = await mkdtemp(path.join(os.tmpdir(), 'agora-bench-attribution-'));
const db = await openDuckDB(path.join(directory, 'agora.duckdb'));
try {
  await migrate(db);
  const loadStarted = performance.now();
  await db.exec(worldSql());
  const [{ events, orders }] = (await db.query(
    "SELECT count(*) AS events, count(*) FILTER (WHERE name = 'Order Completed') AS orders FROM events",
  )) as [{ events: number; orders: number }];
  process.stdout.write(
    `${CUSTOMERS.toLocaleString('en-US')} customers, ${events.toLocaleString('en-US')} events ` +
      `(${orders.toLocaleString('en-US')} orders), written in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s\n`,
  );
  const query = AttributionQuerySchema.parse({});
  const run = async <T extends object>(built: { sql: string; params: unknown[] }) =>
    db.query<T>(built.sql, built.params);

  const heuristics = await median(() => run(buildHeuristicSql(1, query)));
  const hand = await median(() => db.query(HAND_HEURISTICS));
  const markov = await median(async () => {
    const rows = await run<TransitionRow>(buildTransitionSql(1, query));
    computeMarkov(markovTransitions(rows), PART_SEPARATOR);
  });
  let shapleyCompute = 0;
  const shapley = await median(async () => {
    const rows = await run<ChannelSetRow>(buildChannelSetSql(1, query));
    const started = performance.now();
    const groups = new Map(rows.filter((row) => row.kind === 'group').map((row) => [row.mask!, row.grp!]));
    computeShapley(
      rows
        .filter((row) => row.kind === 'set')
        .map((row) => ({ ...row, channels: namesOf(row.mask!, groups) })),
    );
    shapleyCompute = performance.now() - started;
  });
  // As Agora answers a comparison: one read of the paths, every model from it.
  const together = await median(async () => {
    const counts = (await queryAttributionPaths(db, 1, query)).get(0)!;
    compareModels(query, counts.heuristics, counts.transitions, counts.sets);
  });
  const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  process.stdout.write(
    `heuristic models, all seven: ${seconds(heuristics)} (target ≤ 1 s); hand-written linear + last touch: ${seconds(hand)}, ratio ${(heuristics / hand).toFixed(2)}\n` +
      `Markov, order 1:             ${seconds(markov)} (target ≤ 2 s)\n` +
      `Shapley, 12 channels:        ${seconds(shapley)} (target ≤ 3 s), of which the game ${seconds(shapleyCompute)}\n` +
      `every model from one read:   ${seconds(together)} (the three above one after the other: ${seconds(heuristics + markov + shapley)})\n` +
      `${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version}\n`,
  );
} finally {
  await db.close();
  await rm(directory, { recursive: true, force: true });
}
