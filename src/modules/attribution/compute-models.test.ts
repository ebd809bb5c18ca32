import { describe, expect, it } from 'vitest';
import { computeMarkov } from './compute-markov.ts';
import { computeShapley } from './compute-shapley.ts';

describe('Shapley values on the conversion-rate game', () => {
  // {A} 2 of 10 convert, {B} 1 of 10, {A,B} 4 of 10, {A,B,C} 3 of 5, {C} 0 of 5. {A,C} and {B,C} were
  // never touched exactly: worth the pooled rates of their parts, 2/15 and 1/15. Each conversion is worth 10.
  const set = (channels: string[], paths: number, converting: number) => ({
    channels,
    paths,
    converting,
    conversions: converting,
    revenue: 10 * converting,
  });
  const sets = [
    set(['A'], 10, 2),
    set(['B'], 10, 1),
    set(['A', 'B'], 10, 4),
    set(['A', 'B', 'C'], 5, 3),
    set(['C'], 5, 0),
  ];

  it('values each channel by its marginal gain averaged over every order of joining', () => {
    // φA = 1/3·0.2 + 1/6·(0.3 + 2/15) + 1/3·(0.6 − 1/15) = 19/60; they add up to v({A,B,C}) = 0.6.
    const { values, method } = computeShapley(sets);
    expect(method).toBe('exact');
    expect(values.get('A')).toBeCloseTo(19 / 60, 12);
    expect(values.get('B')).toBeCloseTo(7 / 30, 12);
    expect(values.get('C')).toBeCloseTo(1 / 20, 12);
  });

  it('shares each set’s conversions by the values of the game within it', () => {
    // {A}: 2 to A. {B}: 1 to B. {A,B}: φA = ½·0.2 + ½·0.3 = 0.25, φB = 0.15 of 0.4: 2.5 and 1.5.
    // {A,B,C}: 19/60, 7/30, 1/20 of 0.6: 19/12, 7/6, 1/4.
    const { credits } = computeShapley(sets);
    expect(credits.get('A')!.conversions).toBeCloseTo(2 + 2.5 + 19 / 12, 12);
    expect(credits.get('B')!.conversions).toBeCloseTo(1 + 1.5 + 7 / 6, 12);
    expect(credits.get('C')!.conversions).toBeCloseTo(1 / 4, 12);
    expect(credits.get('A')!.revenue).toBeCloseTo(10 * (2 + 2.5 + 19 / 12), 10);
  });

  it('estimates the same values from random orders when a set is too large', () => {
    const { values, method, permutations } = computeShapley(sets, 2);
    expect({ method, permutations }).toEqual({ method: 'sampled', permutations: 2000 });
    expect(values.get('A')).toBeCloseTo(19 / 60, 1);
    expect(values.get('B')).toBeCloseTo(7 / 30, 1);
    expect(values.get('C')).toBeCloseTo(1 / 20, 1);
    const total = [...values.values()].reduce((a, b) => a + b, 0);
    // Every order's gains add up to v(all) exactly, whatever orders were drawn.
    expect(total).toBeCloseTo(0.6, 12);
    expect(computeShapley(sets, 2).values).toEqual(values);
  });
});

describe('Markov chain removal effects', () => {
  // start → A → conversion (3 paths), start → A → B → conversion (1), start → B → null (2), A → null (1):
  // P(A→conv) = 3/5, P(A→B) = 1/5, P(A→null) = 1/5; B converts 1 of 3 times.
  const transitions = [
    { from: null, to: 'A', outcome: null, paths: 5 },
    { from: null, to: 'B', outcome: null, paths: 2 },
    { from: 'A', to: null, outcome: 'conversion' as const, paths: 3 },
    { from: 'A', to: null, outcome: 'null' as const, paths: 1 },
    { from: 'A', to: 'B', outcome: null, paths: 1 },
    { from: 'B', to: null, outcome: 'conversion' as const, paths: 1 },
    { from: 'B', to: null, outcome: 'null' as const, paths: 2 },
  ];

  it('is the share of conversions lost when a channel leads nowhere', () => {
    // x_B = 1/3; x_A = 3/5 + 1/5·1/3 = 2/3; P = 5/7·2/3 + 2/7·1/3 = 4/7.
    // Without A: P = 2/7·1/3 = 2/21, effect 1 − (2/21)/(4/7) = 5/6. Without B: P = 5/7·3/5 = 3/7, effect 1/4.
    const { conversionProbability, removalEffects } = computeMarkov(transitions, '|');
    expect(conversionProbability).toBeCloseTo(4 / 7, 12);
    expect(removalEffects.get('A')).toBeCloseTo(5 / 6, 12);
    expect(removalEffects.get('B')).toBeCloseTo(1 / 4, 12);
  });

  it('divides out a state’s loop to itself', () => {
    // A customer who stays on A for a while converts as often as one who does not.
    const looping = [...transitions, { from: 'A', to: 'A', outcome: null, paths: 40 }];
    expect(computeMarkov(looping, '|').conversionProbability).toBeCloseTo(4 / 7, 12);
  });

  it('removes every higher-order state that holds the channel', () => {
    const second = [
      { from: null, to: 'A', outcome: null, paths: 2 },
      { from: 'A', to: 'A|B', outcome: null, paths: 1 },
      { from: 'A', to: null, outcome: 'null' as const, paths: 1 },
      { from: 'A|B', to: null, outcome: 'conversion' as const, paths: 1 },
    ];
    const { conversionProbability, removalEffects } = computeMarkov(second, '|');
    expect(conversionProbability).toBeCloseTo(0.5, 12);
    expect(removalEffects.get('A')).toBe(1);
    expect(removalEffects.get('B')).toBe(1);
  });
});
