/**
 * Personas on DuckDB (issue 8): features, clustering and descriptions for 500,000 customers with 20
 * touchpoints each (10 M events), planted as five kinds that differ in channel, device and content format,
 * written straight into a fresh database by SQL (this measures personas, not ingestion). Each phase is timed,
 * beside a hand-written query that only counts the touchpoints per customer and channel (the engine's limit).
 *
 *   npm run bench:personas                      500,000 customers
 *   npm run bench:personas -- --customers 100000
 *   npm run bench:personas -- --data-dir /tmp/big500     a loaded demo world instead (its workspace 1)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { LifecycleService } from '../src/modules/lifecycle/index.ts';
import { mixtureDataOf } from '../src/modules/personas/compute-mixture-data.ts';
import { findPersonaClasses } from '../src/modules/personas/compute-persona-classes.ts';
import { applyScaling, fitScaling } from '../src/modules/personas/compute-standardise.ts';
import { FEATURES, queryPersonaFeatures } from '../src/modules/personas/persona-features.query.ts';
import { RefreshOptionsSchema } from '../src/modules/personas/personas.schema.ts';
import { createPersonaService } from '../src/modules/personas/personas.service.ts';
import { openDuckDB } from '../src/platform/db/duckdb/duckdb-database.ts';
import { migrate } from '../src/platform/db/migrate.ts';

const { values } = parseArgs({
  options: { customers: { type: 'string', default: '500000' }, 'data-dir': { type: 'string' } },
});
const dataDir = values['data-dir'];
const CUSTOMERS = Number(values.customers);
const TOUCHES = 20;

/** Kind = c % 5; each touchpoint's channel, device and format drawn by hash from the kind's favourites. */
function worldSql(): string {
  const kind = 'c % 5';
  return `INSERT INTO events (workspace_id, customer_id, message_id, type, name, occurred_at, received_at, channel, device, properties)
    SELECT 1, c, 'e-' || c || '-' || k, 'track', CASE WHEN hash(c, k, 1) % 3 = 0 THEN 'Content Viewed' ELSE 'Page Viewed' END,
      TIMESTAMP '2026-01-01' + to_hours(CAST(hash(c, k) % 8000 AS INTEGER)),
      TIMESTAMP '2026-01-01',
      (['email', 'paid_search', 'organic_search', 'organic_social', 'referral'])[1 + CAST((${kind} + CASE WHEN hash(c, k, 2) % 10 < 6 THEN 0 ELSE hash(c, k, 3) % 5 END) % 5 AS INTEGER)],
      (['desktop', 'mobile', 'tablet', 'mobile', 'desktop'])[1 + CAST(${kind} AS INTEGER)],
      CAST('{"format": "' || (['whitepaper', 'video', 'article', 'podcast', 'case_study'])[1 + CAST((${kind} + CASE WHEN hash(c, k, 4) % 10 < 6 THEN 0 ELSE hash(c, k, 5) % 5 END) % 5 AS INTEGER)] || '"}' AS JSON)
    FROM range(1, ${CUSTOMERS + 1}) AS t(c), range(0, ${TOUCHES}) AS u(k)`;
}

const seconds = (from: number) => ((performance.now() - from) / 1000).toFixed(2);
const directory = dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'agora-bench-personas-')));
const db = await openDuckDB(path.join(directory, 'agora.duckdb'));
try {
  await migrate(db);
  let started = performance.now();
  if (!dataDir) {
    await db.exec(`INSERT INTO customers (workspace_id, customer_id, first_seen_at, last_seen_at, updated_at)
      SELECT 1, c, TIMESTAMP '2026-01-01', TIMESTAMP '2026-01-01', TIMESTAMP '2026-01-01' FROM range(1, ${CUSTOMERS + 1}) AS t(c)`);
    await db.exec(worldSql());
    process.stdout.write(`written in ${seconds(started)} s\n`);
  }
  const [counts] = await db.query<{ customers: number; events: number }>(
    `SELECT (SELECT count(*) FROM customers WHERE workspace_id = 1 AND merged_into IS NULL) AS customers,
       (SELECT count(*) FROM events WHERE workspace_id = 1) AS events`,
  );
  process.stdout.write(
    `${Number(counts!.customers).toLocaleString('en-US')} customers, ${Number(counts!.events).toLocaleString('en-US')} events\n`,
  );
  started = performance.now();
  await db.query(
    'SELECT customer_id, channel, count(*) AS n FROM events WHERE workspace_id = 1 GROUP BY customer_id, channel',
  );
  process.stdout.write(`limit: counting touchpoints per customer and channel ${seconds(started)} s\n`);
  started = performance.now();
  const table = await queryPersonaFeatures(db, 1, { minTouchpoints: 1 });
  process.stdout.write(`features (SQL + reading ${FEATURES.length} columns) ${seconds(started)} s\n`);
  started = performance.now();
  const scaling = fitScaling(
    table.values,
    FEATURES.length,
    FEATURES.map((feature) => feature.group),
  );
  const points = applyScaling(table.values, FEATURES.length, scaling);
  const classes = findPersonaClasses(mixtureDataOf(table), points, scaling.columns.length, {
    kMin: 3,
    kMax: 8,
    seed: 1,
  });
  process.stdout.write(
    `standardise + latent classes for k 3–8 on a sample, every customer placed ${seconds(started)} s: k ${classes.k}\n`,
  );
  // The lifecycle is not part of this measure (the demo world's is refreshed on load).
  const lifecycle = { ensureRefreshed: async () => undefined } as unknown as LifecycleService;
  const service = createPersonaService({ db, lifecycle });
  started = performance.now();
  const result = await service.refresh(1, RefreshOptionsSchema.parse({}));
  process.stdout.write(
    `refresh end to end (features, clustering, descriptions, storing the assignments, listing) ${seconds(started)} s: ${result.personas.map((p) => `${p.name} ${p.customers}`).join('; ')}\n`,
  );
} finally {
  await db.close();
  if (!dataDir) await rm(directory, { recursive: true, force: true });
}
