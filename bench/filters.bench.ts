/**
 * The console's calls under a filter no one asked for, in the server's own process: each page's API calls
 * with a date range and with a saved segment, answered by the application as `agora serve` builds it (held
 * reads included) but with no answer kept, so that every run computes its answer. The first run of all reads
 * what the server holds (shown apart); then each call's median of `--runs`. Issue 10 asks ≤ 300 ms p95 per
 * call; the network and the browser add a few milliseconds (bench/console.bench.ts measures those).
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

/** What the console's pages ask for with a filter (web/src/pages), the filter's part last. */
const FILTERED = (filter: string, dates: boolean) => [
  `/api/lifecycle?${filter}`,
  `/api/lifecycle/trend?interval=month&${filter}`,
  `/api/lifecycle?breakdown=firstChannel&${filter}`,
  `/api/journeys/paths?start=Product+Viewed&depth=4&minCustomers=5&${filter}`,
  `/api/journeys/cohorts?months=6&${filter}`,
  `/api/journeys/path-to-purchase?${filter}`,
  `/api/journeys/micro-moments?${filter}`,
  ...(dates
    ? [
        `/api/attribution?by=channel&occurrence=first&${filter}`,
        `/api/attribution/stages?by=channel&${filter}`,
        `/api/value/economics?${filter}`,
      ]
    : [
        `/api/behaviors?${filter}`,
        `/api/value/clv?${filter}`,
        `/api/value/distribution?${filter}`,
        `/api/personas/stages?${filter}`,
      ]),
];

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
  for (const [filter, dates] of [
    [`from=${values.from}`, true],
    [`savedSegment=${SEGMENT}`, false],
  ] as const) {
    console.log(`${filter}:`);
    for (const url of FILTERED(filter, dates).filter((url) => url.includes(values.only!))) {
      const started = performance.now();
      await ask('GET', url);
      const first = performance.now() - started;
      const ms = await median(() => ask('GET', url), RUNS);
      console.log(`${`${ms.toFixed(0)} ms`.padStart(8)}  (first ${(first / 1000).toFixed(1)} s)  ${url}`);
    }
  }
} finally {
  await app.close();
  await closeDeps(deps);
}
