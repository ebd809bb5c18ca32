/**
 * k-means over row-major Float64Arrays: k-means++ seeding (Arthur & Vassilvitskii, 2007), then Lloyd's
 * iterations until no point changes cluster. Seeded, so the same data and seed give the same clusters.
 * Written by hand because ml-kmeans 7 (arrays of arrays) took 5.4 s for 100,000 × 40 with k = 6 and two
 * iterations on this machine: about a minute for one k at 500,000, against a budget of a minute for all.
 */

export interface Clustering {
  k: number;
  /** Row-major, k × d. */
  centroids: Float64Array;
  /** The cluster of each point. */
  labels: Int32Array;
  /** Sum of squared distances of the points to their centroids. */
  inertia: number;
  iterations: number;
}

/** A small seeded generator (mulberry32): uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function squaredDistance(
  a: Float64Array,
  aOffset: number,
  b: Float64Array,
  bOffset: number,
  d: number,
): number {
  let sum = 0;
  for (let j = 0; j < d; j++) {
    const diff = a[aOffset + j]! - b[bOffset + j]!;
    sum += diff * diff;
  }
  return sum;
}

/** k-means++: each next centre drawn with probability proportional to the squared distance to the nearest. */
function seedCentroids(points: Float64Array, d: number, k: number, random: () => number): Float64Array {
  const n = points.length / d;
  const centroids = new Float64Array(k * d);
  const nearest = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  let chosen = Math.floor(random() * n);
  for (let c = 0; c < k; c++) {
    centroids.set(points.subarray(chosen * d, chosen * d + d), c * d);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const distance = squaredDistance(points, i * d, centroids, c * d, d);
      if (distance < nearest[i]!) nearest[i] = distance;
      total += nearest[i]!;
    }
    if (c + 1 === k) break;
    // All points on the centres already: any point will do.
    let target = random() * total;
    chosen = n - 1;
    for (let i = 0; i < n; i++) {
      target -= nearest[i]!;
      if (target < 0) {
        chosen = i;
        break;
      }
    }
  }
  return centroids;
}

/** Assigns each point to its nearest centroid; returns the inertia and how many points moved. */
export function assignPoints(
  points: Float64Array,
  d: number,
  centroids: Float64Array,
  labels: Int32Array,
  distances?: Float64Array,
): { inertia: number; moved: number } {
  const n = points.length / d;
  const k = centroids.length / d;
  let inertia = 0;
  let moved = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (let c = 0; c < k; c++) {
      const distance = squaredDistance(points, i * d, centroids, c * d, d);
      if (distance < bestDistance) {
        bestDistance = distance;
        best = c;
      }
    }
    if (labels[i] !== best) moved += 1;
    labels[i] = best;
    if (distances) distances[i] = Math.sqrt(bestDistance);
    inertia += bestDistance;
  }
  return { inertia, moved };
}

/** Each centroid as the mean of its points; an emptied cluster keeps its previous centroid. */
function updateCentroids(points: Float64Array, d: number, labels: Int32Array, centroids: Float64Array): void {
  const k = centroids.length / d;
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!;
    counts[c]! += 1;
    for (let j = 0; j < d; j++) sums[c * d + j]! += points[i * d + j]!;
  }
  for (let c = 0; c < k; c++)
    if (counts[c]! > 0) for (let j = 0; j < d; j++) centroids[c * d + j] = sums[c * d + j]! / counts[c]!;
}

export interface KMeansOptions {
  seed: number;
  maxIterations?: number;
  /** Start from these centroids instead of k-means++ (e.g. those fitted on a sample). */
  initial?: Float64Array;
  /** Runs from different seeds (default 4), the one with the least inertia kept: one k-means++ start can put two centres in one cluster. */
  restarts?: number;
}

export function kMeans(points: Float64Array, d: number, k: number, options: KMeansOptions): Clustering {
  const restarts = options.initial ? 1 : (options.restarts ?? 4);
  let best: Clustering | null = null;
  for (let run = 0; run < restarts; run++) {
    const result = lloyd(points, d, k, options, options.seed + run * 7919);
    if (!best || result.inertia < best.inertia) best = result;
  }
  return best!;
}

function lloyd(points: Float64Array, d: number, k: number, options: KMeansOptions, seed: number): Clustering {
  const n = points.length / d;
  const centroids = options.initial
    ? Float64Array.from(options.initial)
    : seedCentroids(points, d, k, seededRandom(seed));
  const labels = new Int32Array(n).fill(-1);
  const maxIterations = options.maxIterations ?? 100;
  let iterations = 0;
  let { inertia } = assignPoints(points, d, centroids, labels);
  while (iterations < maxIterations) {
    iterations += 1;
    updateCentroids(points, d, labels, centroids);
    const step = assignPoints(points, d, centroids, labels);
    inertia = step.inertia;
    if (step.moved === 0) break;
  }
  return { k, centroids, labels, inertia, iterations };
}
