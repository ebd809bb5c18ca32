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

export function gammaGammaLogLikelihood(params: GammaGammaParams, data: SpendArrays): number {
  let sum = 0;
  for (let i = 0; i < data.x.length; i++) sum += spendLogLikelihood(params, data.x[i]!, data.meanValue[i]!);
  return sum;
}

export interface GammaGammaFit {
  params: GammaGammaParams;
  logLikelihood: number;
  converged: boolean;
}

export function fitGammaGamma(data: SpendArrays): GammaGammaFit {
  if (data.x.length === 0) throw new RangeError('Gamma-Gamma needs repeat customers');
  let mean = 0;
  for (const m of data.meanValue) mean += m / data.meanValue.length;
  const negative = ([p, q, v]: number[]) =>
    -gammaGammaLogLikelihood({ p: Math.exp(p!), q: Math.exp(q!), v: Math.exp(v!) }, data);
  let best: ReturnType<typeof nelderMead> | null = null;
  for (const start of [
    [0, 0, Math.log(mean)],
    [Math.log(5), Math.log(3), Math.log(mean * 3)],
  ]) {
    let found = nelderMead(negative, start, { maxIterations: 4000 });
    found = nelderMead(negative, found.x, { maxIterations: 4000, step: 0.1 });
    if (!best || found.value < best.value) best = found;
  }
  const [p, q, v] = best!.x.map(Math.exp) as [number, number, number];
  return { params: { p, q, v }, logLikelihood: -best!.value, converged: best!.converged };
}

/** E[M | p, q, v, m̄, x]: the mean value to expect of a customer's future transactions. */
export function expectedMeanValue({ p, q, v }: GammaGammaParams, x: number, m: number): number {
  return (p * (v + x * m)) / (p * x + q - 1);
}
