/**
 * Finding the personas: the latent-class model fitted for each k of the range on a seeded sample (each
 * started from k-means++ on the standardised features, the best of a few starts kept), k chosen where one
 * more class stops paying (below), and every customer placed in their most likely class.
 *
 * Choosing k: BIC keeps falling as classes are added whenever customers differ in more ways than the
 * personas (a persona's buyers and browsers touch differently), so its minimum over a range is usually the
 * range's end. Agora takes the elbow instead: the smallest k that no larger k improves on by STOP_GAIN of
 * its BIC per class added — a class that explains less than half a percent more is not a persona. Looking
 * past k + 1 keeps one poor fit (EM found a local optimum for k + 1) from ending the search early.
 */
import { assignPoints, kMeans, seededRandom } from './compute-kmeans.ts';
import { classify, fitMixture, type MixtureData, type MixtureModel } from './compute-latent-classes.ts';
import { sampleRows, takeRows } from './compute-silhouette.ts';

export const STOP_GAIN = 0.005;
const STARTS = 6;
const SHORT_RUN = 10;

export interface PersonaClasses {
  k: number;
  model: MixtureModel;
  labels: Int32Array;
  candidates: Array<{ k: number; bic: number }>;
}

export function findPersonaClasses(
  data: MixtureData,
  points: Float64Array,
  d: number,
  options: { kMin: number; kMax: number; seed: number; sample?: number; starts?: number },
): PersonaClasses {
  const random = seededRandom(options.seed);
  const rows = sampleRows(data.rows, options.sample ?? 10_000, random);
  const sample = takeMixtureRows(data, rows);
  const samplePoints = takeRows(points, d, rows);
  const fits: MixtureModel[] = [];
  for (let k = options.kMin; k <= Math.min(options.kMax, rows.length); k++) {
    // Short runs from several starts, the most promising run to convergence: EM's local optima differ
    // early, and a few iterations from each start cost less than two full fits.
    let best: { start: Int32Array; logLikelihood: number } | null = null;
    for (let start = 0; start < (options.starts ?? STARTS); start++) {
      const { centroids } = kMeans(samplePoints, d, k, {
        seed: options.seed * 101 + k * 7 + start,
        restarts: 1,
      });
      const labels = new Int32Array(rows.length);
      assignPoints(samplePoints, d, centroids, labels);
      const { logLikelihood } = fitMixture(sample, k, labels, { maxIterations: SHORT_RUN });
      if (!best || logLikelihood > best.logLikelihood) best = { start: labels, logLikelihood };
    }
    fits.push(fitMixture(sample, k, best!.start));
  }
  const chosen = fits.find((fit, i) =>
    fits
      .slice(i + 1)
      .every((larger) => (fit.bic - larger.bic) / Math.abs(fit.bic) / (larger.k - fit.k) < STOP_GAIN),
  )!;
  // Ten thousand customers estimate each class's distributions closely enough: the rest are placed by them.
  return {
    k: chosen.k,
    model: chosen,
    labels: classify(data, chosen).labels,
    candidates: fits.map((fit) => ({ k: fit.k, bic: fit.bic })),
  };
}

function takeMixtureRows(data: MixtureData, rows: readonly number[]): MixtureData {
  return { ...data, rows: rows.length, values: takeRows(data.values, data.width, rows) };
}
