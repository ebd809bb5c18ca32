/**
 * The BG/NBD model of repeat buying (Fader, Hardie & Lee 2005, "Counting your customers the easy way").
 * While alive, a customer buys as a Poisson process with rate λ ~ Gamma(r, α); after each purchase they
 * leave for good with probability p ~ Beta(a, b). From a customer's repeat purchases x, the time of the last
 * t_x and the length of their calibration period T (all from their first purchase, in the chosen time unit),
 * it gives the likelihood, the chance the customer is still alive, and the purchases to expect.
 */
import { nelderMead } from '../../platform/numeric/minimize.ts';
import { hypergeometric2F1, lnBeta, lnGamma } from '../../platform/numeric/special-functions.ts';

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/**
 * Customers as typed arrays: repeat purchases (a whole number), time of the last, calibration length;
 * `count` customers alike.
 */
export interface RfmArrays {
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  count: Float64Array;
}

/** ln L of one customer, the paper's equation 6 in log space (the two terms joined by log-sum-exp). */
export function customerLogLikelihood(
  { r, alpha, a, b }: BgNbdParams,
  x: number,
  tx: number,
  T: number,
): number {
  const a1 = lnGamma(r + x) - lnGamma(r) + r * Math.log(alpha);
  const a2 = lnBeta(a, b + x) - lnBeta(a, b);
  const a3 = -(r + x) * Math.log(alpha + T);
  if (x === 0) return a1 + a2 + a3;
  const a4 = Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx);
  const top = Math.max(a3, a4);
  return a1 + a2 + top + Math.log(Math.exp(a3 - top) + Math.exp(a4 - top));
}

/**
 * Σ count × ln L over the customers. The terms that depend on x alone are built once per call for x = 0, 1, …
 * by their recurrences (ln Γ(r+x) − ln Γ(r) = Σ ln(r+k), and likewise for the beta functions), so that a
 * customer costs a few logarithms: the fit evaluates this thousands of times over every customer.
 */
export function logLikelihood({ r, alpha, a, b }: BgNbdParams, data: RfmArrays): number {
  let maxX = 0;
  for (const x of data.x) if (x > maxX) maxX = x;
  // byX[x] = ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x) − ln B(a, b)
  const byX = new Float64Array(maxX + 1);
  byX[0] = r * Math.log(alpha);
  for (let k = 0; k < maxX; k++)
    byX[k + 1] = byX[k]! + Math.log(r + k) + Math.log(b + k) - Math.log(a + b + k);
  const lnA = Math.log(a);
  let sum = 0;
  for (let i = 0; i < data.x.length; i++) {
    const x = data.x[i]!;
    const a3 = -(r + x) * Math.log(alpha + data.T[i]!);
    let ll = byX[x]! + a3;
    if (x > 0) {
      // ln(e^a3 + e^a4) = max + ln(1 + e^−|a3−a4|): one exponential, one logarithm.
      const a4 = lnA - Math.log(b + x - 1) - (r + x) * Math.log(alpha + data.tx[i]!);
      ll = byX[x]! + Math.max(a3, a4) + Math.log1p(Math.exp(-Math.abs(a3 - a4)));
    }
    sum += data.count[i]! * ll;
  }
  return sum;
}

export interface BgNbdFit {
  params: BgNbdParams;
  logLikelihood: number;
  converged: boolean;
}

/** Customers with the same (x, t_x, T) counted once: real histories, in days or weeks, repeat a lot. */
function compress(data: RfmArrays): RfmArrays {
  const index = new Map<number, Map<number, Map<number, number>>>();
  const x: number[] = [];
  const tx: number[] = [];
  const T: number[] = [];
  const count: number[] = [];
  for (let i = 0; i < data.x.length; i++) {
    const byTx = index.get(data.x[i]!) ?? new Map<number, Map<number, number>>();
    index.set(data.x[i]!, byTx);
    const byT = byTx.get(data.tx[i]!) ?? new Map<number, number>();
    byTx.set(data.tx[i]!, byT);
    const at = byT.get(data.T[i]!);
    if (at !== undefined) count[at]! += data.count[i]!;
    else {
      byT.set(data.T[i]!, x.length);
      x.push(data.x[i]!);
      tx.push(data.tx[i]!);
      T.push(data.T[i]!);
      count.push(data.count[i]!);
    }
  }
  // In a fixed order, whatever order the customers came in: the sample the search starts on, and so the fit,
  // do not depend on how the database returned the rows.
  const order = x.map((_, i) => i).sort((i, j) => x[i]! - x[j]! || tx[i]! - tx[j]! || T[i]! - T[j]!);
  const pick = (values: number[]) => Float64Array.from(order, (i) => values[i]!);
  return { x: pick(x), tx: pick(tx), T: pick(T), count: pick(count) };
}

