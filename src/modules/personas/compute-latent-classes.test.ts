import { describe, expect, it } from 'vitest';
import { adjustedRandIndex } from './compute-clusters.ts';
import { seededRandom } from './compute-kmeans.ts';
import { classificationEntropy, classify, fitMixture, type MixtureData } from './compute-latent-classes.ts';
import { findPersonaClasses } from './compute-persona-classes.ts';

/**
 * `perClass` customers of each planted class, each with `touches` touchpoints drawn from the class's
 * category probabilities (one block of four categories) and one number drawn around the class's mean.
 */
function plantedCustomers(
  classes: Array<{ categories: number[]; mean: number }>,
  perClass: number,
  touches: number,
) {
  const random = seededRandom(7);
  const width = 5;
  const rows = classes.length * perClass;
  const values = new Float64Array(rows * width);
  const truth: number[] = [];
  classes.forEach((planted, c) => {
    for (let p = 0; p < perClass; p++) {
      const row = (c * perClass + p) * width;
      for (let t = 0; t < touches; t++) {
        let u = random();
        let v = 0;
        while (u > planted.categories[v]! && v < 3) u -= planted.categories[v++]!;
        values[row + v]! += 1;
      }
      values[row + 4] = planted.mean + (random() - 0.5);
      truth.push(c);
    }
  });
  const data: MixtureData = {
    rows,
    values,
    width,
    blocks: [{ name: 'channel', columns: [0, 1, 2, 3] }],
    numeric: [4],
  };
  // The same customers as standardised points: shares and the number.
  const points = new Float64Array(rows * 5);
  for (let i = 0; i < rows; i++) {
    for (let v = 0; v < 4; v++) points[i * 5 + v] = values[i * width + v]! / touches;
    points[i * 5 + 4] = values[i * width + 4]! / 10;
  }
  return { data, points, truth };
}

const PLANTED = [
  { categories: [0.7, 0.1, 0.1, 0.1], mean: 0 },
  { categories: [0.1, 0.7, 0.1, 0.1], mean: 3 },
  { categories: [0.1, 0.1, 0.4, 0.4], mean: 6 },
  { categories: [0.25, 0.25, 0.25, 0.25], mean: 9 },
];

describe('latent classes', () => {
  it('estimates one class as the smoothed category shares and the mean and variance, as worked by hand', () => {
    // Two customers: channel counts [3, 1, 0, 0] and [1, 1, 0, 2]; numbers 2 and 4.
    const data: MixtureData = {
      rows: 2,
      values: Float64Array.from([3, 1, 0, 0, 2, 1, 1, 0, 2, 4]),
      width: 5,
      blocks: [{ name: 'channel', columns: [0, 1, 2, 3] }],
      numeric: [4],
    };
    const model = fitMixture(data, 1, Int32Array.from([0, 0]));
    // Counts 4, 2, 0, 2 plus 0.5 each, over 8 + 2.
    expect(model.logCategories[0]![0]!.map(Math.exp)).toEqual(
      [0.45, 0.25, 0.05, 0.25].map((p) => expect.closeTo(p, 12)),
    );
    expect(model.means[0]).toEqual([3]);
    expect(model.variances[0]![0]).toBeCloseTo(1, 12);
    // Log-likelihood: each customer's counts under those shares, and the numbers under N(3, 1).
    const shares = [0.45, 0.25, 0.05, 0.25];
    const counts = 4 * Math.log(shares[0]!) + 2 * Math.log(shares[1]!) + 2 * Math.log(shares[3]!);
    const numbers = 2 * (-0.5 * Math.log(2 * Math.PI) - 0.5);
    expect(model.logLikelihood).toBeCloseTo(counts + numbers, 9);
    // BIC: 3 free shares, a mean and a variance; n = 2.
    expect(model.bic).toBeCloseTo(-2 * (counts + numbers) + 5 * Math.log(2), 9);
  });

  it('recovers planted classes from their customers’ counts and numbers, each whole', () => {
    const { data, points, truth } = plantedCustomers(PLANTED, 80, 30);
    const classes = findPersonaClasses(data, points, 5, { kMin: 2, kMax: 7, seed: 1 });
    expect(classes.k).toBe(4);
    expect(adjustedRandIndex(truth, classes.labels)).toBe(1);
    expect(classes.candidates.map((candidate) => candidate.k)).toEqual([2, 3, 4, 5, 6, 7]);
    // Sure of every customer: the posteriors are all but certain.
    expect(classificationEntropy(data, classes.model) / data.rows).toBeLessThan(0.01);
  });

  it.each([2, 3])('stops at the %i classes planted, where one more adds little', (planted) => {
    const { data, points, truth } = plantedCustomers(PLANTED.slice(0, planted), 80, 30);
    const classes = findPersonaClasses(data, points, 5, { kMin: 2, kMax: 6, seed: 3 });
    expect(classes.k).toBe(planted);
    expect(adjustedRandIndex(truth, classes.labels)).toBe(1);
  });

  it('places a customer seen once by the weight of one touchpoint, and one seen often surely', () => {
    const { data } = plantedCustomers(PLANTED.slice(0, 2), 50, 30);
    const model = fitMixture(
      data,
      2,
      Int32Array.from({ length: 100 }, (_, i) => (i < 50 ? 0 : 1)),
    );
    const customer = (counts: number[], value: number): MixtureData => ({
      ...data,
      rows: 1,
      values: Float64Array.from([...counts, value]),
    });
    const once = classify(customer([1, 0, 0, 0], Number.NaN), model);
    const often = classify(customer([20, 0, 0, 0], Number.NaN), model);
    expect(once.labels[0]).toBe(often.labels[0]);
    expect(once.probabilities[0]).toBeGreaterThan(0.8);
    expect(once.probabilities[0]).toBeLessThan(0.99);
    expect(often.probabilities[0]).toBeGreaterThan(0.999999);
  });
});
