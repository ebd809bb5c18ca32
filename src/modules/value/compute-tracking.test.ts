import { describe, expect, it } from 'vitest';
import { expectedPurchases } from './bgnbd.model.ts';
import { trackCumulative } from './compute-tracking.ts';

const PARAMS = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

describe('tracking cumulative repeat purchases', () => {
  it('adds up the purchases made, and E[X(t)] of every customer since their first purchase', () => {
    // Two customers first bought on day 0, one on day 7; repeat purchases: one in week 1, three in week 3.
    const tracking = trackCumulative(
      PARAMS,
      [
        { day_number: 0, customers: 2 },
        { day_number: 7, customers: 1 },
      ],
      [
        { week: 0, purchases: 1 },
        { week: 2, purchases: 3 },
        { week: 9, purchases: 5 },
      ],
      3,
      7,
    );
    const x = (weeks: number) => expectedPurchases(PARAMS, weeks);
    expect(tracking.map((week) => [week.week, week.actual])).toEqual([
      [1, 1],
      [2, 1],
      [3, 4],
    ]);
    expect(tracking[0]!.predicted).toBeCloseTo(2 * x(1), 12);
    expect(tracking[1]!.predicted).toBeCloseTo(2 * x(2) + x(1), 12);
    expect(tracking[2]!.predicted).toBeCloseTo(2 * x(3) + x(2), 12);
  });
});
