import { describe, expect, it } from 'vitest';
import { computeLift, wilsonInterval } from './compute-lift.ts';

describe('the lift of an exposed group over its holdout', () => {
  it('gives Wilson’s interval for one rate', () => {
    // Newcombe (1998), Statistics in Medicine 17, p. 861: 81/263 → 0.2553 to 0.3662.
    const [low, high] = wilsonInterval(81, 263);
    expect(low).toBeCloseTo(0.2553, 4);
    expect(high).toBeCloseTo(0.3662, 4);
  });

  it('gives Newcombe’s hybrid score interval for the difference', () => {
    // Newcombe (1998), Statistics in Medicine 17, p. 873, example (a): 56/70 − 48/80 = 0.2, method 10:
    // 0.0524 to 0.3339.
    const lift = computeLift({ customers: 70, converted: 56 }, { customers: 80, converted: 48 });
    expect(lift.lift).toBeCloseTo(0.2, 12);
    expect(lift.relativeLift).toBeCloseTo(1 / 3, 12);
    expect(lift.interval.low).toBeCloseTo(0.0524, 4);
    expect(lift.interval.high).toBeCloseTo(0.3339, 4);
  });

  it('has no relative lift when the holdout never converted', () => {
    const lift = computeLift({ customers: 10, converted: 2 }, { customers: 10, converted: 0 });
    expect(lift.relativeLift).toBeNull();
    expect(lift.interval.low).toBeLessThan(0.2);
  });
});
