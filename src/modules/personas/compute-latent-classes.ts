/**
 * Personas as latent classes: a finite mixture model fitted by expectation-maximisation. Each class has
 * its own distribution of every categorical feature — which channel, format, behaviour or time of day a
 * touchpoint has (multinomial over the customer's counts), which device or B2B role the customer has (one
 * categorical draw) — and of every numeric one (orders, order value: normal). A customer's touchpoints
 * are evidence in proportion to their number, so a customer seen 60 times is placed more surely than one
 * seen twice, which distances between shares cannot express. k is chosen by BIC within a range.
 */

/** A categorical feature: the columns (of the table) holding its categories' counts for each customer. */
export interface CountBlock {
  name: string;
  columns: number[];
}

export interface MixtureData {
  rows: number;
  /** Row-major, `width` wide: counts for the blocks' columns, values (NaN unknown) for the numeric ones. */
  values: Float64Array;
  width: number;
  blocks: CountBlock[];
  numeric: number[];
}

export interface MixtureModel {
  k: number;
  logWeights: number[];
  /** Per class, per block: the log probability of each category, in the block's column order. */
  logCategories: number[][][];
  /** Per class, per numeric column: mean and variance. */
  means: number[][];
  variances: number[][];
  logLikelihood: number;
  bic: number;
}

/** Pseudo-count added to every category of every class: no category is ever impossible. */
const SMOOTHING = 0.5;
/** A numeric feature's variance within a class is at least this share of its variance overall. */
const VARIANCE_FLOOR = 0.01;

/**
 * The data as EM reads it: each row's non-zero counts (most are zero: a customer uses a few channels of
 * ten), with the column each belongs to; and the numeric columns. Built once per fit.
 */
interface Sparse {
  starts: Int32Array;
  columns: Int32Array;
  counts: Float64Array;
}

function sparseOf(data: MixtureData): Sparse {
  const countColumns = data.blocks.flatMap((block) => block.columns);
  const starts = new Int32Array(data.rows + 1);
  const columns: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < data.rows; i++) {
    for (const column of countColumns) {
      const count = data.values[i * data.width + column]!;
      if (count > 0) {
        columns.push(column);
        counts.push(count);
      }
    }
    starts[i + 1] = columns.length;
  }
  return { starts, columns: Int32Array.from(columns), counts: Float64Array.from(counts) };
}

/** The model's log category probabilities laid out by table column, class after class (`k × width`). */
function logsByColumn(data: MixtureData, model: MixtureModel): Float64Array {
  const out = new Float64Array(model.k * data.width);
  for (let c = 0; c < model.k; c++)
    data.blocks.forEach((block, b) => {
      block.columns.forEach((column, v) => {
        out[c * data.width + column] = model.logCategories[c]![b]![v]!;
      });
    });
  return out;
}

/** E-step: responsibilities (row-major `rows × k`, in `work`) and the log-likelihood. */
function responsibilities(
  data: MixtureData,
  sparse: Sparse,
  model: MixtureModel,
  work: Float64Array,
): number {
  const { rows, values, width, numeric } = data;
  const { k } = model;
  const logs = logsByColumn(data, model);
  const logNorms = model.variances.map((variances) => variances.map((v) => -0.5 * Math.log(2 * Math.PI * v)));
  let logLikelihood = 0;
  for (let i = 0; i < rows; i++) {
    let top = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < k; c++) {
      let density = model.logWeights[c]!;
      for (let e = sparse.starts[i]!; e < sparse.starts[i + 1]!; e++)
        density += sparse.counts[e]! * logs[c * width + sparse.columns[e]!]!;
      for (let g = 0; g < numeric.length; g++) {
        const x = values[i * width + numeric[g]!]!;
        if (Number.isNaN(x)) continue;
        density += logNorms[c]![g]! - (x - model.means[c]![g]!) ** 2 / (2 * model.variances[c]![g]!);
      }
      work[i * k + c] = density;
      if (density > top) top = density;
    }
    let total = 0;
    for (let c = 0; c < k; c++) total += Math.exp(work[i * k + c]! - top);
    const logTotal = top + Math.log(total);
    logLikelihood += logTotal;
    for (let c = 0; c < k; c++) work[i * k + c] = Math.exp(work[i * k + c]! - logTotal);
  }
  return logLikelihood;
}

