import { describe, expect, it } from 'vitest';
import { computeMarkov } from './compute-markov.ts';
import { computeShapley } from './compute-shapley.ts';

describe('Shapley values on the conversion-rate game', () => {
  // {A} 2 of 10 convert, {B} 1 of 10, {A,B} 4 of 10, {A,B,C} 3 of 5, {C} 0 of 5. {A,C} and {B,C} were
  // never touched exactly: worth the pooled rates of their parts, 2/15 and 1/15.
  const sets = [
    { channels: ['A'], paths: 10, converting: 2 },
    { channels: ['B'], paths: 10, converting: 1 },
    { channels: ['A', 'B'], paths: 10, converting: 4 },
    { channels: ['A', 'B', 'C'], paths: 5, converting: 3 },
    { channels: ['C'], paths: 5, converting: 0 },
  ];

  it('gives each channel its marginal gain averaged over every order of joining', () => {
    // φA = 1/3·0.2 + 1/6·(0.3 + 2/15) + 1/3·(0.6 − 1/15) = 19/60, and so on; they add up to v({A,B,C}) = 0.6.
    const { values, method } = computeShapley(sets);
    expect(method).toBe('exact');
    expect(values.get('A')).toBeCloseTo(19 / 60, 12);
    expect(values.get('B')).toBeCloseTo(7 / 30, 12);
    expect(values.get('C')).toBeCloseTo(1 / 20, 12);
  });

  it('estimates the same values from random orders when there are too many channels', () => {
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
