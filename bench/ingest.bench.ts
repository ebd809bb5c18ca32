/**
 * Sustained HTTP ingestion: 100-message batches sent by autocannon (this process) to an Agora server in
 * another process, for each engine; next to the bare route (parse + append only, bench/bare-ingest-server.ts).
 * Reports events/s, request latency p50/p99 and the server's resident memory at start, peak and end.
 *
 *   npm run bench:ingest                          DuckDB, 60 s per run
 *   AGORA_TEST_DATABASE_URL=… npm run bench:ingest -- --seconds 60
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import type { Engine } from '../src/platform/db/database.ts';
import { createTestDatabase, postgresUrlForSchema, testEngines } from '../test/engines.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '60' }, connections: { type: 'string', default: '8' } },
});
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const BATCH = 100;
const BIN = fileURLToPath(new URL('../bin/agora.js', import.meta.url));
const BARE = fileURLToPath(new URL('./bare-ingest-server.ts', import.meta.url));

function start(
  command: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, command, {
      env: { ...process.env, ...env, AGORA_LOG_LEVEL: 'warn' },
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const url = ready.exec(out)?.[1];
      if (url) resolve({ child, url });
    });
    child.on('exit', (code) => reject(new Error(`${command.join(' ')} exited ${code}: ${out}`)));
  });
}

async function writeKey(env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, [BIN, 'keys', 'create', '--kind', 'write', '--json'], {
    env: { ...process.env, ...env },
  });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  await new Promise((resolve) => child.on('close', resolve));
  return JSON.parse(out).key;
}

function residentMegabytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/);
  return line ? Math.round(Number(line[1]) / 1024) : 0;
}

function batchBody(): string {
  const visitor = randomUUID();
  const batch = Array.from({ length: BATCH }, (_, i) => ({
    type: 'track',
    event: i % 5 === 0 ? 'Product Added' : 'Product Viewed',
    anonymousId: `${visitor}-${i % 10}`,
    messageId: `${visitor}-${i}`,
    properties: { product_id: `SKU-${i % 37}`, price: 19.99 },
    context: { page: { url: 'https://shop.example.com/?utm_source=google&utm_medium=cpc' } },
  }));
  return JSON.stringify({ batch });
}

async function load(url: string, key: string, child: ChildProcess) {
  const memory = { start: residentMegabytes(child.pid!), peak: 0, end: 0 };
  const sampler = setInterval(() => {
    memory.peak = Math.max(memory.peak, residentMegabytes(child.pid!));
  }, 1000);
  const result = await autocannon({
    url: `${url}/v1/batch`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}`,
    },
    requests: [{ setupRequest: (request) => ({ ...request, body: batchBody() }) }],
  });
  clearInterval(sampler);
  memory.end = residentMegabytes(child.pid!);
  const ok = result['2xx'];
  return {
    eventsPerSecond: Math.round((ok * BATCH) / SECONDS),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors,
    memory,
  };
}

async function measure(engine: Engine, server: 'agora' | 'bare') {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'agora-ingest-'));
  const postgres = engine === 'postgres' ? await createTestDatabase('postgres') : null;
  const env: Record<string, string> = postgres
    ? { DATABASE_URL: postgresUrlForSchema(postgres.location) }
    : { AGORA_DATA_DIR: dataDir };
  try {
    const key = await writeKey(env);
    const { child, url } =
      server === 'agora'
        ? await start([BIN, 'serve', '--port', '0'], env, /serving workspace "default" at (\S+)/)
        : await start(['--import', 'tsx', BARE], env, /listening at (\S+)/);
    try {
      return await load(url, key, child);
    } finally {
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  } finally {
    await postgres?.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

console.log(`HTTP ingestion: ${BATCH}-message batches, ${CONNECTIONS} connections, ${SECONDS} s per run`);
console.log(
  `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; load generator on the same machine`,
);
console.log('| engine | route | events/s | p50 ms | p99 ms | non-2xx | RSS start / peak / end MB |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | --- |');
for (const engine of testEngines) {
  for (const server of ['agora', 'bare'] as const) {
    const r = await measure(engine, server);
    console.log(
      `| ${engine} | ${server === 'agora' ? 'tracking API' : 'bare parse + append'} | ${r.eventsPerSecond.toLocaleString('en')} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.memory.start} / ${r.memory.peak} / ${r.memory.end} |`,
    );
  }
}
