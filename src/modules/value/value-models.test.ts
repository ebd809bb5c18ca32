import { describe, expect, it } from 'vitest';
import { createRandom } from '../demo-world/random.ts';
import {
  type BgNbdParams,
  conditionalExpectedPurchases,
  customerLogLikelihood,
  expectedPurchases,
  fitBgNbd,
  logLikelihood,
  probabilityAlive,
  type RfmArrays,
} from './bgnbd.model.ts';
import {
  expectedMeanValue,
  fitGammaGamma,
  type GammaGammaParams,
  spendLogLikelihood,
} from './gamma-gamma.model.ts';

// The CDNOW estimates of Fader, Hardie & Lee (2005), used as a setting to check arithmetic against.
const CDNOW: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

/** Checked against the paper's equation 6 as written (a sum, not in log space), in 30-digit arithmetic (mpmath). */
const CUSTOMERS: Array<[x: number, tx: number, T: number, ll: number, alive: number, next39: number]> = [
  [0, 0, 38.86, -0.5547132764381585, 1, 0.19509805201126265],
  [2, 30.43, 38.86, -9.45860630706627, 0.726578570080673, 1.2260281747671444],
  [1, 1.71, 38.86, -4.469093275032589, 0.2121009853773791, 0.20318698707975405],
  [7, 29.43, 38.86, -21.86327627146352, 0.6417563459461072, 3.3370532748514163],
];

const arrays = (rows: Array<[number, number, number]>): RfmArrays => ({
  x: Float64Array.from(rows, (row) => row[0]),
  tx: Float64Array.from(rows, (row) => row[1]),
  T: Float64Array.from(rows, (row) => row[2]),
  count: new Float64Array(rows.length).fill(1),
});

describe('BG/NBD', () => {
  it('gives each customer’s log-likelihood, P(alive) and expected purchases as computed by hand', () => {
    for (const [x, tx, T, ll, alive, next39] of CUSTOMERS) {
      expect(customerLogLikelihood(CDNOW, x, tx, T), `ll ${x}`).toBeCloseTo(ll, 11);
      expect(probabilityAlive(CDNOW, x, tx, T), `alive ${x}`).toBeCloseTo(alive, 12);
      expect(conditionalExpectedPurchases(CDNOW, 39, x, tx, T), `next ${x}`).toBeCloseTo(next39, 10);
    }
    expect(logLikelihood(CDNOW, arrays(CUSTOMERS.map(([x, tx, T]) => [x, tx, T])))).toBeCloseTo(
      -36.34568913000054,
      10,
    );
    expect(expectedPurchases(CDNOW, 39)).toBeCloseTo(1.196723193320817, 10);
  });

  /** Customers drawn from the model itself over a calibration period of `T`. */
  function simulate(params: BgNbdParams, customers: number, T: number, seed: number): RfmArrays {
    const random = createRandom(seed);
    const rows: Array<[number, number, number]> = [];
    for (let i = 0; i < customers; i++) {
      const lambda = random.gamma(params.r, 1 / params.alpha);
      const p = random.beta(params.a, params.b);
      let t = 0;
      let x = 0;
      let tx = 0;
      // Alive from the first purchase; after each later one, leaves with probability p.
      for (;;) {
        t += random.exponential(lambda);
        if (t > T) break;
        x += 1;
        tx = t;
        if (random.chance(p)) break;
      }
      rows.push([x, tx, T]);
    }
    return arrays(rows);
  }

  const settings: Array<[string, BgNbdParams, number]> = [
    ['CDNOW-like', CDNOW, 39],
    ['frequent buyers who rarely leave', { r: 2, alpha: 10, a: 0.5, b: 6 }, 52],
  ];
  for (const [name, truth, T] of settings)
    it(`recovers the parameters of ${name} customers (20,000 simulated) within 15 %`, () => {
      const fit = fitBgNbd(simulate(truth, 20_000, T, 7));
      for (const key of ['r', 'alpha', 'a', 'b'] as const)
        expect(Math.abs(fit.params[key] / truth[key] - 1), `${key}: ${fit.params[key]}`).toBeLessThan(0.15);
      // The fit is a maximum: the truth is no more likely.
      expect(fit.logLikelihood).toBeGreaterThanOrEqual(logLikelihood(truth, simulate(truth, 20_000, T, 7)));
    });
});

describe('Gamma-Gamma', () => {
  const CDNOW_SPEND: GammaGammaParams = { p: 6.25, q: 3.74, v: 15.44 };

  it('gives the log-likelihood and expected mean value as computed by hand', () => {
    expect(spendLogLikelihood(CDNOW_SPEND, 2, 20.5)).toBeCloseTo(-3.5137411599061803, 11);
    expect(spendLogLikelihood(CDNOW_SPEND, 5, 35)).toBeCloseTo(-4.037145644542315, 11);
    expect(expectedMeanValue(CDNOW_SPEND, 2, 20.5)).toBeCloseTo(23.146325459317584, 11);
    expect(expectedMeanValue(CDNOW_SPEND, 5, 35)).toBeCloseTo(35.01765225066196, 11);
  });

  it('recovers p, q and v from 20,000 simulated repeat customers within 15 %', () => {
    const random = createRandom(11);
    const n = 20_000;
    const x = new Float64Array(n);
    const meanValue = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const nu = random.gamma(CDNOW_SPEND.q, 1 / CDNOW_SPEND.v);
      x[i] = 1 + random.int(8);
      let total = 0;
      for (let k = 0; k < x[i]!; k++) total += random.gamma(CDNOW_SPEND.p, 1 / nu);
      meanValue[i] = total / x[i]!;
    }
    const fit = fitGammaGamma({ x, meanValue });
    for (const key of ['p', 'q', 'v'] as const)
      expect(Math.abs(fit.params[key] / CDNOW_SPEND[key] - 1), `${key}: ${fit.params[key]}`).toBeLessThan(
        0.15,
      );
  });
});
