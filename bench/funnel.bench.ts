/**
 * Funnels and journeys on a loaded demo world: the lifecycle funnel report, a 5-step custom funnel with a
 * 30-day window, top paths of depth 5 and the cohort matrix, each timed through Agora's service next to a
 * hand-written SQL query for the same numbers (the limit). Reports the median of five runs after a warm-up.
 *
 *   npx agora demo --customers 500000 --no-serve --data-dir /tmp/big
 *   npm run bench:funnel -- --data-dir /tmp/big                 DuckDB
 *   DATABASE_URL=postgres://… npm run bench:funnel               PostgreSQL
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { closeDeps, createDeps } from '../src/deps.ts';
import { createFunnelService, FunnelQuerySchema } from '../src/modules/funnels/index.ts';
import { CohortQuerySchema, createJourneyService, PathQuerySchema } from '../src/modules/journeys/index.ts';
import { createLifecycleService } from '../src/modules/lifecycle/index.ts';
import type { Database } from '../src/platform/db/database.ts';
import { median as medianOf } from './timing.ts';

const { values } = parseArgs({
  options: { 'data-dir': { type: 'string' }, runs: { type: 'string', default: '5' } },
});
const RUNS = Number(values.runs);
const median = (work: () => Promise<unknown>) => medianOf(work, RUNS);
const STEPS = ['Page Viewed', 'Content Viewed', 'Product Viewed', 'Product Added', 'Order Completed'];

/** The same funnel as Agora's, written by hand for DuckDB: each next step found by an ASOF join. */
function handFunnelDuckDB(workspaceId: number): string {
  const names = STEPS.map((step) => `'${step}'`).join(', ');
  const next = STEPS.slice(1)
    .map(
      (step, index) => `s${index + 2} AS (
        SELECT p.*, e.occurred_at AS t${index + 2} FROM s${index + 1} p
        ASOF LEFT JOIN (SELECT customer_id, occurred_at FROM ev WHERE name = '${step}') e
          ON e.customer_id = p.customer_id AND p.t${index + 1} < e.occurred_at)`,
    )
    .join(',\n');
  const reached = `CASE ${STEPS.slice(1)
    .map((_, index) => `WHEN t${index + 2} IS NULL OR t${index + 2} > t1 + INTERVAL 30 DAY THEN ${index + 1}`)
    .join(' ')} ELSE ${STEPS.length} END`;
  return `WITH ev AS (SELECT customer_id, name, occurred_at FROM events WHERE workspace_id = ${workspaceId} AND name IN (${names})),
    s1 AS (SELECT customer_id, occurred_at AS t1 FROM ev WHERE name = '${STEPS[0]}'),
    ${next},
    best AS (SELECT customer_id, max(${reached}) AS reached FROM s${STEPS.length} GROUP BY customer_id)
    SELECT ${STEPS.map((_, index) => `count(*) FILTER (WHERE reached >= ${index + 1}) AS step_${index + 1}`).join(', ')} FROM best`;
}

/** The same funnel written by hand for PostgreSQL: each next step looked up through the customer-time index. */
function handFunnelPostgres(workspaceId: number): string {
  const next = STEPS.slice(1)
    .map(
      (step, index) => `LEFT JOIN LATERAL (
        SELECT min(e.occurred_at) AS t${index + 2} FROM events e
        WHERE e.workspace_id = ${workspaceId} AND e.customer_id = s1.customer_id AND e.name = '${step}'
          AND e.occurred_at > t${index + 1} AND e.occurred_at <= s1.t1 + INTERVAL '30 days') AS x${index + 2} ON true`,
    )
    .join('\n');
  const reached = `CASE ${STEPS.slice(1)
    .map((_, index) => `WHEN t${index + 2} IS NULL THEN ${index + 1}`)
    .join(' ')} ELSE ${STEPS.length} END`;
  return `WITH s1 AS (SELECT customer_id, occurred_at AS t1 FROM events WHERE workspace_id = ${workspaceId} AND name = '${STEPS[0]}'),
    attempts AS (SELECT s1.customer_id, ${reached} AS reached FROM s1 ${next}),
    best AS (SELECT customer_id, max(reached) AS reached FROM attempts GROUP BY customer_id)
    SELECT ${STEPS.map((_, index) => `count(*) FILTER (WHERE reached >= ${index + 1}) AS step_${index + 1}`).join(', ')} FROM best`;
}

