import { describe, expect, it } from 'vitest';
import { conditionalExpectedPurchases } from './bgnbd.model.ts';
import { customerLifetimeValue, populationMeanValue } from './compute-clv.ts';
import { expectedMeanValue } from './gamma-gamma.model.ts';

const BGNBD = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const SPEND = { p: 6.25, q: 3.74, v: 15.44 };
const customer = {
  customer_id: 1,
  x: 2,
  tx: 30.43,
  T: 38.86,
  repeat_value: 20.5,
  non_positive: 0,
  holdout: 0,
  total_value: 61.5,
};

describe('customer lifetime value', () => {
  it('is the purchases expected over the horizon times the value expected of each, when not discounted', () => {
    // Month by month the expected purchases add up to E[Y(360 days)]; in weeks, t = 360 / 7.
    const clv = customerLifetimeValue(BGNBD, SPEND, customer, { months: 12, discountRate: 0, unitDays: 7 });
    const purchases = conditionalExpectedPurchases(BGNBD, 360 / 7, 2, 30.43, 38.86);
    expect(clv).toBeCloseTo(purchases * expectedMeanValue(SPEND, 2, 20.5), 9);
  });

  it('discounts each month’s purchases to today', () => {
    const month = (m: number) =>
      conditionalExpectedPurchases(BGNBD, (30 * m) / 7, 2, 30.43, 38.86) -
      conditionalExpectedPurchases(BGNBD, (30 * (m - 1)) / 7, 2, 30.43, 38.86);
    const value = expectedMeanValue(SPEND, 2, 20.5);
    const clv = customerLifetimeValue(BGNBD, SPEND, customer, { months: 2, discountRate: 0.05, unitDays: 7 });
    expect(clv).toBeCloseTo((month(1) * value) / 1.05 + (month(2) * value) / 1.05 ** 2, 9);
  });

  it('values a one-time buyer’s purchases at the population’s mean, p v / (q − 1)', () => {
    const once = { ...customer, x: 0, tx: 0, repeat_value: null };
    const clv = customerLifetimeValue(BGNBD, SPEND, once, { months: 12, discountRate: 0, unitDays: 7 });
    expect(populationMeanValue(SPEND)).toBeCloseTo((6.25 * 15.44) / 2.74, 12);
    expect(clv).toBeCloseTo(
      conditionalExpectedPurchases(BGNBD, 360 / 7, 0, 0, 38.86) * populationMeanValue(SPEND),
      9,
    );
  });
});
