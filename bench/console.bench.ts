/**
 * The console in headless chromium (issue 10): for each page, loaded afresh `--runs` times on a demo world,
 * the browser's own navigation timing (DOM interactive) and resource timing of the page's API calls (p95 over
 * every call of every run), the time until the page's last API answer arrived, and the slowest call — after a
 * first load, shown apart; then the built bundle's size, gzipped, in all and for the first load. `agora serve`
 * runs on the world's data directory as a user runs it; a bench admin is added through the API with the
 * server's local token.
 *
 * The world is one no one has looked at: the record of what was asked before (answers-asked.json) is
 * removed, and the server makes the console's opening views ahead once the data is quiet; the bench waits for
 * that, then loads the pages.
 *
 *   npm run bench:console -- --data-dir DIR            a world made by `agora demo --no-serve --data-dir DIR`
 *   npm run bench:console -- --data-dir DIR --customers 500000   makes the world first when DIR is empty
 *   npm run bench:console -- --data-dir DIR --filters-only        only the loads with a filter no one asked for
 *
 * Then 100 new events arrive through the tracking API, and each page is loaded once at once (a console
 * session is given the answers from before them, marked behind, while they are made again) and once more
 * after `--quiet-wait` seconds (default 240: the background refresh, a minute of quiet, the remaking).
 * Then the server restarts, and each page is loaded once after it has made the answers asked before. Last,
 * each page once more with a date filter no one asked for, and once with a saved segment no one asked for
 * (customers at Loyalty or Advocacy, saved by the bench before the opening views are made).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { CONSOLE_PAGES } from '../src/platform/http/console.routes.ts';
import type { WorkTime as ServerWorkTime, WorkTally } from '../src/platform/work-time.ts';
import { launchChromium } from '../test/chromium.ts';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    customers: { type: 'string', default: '500000' },
    runs: { type: 'string', default: '5' },
    'quiet-wait': { type: 'string', default: '240' },
    'filter-from': { type: 'string', default: '2026-01-01' },
    'filters-only': { type: 'boolean', default: false },
  },
});
if (!values['data-dir']) throw new Error('Give the demo world’s data directory: --data-dir DIR.');
const DATA_DIR = path.resolve(values['data-dir']);
const RUNS = Number(values.runs);
const BIN = path.resolve('bin/agora.js');
const BENCH_SEGMENT = 'bench-loyal';
/** Issue 10's goal for each API call, p95. */
const GOAL_MS = 300;

function agora(args: string[], logLevel = 'warn'): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, AGORA_DATA_DIR: DATA_DIR, AGORA_LOG_LEVEL: logLevel },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

async function makeWorldIfMissing(): Promise<void> {
  if (existsSync(path.join(DATA_DIR, 'agora.duckdb'))) return;
  console.log(`Making a demo world of ${values.customers} customers in ${DATA_DIR} …`);
  const demo = agora(['demo', '--customers', values.customers!, '--no-serve']);
  demo.stdout!.pipe(process.stdout);
  const code = await new Promise((resolve) => demo.on('exit', resolve));
  if (code !== 0) throw new Error(`agora demo exited with ${code}`);
}

/**
 * The server's output, read line by line as it comes: each answered call's URL, the server's own time for it
 * and the statements and passes it ran (its request log at info, src/app.ts), and `lineLike`, which waits for
 * the next line that `matches`.
 */
interface WorkTime extends ServerWorkTime {
  /** How long the server's own thread was busy while the call was answered. */
  busyMs: number;
}
interface ServerOutput {
  answered: Array<{ url: string; ms: number; work?: WorkTime }>;
  lineLike(matches: (line: string) => boolean): Promise<string>;
}

function readOutput(child: ChildProcess): ServerOutput {
  const urls = new Map<string, string>();
  const workTimes = new Map<string, WorkTime>();
  const waiting: Array<{ matches: (line: string) => boolean; resolve: (line: string) => void }> = [];
  const output: ServerOutput = {
    answered: [],
    lineLike: (matches) => new Promise((resolve) => waiting.push({ matches, resolve })),
  };
  let partLine = '';
  child.stdout!.on('data', (chunk) => {
    const lines = (partLine + chunk).split('\n');
    partLine = lines.pop()!;
    for (const line of lines) {
      for (const waiter of waiting.filter((waiter) => waiter.matches(line))) {
        waiting.splice(waiting.indexOf(waiter), 1);
        waiter.resolve(line);
      }
      if (!line.startsWith('{') || !line.endsWith('}')) continue;
      const entry = JSON.parse(line) as {
        reqId?: string;
        req?: { url: string };
        responseTime?: number;
      } & Partial<WorkTime>;
      if (!entry.reqId) continue;
      if (entry.req) urls.set(entry.reqId, entry.req.url);
      // Logged as the response ends, just before the request's own line.
      if (entry.statements && entry.passes && entry.busyMs !== undefined)
        workTimes.set(entry.reqId, {
          statements: entry.statements,
          passes: entry.passes,
          busyMs: entry.busyMs,
        });
      if (entry.responseTime !== undefined) {
        const work = workTimes.get(entry.reqId);
        output.answered.push({
          url: urls.get(entry.reqId) ?? '?',
          ms: entry.responseTime,
          ...(work ? { work } : {}),
        });
        urls.delete(entry.reqId);
        workTimes.delete(entry.reqId);
      }
    }
  });
  return output;
}