/** Top paths by hand: from the first Product Viewed on, collapse repeats, number, cut five steps, count. */
function handPaths(workspaceId: number): string {
  return `WITH first_view AS (
      SELECT customer_id, min(occurred_at) AS at FROM events
      WHERE workspace_id = ${workspaceId} AND name = 'Product Viewed' AND type IN ('track', 'page', 'screen')
      GROUP BY customer_id),
    t AS (
      SELECT e.customer_id, e.occurred_at, e.message_id, e.name,
             lag(e.name) OVER (PARTITION BY e.customer_id ORDER BY e.occurred_at, e.message_id) AS previous
      FROM events e JOIN first_view f ON f.customer_id = e.customer_id
      WHERE e.workspace_id = ${workspaceId} AND e.type IN ('track', 'page', 'screen') AND e.occurred_at >= f.at),
    c AS (SELECT customer_id, name, row_number() OVER (PARTITION BY customer_id ORDER BY occurred_at, message_id) AS step
          FROM t WHERE previous IS NULL OR previous <> name),
    s AS (SELECT * FROM c WHERE step <= 5)
    SELECT step, name, NULL AS next, count(*) AS customers FROM s GROUP BY step, name
    UNION ALL
    SELECT a.step, a.name, b.name, count(*) FROM s a JOIN s b ON b.customer_id = a.customer_id AND b.step = a.step + 1
    GROUP BY a.step, a.name, b.name
    UNION ALL
    SELECT * FROM (SELECT 0, path, NULL, count(*) AS customers FROM (
      SELECT customer_id, string_agg(name, ' → ' ORDER BY step) AS path FROM s GROUP BY customer_id) p
      GROUP BY path ORDER BY customers DESC LIMIT 20) top`;
}

function handCohorts(workspaceId: number): string {
  return `WITH f AS (SELECT customer_id, date_trunc('month', min(ordered_at)) AS first_month FROM orders
                 WHERE workspace_id = ${workspaceId} AND status = 'completed' GROUP BY customer_id),
    a AS (SELECT DISTINCT customer_id, date_trunc('month', ordered_at) AS month FROM orders
          WHERE workspace_id = ${workspaceId} AND status = 'completed')
    SELECT f.first_month, (extract(year FROM a.month) - extract(year FROM f.first_month)) * 12
             + extract(month FROM a.month) - extract(month FROM f.first_month) AS k, count(*) AS customers
    FROM f JOIN a USING (customer_id) GROUP BY 1, 2`;
}

function handLifecycle(workspaceId: number): string {
  const stages = ['awareness', 'consideration', 'preference', 'action', 'loyalty', 'advocacy'];
  const epoch = (column: string) => `extract(epoch FROM ${column})`;
  const figures = stages.flatMap((stage, rank) => {
    const previous = stages[rank - 1];
    const days = previous ? `(${epoch(`${stage}_at`)} - ${epoch(`${previous}_at`)}) / 86400` : null;
    return [
      `count(${stage}_at)`,
      `count(*) FILTER (WHERE stage = '${stage}')`,
      `count(*) FILTER (WHERE stage = '${stage}' AND last_seen_at < TIMESTAMP '2026-04-01')`,
      ...(days ? [0.5, 0.9].map((share) => `percentile_cont(${share}) WITHIN GROUP (ORDER BY ${days})`) : []),
    ];
  });
  return `SELECT count(*), ${figures.join(', ')} FROM customer_lifecycle WHERE workspace_id = ${workspaceId}`;
}

async function main(): Promise<void> {
  const config = loadConfig(process.env, { dataDir: values['data-dir'], logLevel: 'warn' });
  const deps = await createDeps(config);
  const db: Database = deps.db;
  try {
    const [{ workspace_id: workspaceId }] = (await db.query(
      "SELECT workspace_id FROM workspaces WHERE slug = 'default'",
    )) as [{ workspace_id: number }];
    const [{ events }] = (await db.query('SELECT count(*) AS events FROM events WHERE workspace_id = $1', [
      workspaceId,
    ])) as [{ events: number }];
    const lifecycle = createLifecycleService(deps);
    const refresh = await lifecycle.refresh(workspaceId, { full: true });
    const funnels = createFunnelService(deps);
    const journeys = createJourneyService({ ...deps, lifecycle });
    const duckdb = config.engine === 'duckdb';
    process.stdout.write(
      `${config.engine}, ${events.toLocaleString('en-US')} events, ${refresh.customers.toLocaleString('en-US')} customers in the funnel; ` +
        `${os.cpus().length} × ${os.cpus()[0]?.model}\n` +
        `full lifecycle refresh: ${refresh.seconds.toFixed(1)} s\n\n`,
    );
    const compare = async (name: string, agora: () => Promise<unknown>, handWritten: string) => {
      const viaAgora = await median(agora);
      const byHand = await median(() => db.query(handWritten));
      process.stdout.write(
        `${name.padEnd(42)} ${(viaAgora / 1000).toFixed(3)} s   hand-written ${(byHand / 1000).toFixed(3)} s   ratio ${(viaAgora / byHand).toFixed(2)}\n`,
      );
    };
    await compare(
      'lifecycle funnel report',
      () => lifecycle.report(workspaceId, { breakdown: 'none' }),
      handLifecycle(workspaceId),
    );
    await compare(
      '5-step custom funnel, 30-day window',
      () => funnels.run(workspaceId, FunnelQuerySchema.parse({ steps: STEPS, window: '30d' })),
      duckdb ? handFunnelDuckDB(workspaceId) : handFunnelPostgres(workspaceId),
    );
    await compare(
      'top paths from Product Viewed, depth 5',
      () => journeys.paths(workspaceId, PathQuerySchema.parse({ start: 'Product Viewed', depth: 5 })),
      handPaths(workspaceId),
    );
    await compare(
      'cohort matrix, first-purchase month',
      () => journeys.cohorts(workspaceId, CohortQuerySchema.parse({})),
      handCohorts(workspaceId),
    );
  } finally {
    await closeDeps(deps);
  }
}

await main();
