/**
 * Customer lifetime value over a horizon: month by month, the purchases BG/NBD expects of the customer in
 * that month (the difference of E[Y(t) | x, t_x, T] at its end and start) times the mean value Gamma-Gamma
 * expects of them, discounted to today at a monthly rate. One-time buyers take the population's mean value
 * (Gamma-Gamma's E[M] with no transaction seen: p v / (q − 1)).
 */
import { type BgNbdParams, conditionalExpectedPurchases } from './bgnbd.model.ts';
import { expectedMeanValue, type GammaGammaParams } from './gamma-gamma.model.ts';
import type { CustomerSummary } from './purchase-summary.query.ts';

/** Days in a month of the horizon. */
export const MONTH_DAYS = 30;

export interface ClvOptions {
  months: number;
  /** Per month, e.g. 0.01. */
  discountRate: number;
  /** Days per time unit of the fitted model: 1 or 7. */
  unitDays: number;
}

export function customerLifetimeValue(
  bgnbd: BgNbdParams,
  gammaGamma: GammaGammaParams,
  row: CustomerSummary,
  options: ClvOptions,
): number {
  return discountedPurchases(bgnbd, row, options) * expectedOrderValue(gammaGamma, row);
}

/**
 * The purchases BG/NBD expects of a customer month by month over the horizon, each discounted to today: the
 * customer's lifetime value per unit of order value. It depends on (x, t_x, T) alone, which many customers
 * share, so valuing everyone computes it once per history (see lifetimeValues).
 */
export function discountedPurchases(
  bgnbd: BgNbdParams,
  row: Pick<CustomerSummary, 'x' | 'tx' | 'T'>,
  { months, discountRate, unitDays }: ClvOptions,
): number {
  let discounted = 0;
  let before = 0;
  for (let month = 1; month <= months; month++) {
    const t = (month * MONTH_DAYS) / unitDays;
    const upTo = conditionalExpectedPurchases(bgnbd, t, row.x, row.tx, row.T);
    discounted += (upTo - before) / (1 + discountRate) ** month;
    before = upTo;
  }
  return discounted;
}

/** Every customer's lifetime value, each distinct purchase history's curve computed once. */
export function lifetimeValues(
  bgnbd: BgNbdParams,
  gammaGamma: GammaGammaParams,
  rows: readonly CustomerSummary[],
  options: ClvOptions,
): number[] {
  const curves = new Map<string, number>();
  return rows.map((row) => {
    const key = `${row.x}|${row.tx}|${row.T}`;
    let curve = curves.get(key);
    if (curve === undefined) {
      curve = discountedPurchases(bgnbd, row, options);
      curves.set(key, curve);
    }
    return curve * expectedOrderValue(gammaGamma, row);
  });
}

/** The mean order value Gamma-Gamma expects of the customer: from their repeat purchases, or the population's. */
export const expectedOrderValue = (gammaGamma: GammaGammaParams, row: CustomerSummary) =>
  row.x > 0 && row.repeat_value !== null && row.repeat_value > 0
    ? expectedMeanValue(gammaGamma, row.x, row.repeat_value)
    : populationMeanValue(gammaGamma);

/** E[M] for a customer whose spend is not known: the mean of ν's Gamma(q, v) times p. */
export const populationMeanValue = ({ p, q, v }: GammaGammaParams) =>
  q > 1 ? (p * v) / (q - 1) : Number.NaN;