type Server = { child: ChildProcess; url: string; token: string; output: ServerOutput };

/** `agora serve` on the world, once it answers; its address and local token from server.json. */
async function startServer(logLevel?: string): Promise<Server> {
  const child = agora(['serve', '--port', '0'], logLevel);
  const output = readOutput(child);
  await new Promise<void>((resolve, reject) => {
    output.lineLike((line) => line.includes('Press Ctrl+C')).then(() => resolve());
    // Its error is on the bench's own stderr.
    child.on('exit', (code) => reject(new Error(`agora serve exited with ${code}`)));
  });
  const server = JSON.parse(await readFile(path.join(DATA_DIR, 'server.json'), 'utf8'));
  return { child, url: server.url, token: server.token, output };
}

/**
 * Waits until the server (started at `startedAt`, logging at info) logs that it made answers ahead or again;
 * says how long after its start, the log line, and which answers took longest to make.
 */
async function answersMade({ output }: Server, startedAt: number, what: string): Promise<void> {
  let timeout: NodeJS.Timeout | undefined;
  const made = await Promise.race([
    output.lineLike((line) => line.includes('"kept answers made again"')),
    new Promise<never>((_, reject) => {
      timeout = setTimeout(
        () => reject(new Error(`the server made no answers within an hour (${what})`)),
        60 * 60_000,
      );
    }),
  ]);
  clearTimeout(timeout);
  console.log(
    `\n${what}: made ${((performance.now() - startedAt) / 1000).toFixed(0)} s after the start (${made})`,
  );
  const slowest = output.answered
    .splice(0)
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 8);
  console.log(
    `  slowest: ${slowest.map((call) => `${(call.ms / 1000).toFixed(1)} s ${call.url}`).join(' · ')}`,
  );
}

interface PageRun {
  interactive: number;
  lastAnswer: number;
  /** `queued`: how long the call waited in the browser before it was sent (a free connection, say). */
  calls: Array<{ url: string; ms: number; queued: number }>;
}

