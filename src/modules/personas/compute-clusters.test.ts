import { describe, expect, it } from 'vitest';
import { adjustedRandIndex } from './compute-clusters.ts';
import { kMeans, seededRandom } from './compute-kmeans.ts';
import { silhouette } from './compute-silhouette.ts';

/** `perBlob` points around each centre, uniform within ±spread on each axis; labels in blob order. */
function blobs(centres: number[][], perBlob: number, spread: number, seed: number) {
  const random = seededRandom(seed);
  const d = centres[0]!.length;
  const points = new Float64Array(centres.length * perBlob * d);
  const truth: number[] = [];
  centres.forEach((centre, b) => {
    for (let p = 0; p < perBlob; p++) {
      const row = b * perBlob + p;
      for (let j = 0; j < d; j++) points[row * d + j] = centre[j]! + (random() * 2 - 1) * spread;
      truth.push(b);
    }
  });
  return { points, truth, d };
}

const FOUR = [
  [0, 0, 0],
  [10, 0, 0],
  [0, 10, 0],
  [0, 0, 10],
];

describe('k-means++', () => {
  it('puts every point of well separated blobs with its own blob', () => {
    const { points, truth, d } = blobs(FOUR, 50, 1, 3);
    const result = kMeans(points, d, 4, { seed: 1 });
    expect(adjustedRandIndex(truth, result.labels)).toBe(1);
    // Each centroid sits within the blob's spread of its centre.
    for (let c = 0; c < 4; c++) {
      const centroid = Array.from(result.centroids.subarray(c * d, c * d + d));
      const blob = truth[result.labels.indexOf(c)]!;
      centroid.forEach((value, j) => {
        expect(Math.abs(value - FOUR[blob]![j]!)).toBeLessThan(0.5);
      });
    }
  });

  it('gives the same clusters for the same seed', () => {
    const { points, d } = blobs(FOUR, 40, 4, 5);
    const a = kMeans(points, d, 4, { seed: 9 });
    const b = kMeans(points, d, 4, { seed: 9 });
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    expect(a.inertia).toBe(b.inertia);
  });
});

describe('silhouette', () => {
  it('scores two tight clusters far apart near 1, and one split at random near 0', () => {
    const points = Float64Array.from([0, 0.1, 0.2, 10, 10.1, 10.2]);
    expect(silhouette(points, 1, Int32Array.from([0, 0, 0, 1, 1, 1]), 2)).toBeGreaterThan(0.98);
    expect(silhouette(points, 1, Int32Array.from([0, 1, 0, 1, 0, 1]), 2)).toBeLessThan(0.1);
  });
});

describe('adjusted Rand index', () => {
  it('is 1 for the same partition under other names and as worked out by hand otherwise', () => {
    expect(adjustedRandIndex([0, 0, 1, 1], ['b', 'b', 'a', 'a'])).toBe(1);
    // Contingency [[2,1],[0,1]] of [0,0,0,1] against [0,0,1,1]: index 1, expected 3·2/6 = 1, max 2.5: 0.
    expect(adjustedRandIndex([0, 0, 0, 1], [0, 0, 1, 1])).toBeCloseTo(0, 12);
    // [0,0,1,1,2,2] against [0,0,1,1,1,1]: index 1+1+1 = 3 of 15; rows 3, columns 1+6 = 7; expected 21/15.
    expect(adjustedRandIndex([0, 0, 1, 1, 2, 2], [0, 0, 1, 1, 1, 1])).toBeCloseTo((3 - 1.4) / (5 - 1.4), 12);
  });
});
