/**
 * Bulk append rate of events on each engine, next to the engine's own limit: the same rows generated
 * inside the engine by INSERT … SELECT (no JavaScript, no driver, no wire). Later ingestion is measured
 * against these figures.
 *
 *   npm run bench                      DuckDB
 *   AGORA_TEST_DATABASE_URL=… npm run bench   DuckDB and PostgreSQL
 *   npm run bench -- --rows 200000 --runs 1
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { Database, Engine } from '../src/platform/db/database.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { createTestDatabase, testEngines } from '../test/engines.ts';
import { SYNTHETIC_EVENT_COLUMNS, syntheticEvents } from '../test/synthetic-events.ts';

const { values } = parseArgs({
  options: { rows: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '3' } },
});
const ROWS = Number(values.rows);
const RUNS = Number(values.runs);
const COLUMNS = SYNTHETIC_EVENT_COLUMNS;

/** The same rows, made by the engine itself. */
const IN_ENGINE_SQL: Record<Engine, string> = {
  duckdb: `INSERT INTO events (${COLUMNS.join(', ')})
    SELECT 1, i % 20000, 'bulk-' || i, CASE WHEN i % 3 = 0 THEN 'page' ELSE 'track' END,
           CASE WHEN i % 3 = 0 THEN 'Page Viewed' ELSE 'Product Viewed' END,
           TIMESTAMP '2026-01-01' + to_seconds(i), TIMESTAMP '2026-01-01' + to_seconds(i) + INTERVAL '50 milliseconds',
           CASE WHEN i % 2 = 0 THEN 'mobile' ELSE 'desktop' END, json_object('index', i)
      FROM range($1) AS t(i)`,
  postgres: `INSERT INTO events (${COLUMNS.join(', ')})
    SELECT 1, i % 20000, 'bulk-' || i, CASE WHEN i % 3 = 0 THEN 'page' ELSE 'track' END,
           CASE WHEN i % 3 = 0 THEN 'Page Viewed' ELSE 'Product Viewed' END,
           TIMESTAMP '2026-01-01' + i * INTERVAL '1 second', TIMESTAMP '2026-01-01' + i * INTERVAL '1 second' + INTERVAL '50 milliseconds',
           CASE WHEN i % 2 = 0 THEN 'mobile' ELSE 'desktop' END, json_build_object('index', i)
      FROM generate_series(0, $1 - 1) AS t(i)`,
};

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function measure(
  engine: Engine,
  rows: readonly unknown[][],
): Promise<{ append: number; limit: number }> {
  const test = await createTestDatabase(engine);
  const db: Database = test.db;
  try {
    await migrate(db);
    const appendSeconds: number[] = [];
    const limitSeconds: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      appendSeconds.push(await timed(() => db.append('events', COLUMNS, rows)));
      await db.exec('DELETE FROM events');
      limitSeconds.push(await timed(() => db.query(IN_ENGINE_SQL[engine], [ROWS])));
      await db.exec('DELETE FROM events');
    }
    return { append: ROWS / median(appendSeconds), limit: ROWS / median(limitSeconds) };
  } finally {
    await test.drop();
  }
}

// Built before timing: ingestion hands append rows it already holds in memory.
const rows = Array.from(syntheticEvents(ROWS));
console.log(`bulk append of ${ROWS.toLocaleString('en')} events, median of ${RUNS} runs`);
console.log(
  `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
);
console.log('| engine | append (rows/s) | in-engine INSERT … SELECT (rows/s) | ratio |');
console.log('| --- | ---: | ---: | ---: |');
for (const engine of testEngines) {
  const { append, limit } = await measure(engine, rows);
  const rate = (value: number) => Math.round(value).toLocaleString('en');
  console.log(`| ${engine} | ${rate(append)} | ${rate(limit)} | ${(append / limit).toFixed(2)} |`);
}
