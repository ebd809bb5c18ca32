/**
 * Bulk import of events from NDJSON, on each engine: the whole import (read, validate, resolve identities,
 * classify, write) next to its ceiling, the same file read, parsed and appended with nothing else. Reports
 * rows/s, and peak memory: the process's RSS and its JavaScript heap, which must not grow with the file.
 *
 *   npm run bench:import                                   DuckDB, 1,000,000 events
 *   AGORA_TEST_DATABASE_URL=… npm run bench:import -- --rows 500000
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { createImportService } from '../src/modules/imports/index.ts';
import { createIngestService } from '../src/modules/ingestion/index.ts';
import { createWorkspaceService } from '../src/modules/workspaces/index.ts';
import { systemClock } from '../src/platform/clock.ts';
import type { Database, Engine } from '../src/platform/db/database.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { silentLogger } from '../src/platform/log.ts';
import { createTestDatabase, testEngines } from '../test/engines.ts';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' } } });
const ROWS = Number(values.rows);
const VISITORS = Math.max(1, Math.floor(ROWS / 10));
const START = Date.parse('2025-01-01T00:00:00Z');

/** Ten events per visitor over a year; one visitor in ten signs up, with an email, half-way through. */
async function writeEvents(file: string): Promise<void> {
  const out = createWriteStream(file);
  for (let i = 0; i < ROWS; i++) {
    const visitor = i % VISITORS;
    const signsUp = visitor % 10 === 0 && Math.floor(i / VISITORS) === 5;
    const message = signsUp
      ? {
          type: 'identify',
          anonymousId: `anon-${visitor}`,
          userId: `user-${visitor}`,
          traits: { email: `user-${visitor}@example.com`, plan: 'free' },
        }
      : {
          type: 'track',
          event: i % 5 === 0 ? 'Product Added' : 'Product Viewed',
          anonymousId: `anon-${visitor}`,
          properties: { product_id: `SKU-${i % 37}`, price: 19.99 },
          context: { page: { url: 'https://shop.example.com/?utm_source=google&utm_medium=cpc' } },
        };
    const line = JSON.stringify({
      ...message,
      messageId: `m-${i}`,
      timestamp: new Date(START + Math.floor((i * 31_536_000_000) / ROWS)).toISOString(),
    });
    if (!out.write(`${line}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise((resolve) => out.end(resolve));
}

/** The ceiling: the same lines parsed and appended as events, without validation or identity resolution. */
async function bareImport(db: Database, file: string): Promise<void> {
  const columns = ['workspace_id', 'customer_id', 'message_id', 'type', 'name', 'occurred_at', 'received_at'];
  const now = new Date();
  let rows: unknown[][] = [];
  let rest = '';
  const input = createReadStream(file, { encoding: 'utf8' });
  for await (const chunk of input as AsyncIterable<string>) {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      const message = JSON.parse(line);
      rows.push([
        1,
        1,
        message.messageId,
        message.type,
        message.event ?? 'Identify',
        new Date(message.timestamp),
        now,
      ]);
    }
    if (rows.length >= 5000) {
      await db.append('events', columns, rows);
      rows = [];
    }
  }
  if (rows.length > 0) await db.append('events', columns, rows);
}

async function measure(engine: Engine, file: string, bare: boolean) {
  const test = await createTestDatabase(engine);
  try {
    await migrate(test.db);
    const deps = { config: loadConfig({}), db: test.db, clock: systemClock, log: silentLogger };
    const { workspace } = await createWorkspaceService(deps).ensureWorkspace({ issueAdminKey: false });
    const imports = createImportService({ ...deps, ingest: createIngestService(deps) });
    // RSS includes DuckDB's buffer cache, which grows with the database; the JS heap is what the import holds.
    const peak = { rss: 0, heap: 0 };
    const sampler = setInterval(() => {
      const memory = process.memoryUsage();
      peak.rss = Math.max(peak.rss, memory.rss);
      peak.heap = Math.max(peak.heap, memory.heapUsed);
    }, 200);
    const started = performance.now();
    if (bare) await bareImport(test.db, file);
    else {
      // As `agora import` runs it: the file is read and prepared on a worker thread.
      const summary = await imports.run(
        workspace.workspaceId,
        'events',
        { file, gzipped: false },
        { format: 'ndjson' },
      );
      if (summary.accepted !== ROWS) throw new Error(`imported ${summary.accepted} of ${ROWS} events`);
    }
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const [{ n }] = (await test.db.query<{ n: number }>('SELECT count(*) AS n FROM events')) as [
      { n: number },
    ];
    if (n !== ROWS) throw new Error(`${n} events stored, ${ROWS} expected`);
    const megabytes = (bytes: number) => Math.round(bytes / 1024 / 1024);
    return { seconds, rate: ROWS / seconds, peakRss: megabytes(peak.rss), peakHeap: megabytes(peak.heap) };
  } finally {
    await test.drop();
  }
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'agora-import-bench-'));
try {
  const file = path.join(dir, 'events.ndjson');
  await writeEvents(file);
  const megabytes = (await stat(file)).size / 1024 / 1024;
  console.log(
    `${ROWS.toLocaleString('en-US')} events, ${megabytes.toFixed(0)} MB of NDJSON; ${os.cpus().length} cores, Node ${process.version}`,
  );
  for (const engine of testEngines) {
    const full = await measure(engine, file, false);
    const bare = await measure(engine, file, true);
    for (const [name, result] of [
      ['import', full],
      ['parse + append only', bare],
    ] as const) {
      console.log(
        `${engine.padEnd(8)} ${name.padEnd(20)} ${Math.round(result.rate).toLocaleString('en-US').padStart(9)} rows/s` +
          `  ${result.seconds.toFixed(1)} s  peak RSS ${result.peakRss} MB, JS heap ${result.peakHeap} MB`,
      );
    }
    console.log(`${engine.padEnd(8)} import / ceiling: ${(full.rate / bare.rate).toFixed(2)}`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