/** M-step: the model that best fits the data weighted by the responsibilities, in one pass over the rows. */
function maximise(
  data: MixtureData,
  sparse: Sparse,
  k: number,
  weights: Float64Array,
  overall: number[],
): MixtureModel {
  const { rows, values, width, blocks, numeric } = data;
  const mass = new Float64Array(k);
  const sums = new Float64Array(k * width);
  const moments = new Float64Array(k * numeric.length * 3);
  for (let i = 0; i < rows; i++)
    for (let c = 0; c < k; c++) {
      const r = weights[i * k + c]!;
      if (r < 1e-12) continue;
      mass[c]! += r;
      for (let e = sparse.starts[i]!; e < sparse.starts[i + 1]!; e++)
        sums[c * width + sparse.columns[e]!]! += r * sparse.counts[e]!;
      for (let g = 0; g < numeric.length; g++) {
        const x = values[i * width + numeric[g]!]!;
        if (Number.isNaN(x)) continue;
        const at = (c * numeric.length + g) * 3;
        moments[at]! += r;
        moments[at + 1]! += r * x;
        moments[at + 2]! += r * x * x;
      }
    }
  const logCategories = Array.from({ length: k }, (_, c) =>
    blocks.map((block) => {
      const smoothed = block.columns.map((column) => SMOOTHING + sums[c * width + column]!);
      const total = smoothed.reduce((a, b) => a + b, 0);
      return smoothed.map((sum) => Math.log(sum / total));
    }),
  );
  const means = Array.from({ length: k }, (_, c) =>
    numeric.map((_, g) => {
      const at = (c * numeric.length + g) * 3;
      return moments[at]! > 0 ? moments[at + 1]! / moments[at]! : 0;
    }),
  );
  const variances = Array.from({ length: k }, (_, c) =>
    numeric.map((_, g) => {
      const at = (c * numeric.length + g) * 3;
      const w = moments[at]!;
      const variance = w > 0 ? moments[at + 2]! / w - means[c]![g]! ** 2 : overall[g]!;
      return Math.max(variance, VARIANCE_FLOOR * overall[g]!);
    }),
  );
  const logWeights = Array.from(mass, (m) => Math.log(Math.max(m, 1e-9) / rows));
  return { k, logWeights, logCategories, means, variances, logLikelihood: Number.NaN, bic: Number.NaN };
}

/** Free parameters of a k-class model on this data, for BIC. */
function parameterCount(data: MixtureData, k: number): number {
  const perClass =
    data.blocks.reduce((sum, block) => sum + block.columns.length - 1, 0) + 2 * data.numeric.length;
  return k - 1 + k * perClass;
}

/** Variance of each numeric column over the rows that have it (1 when it does not vary). */
function overallVariances(data: MixtureData): number[] {
  return data.numeric.map((column) => {
    let n = 0;
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < data.rows; i++) {
      const x = data.values[i * data.width + column]!;
      if (Number.isNaN(x)) continue;
      n += 1;
      sum += x;
      squares += x * x;
    }
    const variance = n > 1 ? squares / n - (sum / n) ** 2 : 0;
    return variance > 1e-12 ? variance : 1;
  });
}

/**
 * Fits k classes by EM from a starting labelling (hard, one label per row), until the log-likelihood
 * gains less than `tolerance` per row or after `maxIterations`.
 */
export function fitMixture(
  data: MixtureData,
  k: number,
  start: Int32Array,
  options: { maxIterations?: number; tolerance?: number } = {},
): MixtureModel {
  const { maxIterations = 100, tolerance = 1e-4 } = options;
  const overall = overallVariances(data);
  const sparse = sparseOf(data);
  const work = new Float64Array(data.rows * k);
  for (let i = 0; i < data.rows; i++) work[i * k + start[i]!] = 1;
  let model = maximise(data, sparse, k, work, overall);
  let previous = Number.NEGATIVE_INFINITY;
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const logLikelihood = responsibilities(data, sparse, model, work);
    model = maximise(data, sparse, k, work, overall);
    model.logLikelihood = logLikelihood;
    if (logLikelihood - previous < tolerance * data.rows) break;
    previous = logLikelihood;
  }
  model.logLikelihood = responsibilities(data, sparse, model, work);
  model.bic = -2 * model.logLikelihood + parameterCount(data, k) * Math.log(data.rows);
  return model;
}

/** Each row's most likely class under the model, and that class's posterior probability. */
export function classify(
  data: MixtureData,
  model: MixtureModel,
): { labels: Int32Array; probabilities: Float64Array } {
  const work = new Float64Array(data.rows * model.k);
  responsibilities(data, sparseOf(data), model, work);
  const labels = new Int32Array(data.rows);
  const probabilities = new Float64Array(data.rows);
  for (let i = 0; i < data.rows; i++)
    for (let c = 0; c < model.k; c++)
      if (work[i * model.k + c]! > probabilities[i]!) {
        probabilities[i] = work[i * model.k + c]!;
        labels[i] = c;
      }
  return { labels, probabilities };
}

/** The entropy of the rows' class posteriors, summed: how unsure the classes leave the customers. */
export function classificationEntropy(data: MixtureData, model: MixtureModel): number {
  const work = new Float64Array(data.rows * model.k);
  responsibilities(data, sparseOf(data), model, work);
  let entropy = 0;
  for (const r of work) if (r > 1e-300) entropy -= r * Math.log(r);
  return entropy;
}