/** One fresh load of a console page: navigation timing, and every API call until the network is quiet. */
async function loadOnce(page: Page, url: string): Promise<PageRun> {
  await page.goto(url, { waitUntil: 'networkidle', timeout: 600_000 });
  // Browser code, written without named inner functions (tsx would wrap them in a helper the page lacks), its
  // Performance API entries typed here as this file has no DOM types.
  return page.evaluate(() => {
    type Entry = {
      name: string;
      startTime: number;
      requestStart: number;
      responseEnd: number;
      domInteractive: number;
    };
    const timing = performance as unknown as { getEntriesByType(type: string): Entry[] };
    const navigation = timing.getEntriesByType('navigation')[0]!;
    const calls = timing
      .getEntriesByType('resource')
      .map((entry) => ({
        address: new URL(entry.name),
        end: entry.responseEnd,
        ms: entry.responseEnd - entry.startTime,
        queued: entry.requestStart - entry.startTime,
      }))
      .filter((call) => call.address.pathname.startsWith('/api/'));
    return {
      interactive: navigation.domInteractive,
      lastAnswer: Math.max(navigation.domInteractive, ...calls.map((call) => call.end)),
      calls: calls.map((call) => ({
        url: call.address.pathname + call.address.search,
        ms: call.ms,
        queued: call.queued,
      })),
    };
  });
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
const medianOf = (numbers: number[]) =>
  quantile(
    [...numbers].sort((a, b) => a - b),
    0.5,
  );

async function bundleSizes(): Promise<{ all: number; firstLoad: number }> {
  const dist = path.resolve('web/dist');
  const html = await readFile(path.join(dist, 'index.html'), 'utf8');
  const assets = await readdir(path.join(dist, 'assets'));
  let all = 0;
  let firstLoad = 0;
  for (const asset of assets.filter((name) => name.endsWith('.js'))) {
    const size = gzipSync(await readFile(path.join(dist, 'assets', asset))).length;
    all += size;
    // What index.html loads itself (the entry and its preloaded chunks) is the first load.
    if (html.includes(asset)) firstLoad += size;
  }
  return { all, firstLoad };
}

/** How many answers the browser was given in all, and of them marked behind or kept. */
type Answers = { all: number; behind: number; kept: number };

/**
 * Each page loaded once: its last answer; the API p95 as the browser saw it, as sent (without chromium's queue)
 * and as the server timed it; and how many answers were current, behind or computed.
 */
async function eachPageOnce(
  page: Page,
  server: Server,
  answers: Answers,
  label: string,
  search = '',
): Promise<void> {
  const columns = [13, 11, 8, 16, 11, 42];
  const row = (cells: string[]) => cells.map((cell, i) => cell.padEnd(columns[i] ?? 0)).join(' ');
  console.log(`\n${label}:`);
  console.log(
    row([
      'page',
      'last answer',
      'API p95',
      'sent→answer p95',
      'server p95',
      'answers: kept current / behind / computed',
      'slowest call: ms (queued in the browser; server ms; n statements ms (waiting); n passes ms (waiting, on the worker); server thread busy ms)',
    ]),
  );
  const p95Of = (numbers: number[]) =>
    `${quantile(
      numbers.sort((a, b) => a - b),
      0.95,
    ).toFixed(0)} ms`;
  for (const pagePath of CONSOLE_PAGES) {
    const before = { ...answers };
    server.output.answered.length = 0;
    const run = await loadOnce(page, server.url + pagePath + search);
    const onServer = new Map(server.output.answered.map((call) => [call.url, call]));
    const kept = answers.kept - before.kept;
    const behind = answers.behind - before.behind;
    const computed = answers.all - before.all - kept - behind;
    const slowest = [...run.calls].sort((a, b) => b.ms - a.ms)[0];
    const shown = (call: PageRun['calls'][number]) => {
      const served = onServer.get(call.url);
      const tally = (what: string, { count, ms, waitMs, runMs }: WorkTally) =>
        count > 0 ? `; ${count} ${what} ${ms} (${waitMs}${what === 'passes' ? `, ${runMs}` : ''})` : '';
      const work = served?.work
        ? `${tally('statements', served.work.statements)}${tally('passes', served.work.passes)}; busy ${served.work.busyMs}`
        : '';
      return `${call.ms.toFixed(0)} ms (${call.queued.toFixed(0)}; ${served?.ms.toFixed(0) ?? '?'}${work}) ${call.url}`;
    };
    console.log(
      row([
        pagePath,
        `${run.lastAnswer.toFixed(0)} ms`,
        p95Of(run.calls.map((call) => call.ms)),
        p95Of(run.calls.map((call) => call.ms - call.queued)),
        p95Of([...onServer.values()].map((call) => call.ms)),
        `${kept} / ${behind} / ${computed}`,
        slowest ? shown(slowest) : '-',
      ]),
    );
    // Every other call over the goal: a page is as quick as its slowest answers.
    for (const call of run.calls.filter((call) => call !== slowest && call.ms > GOAL_MS))
      console.log(row([...columns.map(() => ''), shown(call)]));
  }
}

/**
 * Each page loaded afresh `--runs` times; then after 100 new events, at once and `--quiet-wait` s later; then
 * after a restart. Gives the restarted server.
 */
async function freshLoadsAndRestart(
  page: Page,
  server: Server,
  answers: Answers,
  writeKey: string,
): Promise<Server> {
  console.log(`${RUNS} fresh loads of each page\n`);
  console.log('page          first load  interactive  last answer  API p95  calls  slowest call');
  const firstLoads: Array<{ pagePath: string; calls: PageRun['calls']; kept: number }> = [];
  for (const pagePath of CONSOLE_PAGES) {
    const runs: PageRun[] = [];
    // The first load finds what the server made ahead (and computes the rest): shown apart, not counted.
    const keptBefore = answers.kept;
    const first = await loadOnce(page, server.url + pagePath);
    firstLoads.push({ pagePath, calls: first.calls, kept: answers.kept - keptBefore });
    for (let run = 0; run < RUNS; run++) runs.push(await loadOnce(page, server.url + pagePath));
    const calls = runs.flatMap((run) => run.calls).sort((a, b) => a.ms - b.ms);
    const slowest = calls.at(-1);
    console.log(
      [
        pagePath.padEnd(13),
        `${(first.lastAnswer / 1000).toFixed(1)} s`.padStart(10),
        `${medianOf(runs.map((run) => run.interactive)).toFixed(0)} ms`.padStart(11),
        `${medianOf(runs.map((run) => run.lastAnswer)).toFixed(0)} ms`.padStart(12),
        `${quantile(
          calls.map((call) => call.ms),
          0.95,
        ).toFixed(0)} ms`.padStart(8),
        String(calls.length / RUNS).padStart(6),
        ` ${slowest ? `${slowest.ms.toFixed(0)} ms ${slowest.url}` : '-'}`,
      ].join(' '),
    );
  }
  // What the first loads computed: where a large world spends its seconds.
  console.log('\nfirst loads, answers kept of all, their three slowest calls:');
  for (const { pagePath, calls, kept } of firstLoads) {
    const slowest = [...calls].sort((a, b) => b.ms - a.ms).slice(0, 3);
    console.log(
      `${pagePath.padEnd(13)} ${`${kept} of ${calls.length}`.padEnd(9)} ${slowest.map((call) => `${(call.ms / 1000).toFixed(2)} s ${call.url}`).join(' · ')}`,
    );
  }
  const tracked = await fetch(`${server.url}/v1/batch`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      batch: Array.from({ length: 100 }, (_, i) => ({
        type: 'track',
        event: 'Product Viewed',
        anonymousId: `bench-visitor-${Date.now()}-${i}`,
      })),
    }),
  });
  if (!tracked.ok) throw new Error(`tracking failed: ${await tracked.text()}`);
  await eachPageOnce(page, server, answers, '100 new events arrived: each page at once');
  await new Promise((resolve) => setTimeout(resolve, Number(values['quiet-wait']) * 1000));
  await eachPageOnce(page, server, answers, `${values['quiet-wait']} s later`);

  // A restart: the server makes the answers asked before (answers-asked.json) once the data is quiet.
  server.child.kill('SIGTERM');
  await new Promise((resolve) => server.child.on('exit', resolve));
  const restartedAt = performance.now();
  const restarted = await startServer('info');
  await answersMade(restarted, restartedAt, 'restarted: the answers asked before');
  await eachPageOnce(page, restarted, answers, 'after the restart, each page once');
  return restarted;
}

