import { describe, expect, it } from 'vitest';
import { probabilityAlive } from './bgnbd.model.ts';
import { assessRisk } from './compute-risk.ts';
import type { CustomerSummary } from './purchase-summary.query.ts';

const PARAMS = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const row = (id: number, x: number, tx: number, T: number, spent: number): CustomerSummary => ({
  customer_id: id,
  x,
  tx,
  T,
  repeat_value: x > 0 ? spent / (x + 1) : null,
  non_positive: 0,
  holdout: 0,
  total_value: spent,
});

describe('closing the back door and winning back', () => {
  // In weeks. 1: three repeat purchases by week 10, none since (week 20). 2: bought in the last 30 days.
  // 3: never bought again. 4: five quick purchases, then a year of silence. 5: like 1, spent less.
  const rows = [
    row(1, 3, 10, 20, 300),
    row(2, 3, 18, 20, 300),
    row(3, 0, 0, 20, 50),
    row(4, 5, 2, 52, 900),
    row(5, 3, 10, 20, 100),
  ];
  const touches = new Map([
    [1, { recent: 0, before: 6 }],
    [5, { recent: 2, before: 3 }],
  ]);
  const { atRisk, winBack } = assessRisk(PARAMS, rows, touches, 7);

  it('lists repeat customers whose chance of staying fell in the last 30 days, most at stake first, and why', () => {
    expect(atRisk.map((entry) => entry.customerId)).toEqual([1, 5]);
    const [first, second] = atRisk;
    expect(first!.probabilityAlive).toBeCloseTo(probabilityAlive(PARAMS, 3, 10, 20), 12);
    expect(first!.probabilityAliveBefore).toBeCloseTo(probabilityAlive(PARAMS, 3, 10, 20 - 30 / 7), 12);
    // Ten weeks since the last purchase against a usual gap of 10 / 3; no touchpoint lately against six.
    expect(first!.reasons).toEqual([
      expect.stringMatching(/^P\(alive\) 0\.\d\d, 0\.\d\d 30 days ago$/),
      'overdue: 10.0 weeks since the last purchase, usually 3.3',
      'fewer touchpoints: 0 in the last 30 days, 6 in the 90 before',
    ]);
    // Two touchpoints lately against three before is not a fall.
    expect(second!.reasons).toHaveLength(2);
  });

  it('lists those most likely gone to win back, and leaves out who bought lately or never again', () => {
    expect(winBack.map((entry) => entry.customerId)).toEqual([4]);
    expect(winBack[0]!.probabilityAlive).toBeLessThan(0.3);
    expect(winBack[0]).toMatchObject({ spent: 900, purchases: 6 });
  });
});
