/**
 * The silhouette (Rousseeuw, 1987): for each point, (b − a) / max(a, b), with a its mean distance to the
 * other points of its cluster and b the least mean distance to another cluster's points; averaged over the
 * points. From −1 to 1, higher for tighter, better separated clusters. O(n²), so callers pass a sample.
 */
import { squaredDistance } from './compute-kmeans.ts';

export function silhouette(points: Float64Array, d: number, labels: Int32Array, k: number): number {
  const n = labels.length;
  const sizes = new Float64Array(k);
  for (let i = 0; i < n; i++) sizes[labels[i]!]! += 1;
  const sums = new Float64Array(k);
  let total = 0;
  let counted = 0;
  for (let i = 0; i < n; i++) {
    sums.fill(0);
    for (let other = 0; other < n; other++)
      if (other !== i)
        sums[labels[other]!]! += Math.sqrt(squaredDistance(points, i * d, points, other * d, d));
    const own = labels[i]!;
    // A point alone in its cluster scores 0 by convention.
    if (sizes[own]! <= 1) {
      counted += 1;
      continue;
    }
    const a = sums[own]! / (sizes[own]! - 1);
    let b = Number.POSITIVE_INFINITY;
    for (let c = 0; c < k; c++) if (c !== own && sizes[c]! > 0) b = Math.min(b, sums[c]! / sizes[c]!);
    if (Number.isFinite(b)) total += (b - a) / Math.max(a, b, Number.MIN_VALUE);
    counted += 1;
  }
  return counted > 0 ? total / counted : 0;
}

/** Indices of `size` rows out of `n`, drawn without replacement (a partial Fisher–Yates), in order. */
export function sampleRows(n: number, size: number, random: () => number): number[] {
  if (size >= n) return Array.from({ length: n }, (_, i) => i);
  const indices = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(random() * (n - i));
    const swap = indices[i]!;
    indices[i] = indices[j]!;
    indices[j] = swap;
  }
  return Array.from(indices.subarray(0, size)).sort((a, b) => a - b);
}

/** The rows at `indices` of a row-major array `d` wide. */
export function takeRows(points: Float64Array, d: number, indices: readonly number[]): Float64Array {
  const out = new Float64Array(indices.length * d);
  indices.forEach((row, i) => {
    out.set(points.subarray(row * d, row * d + d), i * d);
  });
  return out;
}
