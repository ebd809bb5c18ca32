/**
 * Choosing k and clustering: k-means for each k of the range on a seeded sample, the silhouette of each on
 * a smaller sample, then the best k fitted on every customer from the sample's centroids (few iterations,
 * as they start close). Sampling keeps the choice of k cheap at 500,000 customers.
 */
import { assignPoints, type Clustering, kMeans, seededRandom } from './compute-kmeans.ts';
import { sampleRows, silhouette, takeRows } from './compute-silhouette.ts';

export interface ClusterOptions {
  kMin: number;
  kMax: number;
  seed: number;
  /** Customers k-means runs on for each candidate k. */
  fitSample?: number;
  /** Customers the silhouette is computed on (O(n²)). */
  silhouetteSample?: number;
  restarts?: number;
}

export interface ChosenClustering extends Clustering {
  silhouette: number;
  candidates: Array<{ k: number; silhouette: number }>;
}

export function clusterCustomers(points: Float64Array, d: number, options: ClusterOptions): ChosenClustering {
  const n = points.length / d;
  const random = seededRandom(options.seed);
  const fitRows = sampleRows(n, options.fitSample ?? 20_000, random);
  const fitPoints = takeRows(points, d, fitRows);
  const scoreRows = sampleRows(fitRows.length, options.silhouetteSample ?? 3_000, random);
  const scorePoints = takeRows(fitPoints, d, scoreRows);
  const candidates: Array<{ k: number; silhouette: number; centroids: Float64Array }> = [];
  for (let k = options.kMin; k <= Math.min(options.kMax, fitRows.length); k++) {
    const fitted = kMeans(fitPoints, d, k, { seed: options.seed + k, restarts: options.restarts ?? 4 });
    const labels = new Int32Array(scoreRows.length);
    assignPoints(scorePoints, d, fitted.centroids, labels);
    candidates.push({ k, silhouette: silhouette(scorePoints, d, labels, k), centroids: fitted.centroids });
  }
  // The best silhouette; on a tie, the fewer personas.
  const chosen = candidates.reduce((best, candidate) =>
    candidate.silhouette > best.silhouette + 1e-12 ? candidate : best,
  );
  const full = kMeans(points, d, chosen.k, { seed: options.seed, initial: chosen.centroids });
  return {
    ...full,
    silhouette: chosen.silhouette,
    candidates: candidates.map(({ k, silhouette }) => ({ k, silhouette })),
  };
}

/**
 * The adjusted Rand index (Hubert & Arabie, 1985) of two labellings of the same items: 1 when they agree
 * up to renaming, about 0 for labellings as alike as chance makes them.
 */
export function adjustedRandIndex(a: ArrayLike<number | string>, b: ArrayLike<number | string>): number {
  const n = a.length;
  const cells = new Map<string, number>();
  const rows = new Map<number | string, number>();
  const columns = new Map<number | string, number>();
  for (let i = 0; i < n; i++) {
    const key = `${a[i]}\u0000${b[i]}`;
    cells.set(key, (cells.get(key) ?? 0) + 1);
    rows.set(a[i]!, (rows.get(a[i]!) ?? 0) + 1);
    columns.set(b[i]!, (columns.get(b[i]!) ?? 0) + 1);
  }
  const pairs = (count: number) => (count * (count - 1)) / 2;
  const sum = (values: Iterable<number>) => [...values].reduce((total, value) => total + pairs(value), 0);
  const index = sum(cells.values());
  const rowPairs = sum(rows.values());
  const columnPairs = sum(columns.values());
  const expected = (rowPairs * columnPairs) / pairs(n);
  const maximum = (rowPairs + columnPairs) / 2;
  // One cluster on both sides (or a single item): the labellings agree entirely.
  return maximum === expected ? 1 : (index - expected) / (maximum - expected);
}
