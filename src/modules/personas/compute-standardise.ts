/**
 * Standardising features for clustering: each feature as a z-score against the population (unknown values
 * at the mean), clipped so that a rare flag cannot outweigh everything else, and weighted so that each
 * group of features (channel, device, …) counts as much in a distance as any other, however many
 * features it has. The means, sds and weights are kept, to place customers seen later in the same space.
 */

export interface Scaling {
  /** Indices (into the raw feature columns) of the features that vary; the others tell nothing. */
  columns: number[];
  means: number[];
  sds: number[];
  weights: number[];
}

/** |z| beyond this is clipped: a flag held by 1 % of customers would otherwise stand 10 sds away. */
export const Z_LIMIT = 3;

/** Mean and sd of each column over its known (non-NaN) values; columns that do not vary are left out. */
export function fitScaling(values: Float64Array, width: number, groups: readonly string[]): Scaling {
  const rows = values.length / width;
  const sums = new Float64Array(width);
  const counts = new Float64Array(width);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < width; j++) {
      const value = values[i * width + j]!;
      if (!Number.isNaN(value)) {
        sums[j]! += value;
        counts[j]! += 1;
      }
    }
  const means = Array.from(sums, (sum, j) => (counts[j]! > 0 ? sum / counts[j]! : 0));
  const squares = new Float64Array(width);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < width; j++) {
      const value = values[i * width + j]!;
      if (!Number.isNaN(value)) squares[j]! += (value - means[j]!) ** 2;
    }
  const sds = Array.from(squares, (square, j) => (counts[j]! > 1 ? Math.sqrt(square / counts[j]!) : 0));
  // A feature known for a handful of customers only, or the same for all, is left out.
  const columns = means.map((_, j) => j).filter((j) => sds[j]! > 1e-9);
  const groupSizes = new Map<string, number>();
  for (const j of columns) groupSizes.set(groups[j]!, (groupSizes.get(groups[j]!) ?? 0) + 1);
  return {
    columns,
    means: columns.map((j) => means[j]!),
    sds: columns.map((j) => sds[j]!),
    weights: columns.map((j) => 1 / Math.sqrt(groupSizes.get(groups[j]!)!)),
  };
}

/** The rows of `values` in the scaled space: row-major, `scaling.columns.length` wide. */
export function applyScaling(values: Float64Array, width: number, scaling: Scaling): Float64Array {
  const rows = values.length / width;
  const d = scaling.columns.length;
  const out = new Float64Array(rows * d);
  for (let i = 0; i < rows; i++)
    for (let c = 0; c < d; c++) {
      // A column < 0 is a stored feature the query no longer has: at the mean.
      const column = scaling.columns[c]!;
      const value = column < 0 ? Number.NaN : values[i * width + column]!;
      out[i * d + c] = Number.isNaN(value) ? 0 : scaledValue(value, scaling, c);
    }
  return out;
}

function scaledValue(value: number, scaling: Scaling, c: number): number {
  const z = (value - scaling.means[c]!) / scaling.sds[c]!;
  return Math.max(-Z_LIMIT, Math.min(Z_LIMIT, z)) * scaling.weights[c]!;
}
