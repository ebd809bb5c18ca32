import { describe, expect, it } from 'vitest';
import { nelderMead } from './minimize.ts';
import { percentileCont, selectNth } from './percentile.ts';
import { hypergeometric2F1, lnGamma } from './special-functions.ts';

describe('special functions', () => {
  it('gives ln Γ to 13 significant digits (against SciPy’s gammaln)', () => {
    const cases: Array<[number, number]> = [
      [0.1, 2.252712651734206],
      [0.5, 0.5723649429247],
      [1, 0],
      [1.5, -0.12078223763524526],
      [2.5, 0.2846828704729192],
      [10, 12.801827480081469],
      [123.4, 469.3360974421906],
    ];
    for (const [x, expected] of cases) expect(lnGamma(x), `lnGamma(${x})`).toBeCloseTo(expected, 12);
    expect(() => lnGamma(0)).toThrow(RangeError);
  });

  it('gives ₂F₁ by its series (against SciPy’s hyp2f1)', () => {
    expect(hypergeometric2F1(1.2, 3.4, 5.6, 0.3)).toBeCloseTo(1.2809718781192057, 12);
    expect(hypergeometric2F1(0.243, 2.426, 2.219, 0.5)).toBeCloseTo(1.2070970070440417, 12);
    expect(hypergeometric2F1(5.2, 7.1, 9.3, 0.9) / 3871.4912466813607).toBeCloseTo(1, 10);
    expect(() => hypergeometric2F1(1, 1, 1, 1)).toThrow(RangeError);
  });
});

describe('Nelder–Mead', () => {
  it('finds the minimum of Rosenbrock’s valley from a poor start', () => {
    const rosenbrock = ([x, y]: number[]) => (1 - x!) ** 2 + 100 * (y! - x! ** 2) ** 2;
    const minimum = nelderMead(rosenbrock, [-1.2, 1], { tolerance: 1e-14 });
    expect(minimum.converged).toBe(true);
    expect(minimum.x[0]).toBeCloseTo(1, 4);
    expect(minimum.x[1]).toBeCloseTo(1, 4);
  });

  it('treats a point where the function is not finite as worse than any other', () => {
    const minimum = nelderMead(([x]) => (x! <= 0 ? Number.NaN : (Math.log(x!) - 1) ** 2), [1]);
    expect(minimum.x[0]).toBeCloseTo(Math.E, 4);
  });
});

describe('percentiles of values in no order', () => {
  it('interpolates between the two values around the place, as percentile_cont does', () => {
    // In order: 1 2 3 4 7 9 9 10 (8 values): the median sits halfway between 4 and 7, the 90th percentile
    // at 0.3 of the way from 9 to 10 (position 0.9 × 7 = 6.3), the least and the largest at 0 and 1.
    const values = () => Float64Array.of(9, 2, 10, 4, 1, 9, 7, 3);
    expect(percentileCont(values(), 0.5)).toBe(5.5);
    expect(percentileCont(values(), 0.9)).toBeCloseTo(9.3, 12);
    expect(percentileCont(values(), 0)).toBe(1);
    expect(percentileCont(values(), 1)).toBe(10);
    expect(percentileCont(Float64Array.of(4), 0.9)).toBe(4);
    expect(percentileCont(new Float64Array(), 0.5)).toBeNull();
  });

  it('selects the value a sort would put at each place, among many repeats', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    const values = Float64Array.from({ length: 5001 }, () => Math.floor(random() * 40));
    const sorted = values.slice().sort();
    for (const k of [0, 1, 2500, 4500, 5000]) {
      const moved = values.slice();
      selectNth(moved, k);
      expect(moved[k], `place ${k}`).toBe(sorted[k]);
      expect(moved.subarray(0, k).every((value) => value <= moved[k]!)).toBe(true);
      expect(moved.subarray(k + 1).every((value) => value >= moved[k]!)).toBe(true);
    }
  });
});
