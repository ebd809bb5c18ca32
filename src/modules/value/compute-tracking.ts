/**
 * Cumulative repeat purchases week by week, made and predicted: the paper's tracking plot. A customer who
 * first bought at day d is expected to have made E[X(t)] repeat purchases t after it (BG/NBD's equation 7);
 * the prediction at the end of a week sums that over every customer. Made and predicted diverging after the
 * calibration end is what a fit that does not hold looks like.
 */
import { type BgNbdParams, expectedPurchases } from './bgnbd.model.ts';

export interface TrackingWeek {
  /** Weeks from the first order (week 1 ends 7 days after it). */
  week: number;
  actual: number;
  predicted: number;
}

export function trackCumulative(
  params: BgNbdParams,
  firsts: Array<{ day_number: number; customers: number }>,
  repeats: Array<{ week: number; purchases: number }>,
  weeks: number,
  unitDays: number,
): TrackingWeek[] {
  const made = new Float64Array(weeks);
  for (const { week, purchases } of repeats) if (week >= 0 && week < weeks) made[week]! += purchases;
  const tracking: TrackingWeek[] = [];
  let actual = 0;
  for (let week = 0; week < weeks; week++) {
    actual += made[week]!;
    const end = (week + 1) * 7;
    let predicted = 0;
    for (const { day_number, customers } of firsts)
      if (day_number < end) predicted += customers * expectedPurchases(params, (end - day_number) / unitDays);
    tracking.push({ week: week + 1, actual, predicted });
  }
  return tracking;
}
