/**
 * Customer value on DuckDB (issue 7): fit BG/NBD and Gamma-Gamma and predict for 1,000,000 customers, from
 * their orders (summaries read from the engine in one query, the likelihoods over typed arrays). The orders
 * are drawn from the models themselves (r 0.6, α 30 days, a 0.8, b 3; spend Gamma(6, ν), ν ~ Gamma(4, 1/200))
 * and appended straight into a fresh database: this measures the models, not ingestion.
 *
 *   npm run bench:value                      1,000,000 customers
 *   npm run bench:value -- --customers 100000
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createRandom } from '../src/modules/demo-world/random.ts';
import { createLifecycleService } from '../src/modules/lifecycle/index.ts';
import { conditionalExpectedPurchases, probabilityAlive } from '../src/modules/value/bgnbd.model.ts';
import { expectedMeanValue } from '../src/modules/value/gamma-gamma.model.ts';
import { queryPurchaseSummary } from '../src/modules/value/purchase-summary.query.ts';
import { ValuationQuerySchema } from '../src/modules/value/value.schema.ts';
import { createValueService, fitSummaries } from '../src/modules/value/value.service.ts';
import { systemClock } from '../src/platform/clock.ts';
import { openDuckDB } from '../src/platform/db/duckdb/duckdb-database.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { silentLogger } from '../src/platform/log.ts';

const { values } = parseArgs({ options: { customers: { type: 'string', default: '1000000' } } });
const CUSTOMERS = Number(values.customers);
const DAY = 86_400_000;
const START = Date.parse('2025-01-01T00:00:00Z');
const DAYS = 365;

function* orders(): Generator<unknown[]> {
  const random = createRandom('bench/value');
  let number = 0;
  for (let c = 1; c <= CUSTOMERS; c++) {
    const lambda = random.gamma(0.6, 1 / 30);
    const p = random.beta(0.8, 3);
    const nu = random.gamma(4, 1 / 200);
    const row = (day: number) => {
      const at = new Date(START + day * DAY);
      const total = Math.round(random.gamma(6, 1 / nu) * 100) / 100;
      return [1, c, `O-${++number}`, at, 'completed', 'USD', total, 0, '{}', at];
    };
    const first = random.int(DAYS - 30);
    yield row(first);
    for (let day = first + random.exponential(lambda); day < DAYS; day += random.exponential(lambda)) {
      yield row(Math.floor(day));
      if (random.chance(p)) break;
    }
  }
}

const directory = await mkdtemp(path.join(os.tmpdir(), 'agora-bench-value-'));
const db = await openDuckDB(path.join(directory, 'agora.duckdb'));
try {
  await migrate(db);
  const loading = performance.now();
  const columns = [
    'workspace_id',
    'customer_id',
    'order_id',
    'ordered_at',
    'status',
    'currency',
    'total',
    'discount',
    'properties',
    'created_at',
  ];
  const appended = await db.append('orders', columns, orders());
  process.stdout.write(
    `${CUSTOMERS.toLocaleString('en-US')} customers, ${appended.toLocaleString('en-US')} orders, written in ` +
      `${((performance.now() - loading) / 1000).toFixed(1)} s\n`,
  );
  const calibrationEnd = new Date(START + DAYS * DAY);
  const started = performance.now();
  const rows = await queryPurchaseSummary(db, 1, { calibrationEnd, unitDays: 7 });
  const read = performance.now();
  const fit = fitSummaries(rows, calibrationEnd, 'week');
  const fitted = performance.now();
  // Predictions for every customer: P(alive), purchases in the next 52 weeks, expected mean value.
  let expectedPurchases = 0;
  let alive = 0;
  let value = 0;
  for (const row of rows) {
    alive += probabilityAlive(fit.bgnbd, row.x, row.tx, row.T);
    const next = conditionalExpectedPurchases(fit.bgnbd, 52, row.x, row.tx, row.T);
    expectedPurchases += next;
    if (row.x > 0 && row.repeat_value !== null)
      value += next * expectedMeanValue(fit.gammaGamma, row.x, row.repeat_value);
  }
  const predicted = performance.now();
  const seconds = (from: number, to: number) => `${((to - from) / 1000).toFixed(2)} s`;
  const { r, alpha, a, b } = fit.bgnbd;
  process.stdout.write(
    `summaries read: ${seconds(started, read)}; fitted: ${seconds(read, fitted)}; predicted: ${seconds(fitted, predicted)}; ` +
      `total ${seconds(started, predicted)} (target ≤ 10 s)\n` +
      `BG/NBD r ${r.toFixed(3)} α ${alpha.toFixed(3)} (weeks; 30 days = ${(30 / 7).toFixed(3)}) a ${a.toFixed(3)} b ${b.toFixed(3)}; ` +
      `Gamma-Gamma p ${fit.gammaGamma.p.toFixed(3)} q ${fit.gammaGamma.q.toFixed(3)} v ${fit.gammaGamma.v.toFixed(3)}\n` +
      `mean P(alive) ${(alive / rows.length).toFixed(3)}, purchases expected next year ${Math.round(expectedPurchases).toLocaleString('en-US')}, ` +
      `their value from repeat customers ${Math.round(value).toLocaleString('en-US')}\n` +
      `${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version}\n`,
  );
  // The whole valuation as `agora value valuate` runs it: the fit on every order, each customer's CLV month
  // by month, RFM scores, and a row per customer stored.
  const lifecycle = createLifecycleService({ db, clock: systemClock, log: silentLogger });
  const valuing = performance.now();
  const valuation = await createValueService({ db, lifecycle }).valuate(1, ValuationQuerySchema.parse({}));
  process.stdout.write(
    `valuation stored (agora value valuate): ${valuation.customers.toLocaleString('en-US')} customers in ${seconds(valuing, performance.now())}\n`,
  );
} finally {
  await db.close();
  await rm(directory, { recursive: true, force: true });
}
