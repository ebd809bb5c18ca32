/**
 * The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV"; Colombo & Jiang
 * 1999). A customer's transaction values are Gamma(p, ν) with ν ~ Gamma(q, γ) across customers (γ is the
 * paper's v): from a repeat customer's number of transactions x and their mean value m̄ it gives the
 * likelihood and the expected mean value of their future transactions. It assumes spend does not depend on
 * how often a customer buys; the service reports the correlation so that a user can check.
 */
import { nelderMead } from '../../platform/numeric/minimize.ts';
import { lnGamma } from '../../platform/numeric/special-functions.ts';

export interface GammaGammaParams {
  p: number;
  q: number;
  v: number;
}

/** Repeat customers: transactions counted (x ≥ 1) and their mean value (> 0). */
export interface SpendArrays {
  x: Float64Array;
  meanValue: Float64Array;
  /** ln of each mean value, if already at hand. */
  logMeanValue?: Float64Array;
}

/** ln f(m̄ | x), the density of a customer's mean transaction value. */
export function spendLogLikelihood({ p, q, v }: GammaGammaParams, x: number, m: number): number {
  return (
    lnGamma(p * x + q) -
    lnGamma(p * x) -
    lnGamma(q) +
    q * Math.log(v) +
    (p * x - 1) * Math.log(m) +
    p * x * Math.log(x) -
    (p * x + q) * Math.log(v + x * m)
  );
}

/**
 * Σ ln f over the repeat customers. The terms in x alone are computed once per distinct x and ln m̄ once per
 * customer (it does not depend on the parameters): an evaluation costs one logarithm per customer.
 */
export function gammaGammaLogLikelihood({ p, q, v }: GammaGammaParams, data: SpendArrays): number {
  const logMean = data.logMeanValue ?? data.meanValue.map(Math.log);
  const byX = new Map<number, number>();
  const lnQ = lnGamma(q) - q * Math.log(v);
  let sum = 0;
  for (let i = 0; i < data.x.length; i++) {
    const x = data.x[i]!;
    let constant = byX.get(x);
    if (constant === undefined) {
      constant = lnGamma(p * x + q) - lnGamma(p * x) - lnQ + p * x * Math.log(x);
      byX.set(x, constant);
    }
    sum += constant + (p * x - 1) * logMean[i]! - (p * x + q) * Math.log(v + x * data.meanValue[i]!);
  }
  return sum;
}

/** Above this many repeat customers, the search starts on a sample of them. */
const SAMPLE = 20_000;

export interface GammaGammaFit {
  params: GammaGammaParams;
  logLikelihood: number;
  converged: boolean;
}

export function fitGammaGamma(customers: SpendArrays): GammaGammaFit {
  if (customers.x.length === 0) throw new RangeError('Gamma-Gamma needs repeat customers');
  const data = { ...customers, logMeanValue: customers.meanValue.map(Math.log) };
  let mean = 0;
  for (const m of data.meanValue) mean += m / data.meanValue.length;
  const negative =
    (on: SpendArrays) =>
    ([p, q, v]: number[]) =>
      -gammaGammaLogLikelihood({ p: Math.exp(p!), q: Math.exp(q!), v: Math.exp(v!) }, on);
  // As for BG/NBD: the starting points are tried on an even sample, the best taken to the whole data.
  const every = Math.ceil(data.x.length / SAMPLE);
  const search =
    every > 1
      ? {
          x: data.x.filter((_, i) => i % every === 0),
          meanValue: data.meanValue.filter((_, i) => i % every === 0),
          logMeanValue: data.logMeanValue.filter((_, i) => i % every === 0),
        }
      : data;
  let best: ReturnType<typeof nelderMead> | null = null;
  for (const start of [
    [0, 0, Math.log(mean)],
    [Math.log(5), Math.log(3), Math.log(mean * 3)],
  ]) {
    let found = nelderMead(negative(search), start, { maxIterations: 4000 });
    found = nelderMead(negative(search), found.x, { maxIterations: 4000, step: 0.1 });
    if (!best || found.value < best.value) best = found;
  }
  if (search !== data)
    best = nelderMead(negative(data), best!.x, { maxIterations: 1000, step: 0.02, tolerance: 1e-9 });
  const [p, q, v] = best!.x.map(Math.exp) as [number, number, number];
  return { params: { p, q, v }, logLikelihood: -best!.value, converged: best!.converged };
}

/** E[M | p, q, v, m̄, x]: the mean value to expect of a customer's future transactions. */
export function expectedMeanValue({ p, q, v }: GammaGammaParams, x: number, m: number): number {
  return (p * (v + x * m)) / (p * x + q - 1);
}
