/**
 * The console's calls under a filter no one asked for, in the server's own process: each page's API calls
 * with a date range and with a saved segment, answered by the application as `agora serve` builds it (held
 * reads included) but with no answer kept, so that every run computes its answer. The first run of all reads
 * what the server holds (shown apart); then each call's median of `--runs`, and the median time a page
 * waits for its calls all asked at once, as the browser asks them. Issue 10 asks ≤ 300 ms p95 per call; the
 * network and the browser add a few milliseconds (bench/console.bench.ts measures those).
 *
 *   npx agora demo --customers 500000 --no-serve --data-dir /tmp/big
 *   npm run bench:filters -- --data-dir /tmp/big
 *   npm run bench:filters -- --data-dir /tmp/big --only economics     the calls whose address holds it
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { closeDeps, createDeps } from '../src/deps.ts';
import { createLocalToken } from '../src/platform/http/server-file.ts';
import { median } from './timing.ts';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    runs: { type: 'string', default: '5' },
    from: { type: 'string', default: '2026-01-01' },
    /** Only the calls whose address holds this text. */
    only: { type: 'string', default: '' },
  },
});
const RUNS = Number(values.runs);
const SEGMENT = 'bench-loyal';

/** The Funnel & journeys page's calls, the same under either filter. */
const FUNNEL = [
  '/api/lifecycle?breakdown=firstChannel&',
  '/api/journeys/paths?start=Product+Viewed&depth=4&minCustomers=5&',
  '/api/journeys/cohorts?months=6&',
  '/api/journeys/path-to-purchase?',
  '/api/journeys/micro-moments?',
];

/**
 * What each of the console's pages asks for with a filter (web/src/pages), the filter's part last: a date
 * range reaches the calls that take `from`, a saved segment those that take `savedSegment`.
 */
const PAGES: Record<string, { dates: string[]; segment: string[] }> = {
  Overview: {
    dates: ['/api/lifecycle?', '/api/lifecycle/trend?interval=month&'],
    segment: [
      '/api/lifecycle?',
      '/api/behaviors?',
      '/api/value/clv?',
      '/api/lifecycle/trend?interval=month&',
    ],
  },
  'Funnel & journeys': {
    dates: FUNNEL,
    segment: FUNNEL,
  },
  Touchpoints: {
    dates: ['/api/attribution?by=channel&occurrence=first&', '/api/attribution/stages?by=channel&'],
    segment: [],
  },
  Value: {
    dates: ['/api/value/economics?'],
    segment: ['/api/value/clv?', '/api/value/distribution?'],
  },
  Personas: { dates: [], segment: ['/api/personas/stages?', '/api/behaviors?'] },
};

const config = loadConfig(process.env, { dataDir: values['data-dir'], logLevel: 'warn' });
const deps = await createDeps(config);
const localToken = createLocalToken();
const app = await buildApp(deps, { localToken, answers: { maxEntries: 0 } });
const ask = async (method: 'GET' | 'PUT', url: string, payload?: object) => {
  const response = await app.inject({
    method,
    url,
    payload,
    headers: { authorization: `Bearer ${localToken}` },
  });
  if (response.statusCode >= 400)
    throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
  return response;
};
try {
  const [{ customers }] = (await deps.db.query('SELECT count(*) AS customers FROM customer_lifecycle')) as [
    { customers: number },
  ];
  console.log(
    `${config.engine}, ${Number(customers).toLocaleString('en-US')} customers; ${os.cpus().length} × ${os.cpus()[0]?.model}; median of ${RUNS}\n`,
  );
  await ask('PUT', `/api/segments/${SEGMENT}`, {
    name: 'Bench: loyal',
    rules: { stage: ['loyalty', 'advocacy'] },
  });
  for (const [filter, part] of [
    [`from=${values.from}`, 'dates'],
    [`savedSegment=${SEGMENT}`, 'segment'],
  ] as const) {
    console.log(`${filter}:`);
    for (const [page, calls] of Object.entries(PAGES)) {
      const urls = calls[part].map((call) => call + filter).filter((url) => url.includes(values.only!));
      if (urls.length === 0) continue;
      for (const url of urls) {
        const started = performance.now();
        await ask('GET', url);
        const first = performance.now() - started;
        const ms = await median(() => ask('GET', url), RUNS);
        console.log(`${`${ms.toFixed(0)} ms`.padStart(8)}  (first ${(first / 1000).toFixed(1)} s)  ${url}`);
      }
      // As the browser asks: every call at once, the page waiting for the last.
      const ms = await median(() => Promise.all(urls.map((url) => ask('GET', url))), RUNS);
      console.log(`${`${ms.toFixed(0)} ms`.padStart(8)}  ${page}: its ${urls.length} calls at once\n`);
    }
  }
} finally {
  await app.close();
  await closeDeps(deps);
}