/** Above this many distinct histories, the search starts on a sample of them (see fitBgNbd). */
const SAMPLE = 20_000;

/**
 * Maximum likelihood over the log of the four parameters (all positive), by Nelder–Mead from a few starting
 * points, the best kept: α near the mean calibration length over mean purchases, the shapes near 1. With many
 * customers the starting points are tried on an even sample of the histories, and only the best is taken to
 * the whole data: the likelihood's maximum moves little between them, and each evaluation on the whole costs
 * as much as fifty on the sample.
 */
export function fitBgNbd(customers: RfmArrays): BgNbdFit {
  const data = compress(customers);
  let people = 0;
  let purchases = 0;
  let length = 0;
  for (let i = 0; i < data.x.length; i++) {
    people += data.count[i]!;
    purchases += data.count[i]! * data.x[i]!;
    length += data.count[i]! * data.T[i]!;
  }
  if (people === 0) throw new RangeError('BG/NBD cannot be fitted to no customers');
  const alpha0 = Math.max(length / Math.max(purchases, 1), 1e-3);
  const starts = [
    [0, Math.log(alpha0), 0, 0],
    [Math.log(0.25), Math.log(alpha0), Math.log(0.8), Math.log(2.5)],
    [Math.log(2), Math.log(alpha0 * 2), Math.log(2), Math.log(5)],
  ];
  const search = data.x.length > SAMPLE ? sample(data, SAMPLE) : data;
  const negative = (on: RfmArrays) => (logs: number[]) => -logLikelihood(fromLogs(logs), on);
  let best: ReturnType<typeof nelderMead> | null = null;
  for (const start of starts) {
    let found = nelderMead(negative(search), start, { maxIterations: 4000 });
    // Restarting from where it stopped gets Nelder–Mead out of a collapsed simplex.
    found = nelderMead(negative(search), found.x, { maxIterations: 4000, step: 0.1 });
    if (!best || found.value < best.value) best = found;
  }
  if (search !== data)
    best = nelderMead(negative(data), best!.x, { maxIterations: 1000, step: 0.02, tolerance: 1e-9 });
  if (!best || !Number.isFinite(best.value))
    throw new RangeError('BG/NBD cannot be fitted to these customers');
  return { params: fromLogs(best.x), logLikelihood: -best.value, converged: best.converged };
}

/** Every k-th history, so that about `size` remain. */
function sample(data: RfmArrays, size: number): RfmArrays {
  const every = Math.ceil(data.x.length / size);
  const pick = (values: Float64Array) => values.filter((_, i) => i % every === 0);
  return { x: pick(data.x), tx: pick(data.tx), T: pick(data.T), count: pick(data.count) };
}

const fromLogs = ([r, alpha, a, b]: number[]): BgNbdParams => ({
  r: Math.exp(r!),
  alpha: Math.exp(alpha!),
  a: Math.exp(a!),
  b: Math.exp(b!),
});

/** P(alive | x, t_x, T): equation (in the paper's appendix) 1 / (1 + δ(x>0) a/(b+x−1) ((α+T)/(α+t_x))^(r+x)). */
export function probabilityAlive({ r, alpha, a, b }: BgNbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  const logRatio = Math.log(a / (b + x - 1)) + (r + x) * Math.log((alpha + T) / (alpha + tx));
  return 1 / (1 + Math.exp(logRatio));
}

/** E[X(t)]: purchases a new customer is expected to make in t (equation 7). */
export function expectedPurchases({ r, alpha, a, b }: BgNbdParams, t: number): number {
  const z = t / (alpha + t);
  return ((a + b - 1) / (a - 1)) * (1 - (alpha / (alpha + t)) ** r * hypergeometric2F1(r, b, a + b - 1, z));
}

/** E[Y(t) | x, t_x, T]: purchases a customer is expected to make in the next t (equation 10). */
export function conditionalExpectedPurchases(
  { r, alpha, a, b }: BgNbdParams,
  t: number,
  x: number,
  tx: number,
  T: number,
): number {
  const z = t / (alpha + T + t);
  const first = (a + b + x - 1) / (a - 1);
  const second =
    1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hypergeometric2F1(r + x, b + x, a + b + x - 1, z);
  const third = x > 0 ? 1 + (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x) : 1;
  return (first * second) / third;
}
