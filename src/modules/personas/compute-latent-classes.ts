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

/** Each row's log density under each class (before the class weight), row-major `rows × k`. */
function classLogDensities(data: MixtureData, model: MixtureModel, out: Float64Array): void {
  const { rows, values, width, blocks, numeric } = data;
  const { k } = model;
  for (let c = 0; c < k; c++) {
    const categories = model.logCategories[c]!;
    const means = model.means[c]!;
    const variances = model.variances[c]!;
    const logNorm = variances.map((variance) => -0.5 * Math.log(2 * Math.PI * variance));
    for (let i = 0; i < rows; i++) {
      const row = i * width;
      let density = 0;
      for (let b = 0; b < blocks.length; b++) {
        const columns = blocks[b]!.columns;
        const logs = categories[b]!;
        for (let v = 0; v < columns.length; v++) {
          const count = values[row + columns[v]!]!;
          if (count > 0) density += count * logs[v]!;
        }
      }
      for (let g = 0; g < numeric.length; g++) {
        const x = values[row + numeric[g]!]!;
        if (!Number.isNaN(x)) density += logNorm[g]! - (x - means[g]!) ** 2 / (2 * variances[g]!);
      }
      out[i * k + c] = density;
    }
  }
}

/** E-step: responsibilities (in place of the densities) and the log-likelihood. */
function responsibilities(data: MixtureData, model: MixtureModel, work: Float64Array): number {
  classLogDensities(data, model, work);
  const { k } = model;
  let logLikelihood = 0;
  for (let i = 0; i < data.rows; i++) {
    let top = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < k; c++) {
      work[i * k + c]! += model.logWeights[c]!;
      if (work[i * k + c]! > top) top = work[i * k + c]!;
    }
    let total = 0;
    for (let c = 0; c < k; c++) total += Math.exp(work[i * k + c]! - top);
    const logTotal = top + Math.log(total);
    logLikelihood += logTotal;
    for (let c = 0; c < k; c++) work[i * k + c] = Math.exp(work[i * k + c]! - logTotal);
  }
  return logLikelihood;
}

/** M-step: the model that best fits the data weighted by the responsibilities. */
function maximise(data: MixtureData, k: number, weights: Float64Array, overall: number[]): MixtureModel {
  const { rows, values, width, blocks, numeric } = data;
  const mass = new Float64Array(k);
  for (let i = 0; i < rows; i++) for (let c = 0; c < k; c++) mass[c]! += weights[i * k + c]!;
  const logCategories = Array.from({ length: k }, (_, c) =>
    blocks.map((block) => {
      const sums = block.columns.map(() => SMOOTHING);
      for (let i = 0; i < rows; i++) {
        const r = weights[i * k + c]!;
        if (r < 1e-12) continue;
        for (let v = 0; v < block.columns.length; v++) sums[v]! += r * values[i * width + block.columns[v]!]!;
      }
      const total = sums.reduce((a, b) => a + b, 0);
      return sums.map((sum) => Math.log(sum / total));
    }),
  );
  const means: number[][] = [];
  const variances: number[][] = [];
  for (let c = 0; c < k; c++) {
    means.push([]);
    variances.push([]);
    numeric.forEach((column, g) => {
      let w = 0;
      let sum = 0;
      let squares = 0;
      for (let i = 0; i < rows; i++) {
        const x = values[i * width + column]!;
        if (Number.isNaN(x)) continue;
        const r = weights[i * k + c]!;
        w += r;
        sum += r * x;
        squares += r * x * x;
      }
      const mean = w > 0 ? sum / w : 0;
      means[c]!.push(mean);
      variances[c]!.push(
        Math.max(w > 0 ? squares / w - mean * mean : overall[g]!, VARIANCE_FLOOR * overall[g]!),
      );
    });
  }
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
  const { maxIterations = 200, tolerance = 1e-6 } = options;
  const overall = overallVariances(data);
  const work = new Float64Array(data.rows * k);
  for (let i = 0; i < data.rows; i++) work[i * k + start[i]!] = 1;
  let model = maximise(data, k, work, overall);
  let previous = Number.NEGATIVE_INFINITY;
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const logLikelihood = responsibilities(data, model, work);
    model = maximise(data, k, work, overall);
    model.logLikelihood = logLikelihood;
    if (logLikelihood - previous < tolerance * data.rows) break;
    previous = logLikelihood;
  }
  model.logLikelihood = responsibilities(data, model, work);
  model.bic = -2 * model.logLikelihood + parameterCount(data, k) * Math.log(data.rows);
  return model;
}

/** Each row's most likely class under the model, and that class's posterior probability. */
export function classify(
  data: MixtureData,
  model: MixtureModel,
): { labels: Int32Array; probabilities: Float64Array } {
  const work = new Float64Array(data.rows * model.k);
  responsibilities(data, model, work);
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
  responsibilities(data, model, work);
  let entropy = 0;
  for (const r of work) if (r > 1e-300) entropy -= r * Math.log(r);
  return entropy;
}