await makeWorldIfMissing();
await rm(path.join(DATA_DIR, 'answers-asked.json'), { force: true });
const serverStartedAt = performance.now();
let server = await startServer('info');
const browser = await launchChromium();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const email = `bench-${Date.now()}@agora.local`;
  const created = await fetch(`${server.url}/api/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email, role: 'admin' }),
  });
  const { password } = (await created.json()) as { password: string };
  const signedIn = await context.request.post(`${server.url}/api/session`, { data: { email, password } });
  if (!signedIn.ok()) throw new Error(`sign-in failed: ${await signedIn.text()}`);
  // Made before the loads: a change through the API makes every answer before it unfit to give as recent.
  const keyAnswer = await fetch(`${server.url}/api/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'write', name: 'bench' }),
  });
  const { key: writeKey } = (await keyAnswer.json()) as { key: string };
  const saved = await fetch(`${server.url}/api/segments/${BENCH_SEGMENT}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Bench: loyal', rules: { stage: ['loyalty', 'advocacy'] } }),
  });
  if (!saved.ok) throw new Error(`saving the bench segment failed: ${await saved.text()}`);
  await answersMade(server, serverStartedAt, 'the console’s opening views');
  const page = await context.newPage();
  const answers: Answers = { all: 0, behind: 0, kept: 0 };
  page.on('response', (response) => {
    if (!new URL(response.url()).pathname.startsWith('/api/')) return;
    answers.all++;
    if (response.headers()['x-agora-behind-seconds'] !== undefined) answers.behind++;
    else if (response.headers()['x-agora-kept-seconds'] !== undefined) answers.kept++;
  });
  console.log(`${os.cpus().length} × ${os.cpus()[0]?.model}`);
  if (!values['filters-only']) server = await freshLoadsAndRestart(page, server, answers, writeKey);
  const filter = `?from=${values['filter-from']}`;
  await eachPageOnce(page, server, answers, `each page with a filter no one asked for (${filter})`, filter);
  await eachPageOnce(
    page,
    server,
    answers,
    `each page with a segment no one asked for (?segment=${BENCH_SEGMENT})`,
    `?segment=${BENCH_SEGMENT}`,
  );

  const bundle = await bundleSizes();
  console.log(
    `\nbundle, gzipped: ${(bundle.all / 1024).toFixed(0)} kB in all, ${(bundle.firstLoad / 1024).toFixed(0)} kB loaded first`,
  );
} finally {
  await browser.close();
  server.child.kill('SIGTERM');
}
