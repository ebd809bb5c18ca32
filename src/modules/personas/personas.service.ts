/**
 * Personas discovered from data: features per customer, fitted as latent classes (k where one more class
 * stops paying), described, stored by run with stable ids and names; new customers join their most likely
 * persona.
 */
import { type Clock, systemClock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import type { LifecycleService } from '../lifecycle/index.ts';
import { STAGES } from '../lifecycle/index.ts';
import { assignPoints, seededRandom } from './compute-kmeans.ts';
import { classify, type MixtureData, type MixtureModel } from './compute-latent-classes.ts';
import { mixtureDataOf } from './compute-mixture-data.ts';
import { findPersonaClasses } from './compute-persona-classes.ts';
import { distinguishingFeatures, generateName, preferredFormat } from './compute-persona-description.ts';
import { matchClusters } from './compute-persona-matching.ts';
import { sampleRows, silhouette, takeRows } from './compute-silhouette.ts';
import { applyScaling, fitScaling, type Scaling } from './compute-standardise.ts';
import { FEATURES, type FeatureTable, queryPersonaFeatures } from './persona-features.query.ts';
import type {
  CustomerPersona,
  Persona,
  PersonaList,
  RefreshOptions,
  StageMatrix,
  StageMatrixQuery,
} from './personas.schema.ts';
import {
  appendAssignments,
  countAssignments,
  customerExists,
  findCustomerPersona,
  findLatestRun,
  insertPersona,
  insertRun,
  insertVersion,
  type LatentClass,
  listVersions,
  queryFirstChannels,
  queryPersonaStages,
  renamePersona,
  replaceAssignments,
  type StoredFeature,
  type StoredVersion,
  updateGeneratedName,
} from './personas.store.ts';

/** Fewer customers than this tell too little to cluster. */
export const MIN_CUSTOMERS = 30;
const WIDTH = FEATURES.length;
const GROUPS = FEATURES.map((feature) => feature.group);

export function createPersonaService(deps: { db: Database; lifecycle: LifecycleService; clock?: Clock }) {
  const { db, lifecycle, clock = systemClock } = deps;
  /** One assignment of new customers at a time per workspace: two would assign the same customers twice. */
  const assigning = new Map<number, Promise<number>>();

  async function refresh(workspaceId: number, options: RefreshOptions): Promise<PersonaList> {
    await lifecycle.ensureRefreshed(workspaceId);
    const table = await queryPersonaFeatures(db, workspaceId, { minTouchpoints: options.minTouchpoints });
    const n = table.customerIds.length;
    if (n < MIN_CUSTOMERS)
      throw invalid(
        `${n} customers have at least ${options.minTouchpoints} touchpoint(s): at least ${MIN_CUSTOMERS} are needed to find personas; load more data or lower minTouchpoints.`,
      );
    const scaling = fitScaling(table.values, WIDTH, GROUPS);
    if (scaling.columns.length === 0)
      throw invalid('every customer has the same features: there is nothing to tell personas apart by.');
    const d = scaling.columns.length;
    const points = applyScaling(table.values, WIDTH, scaling);
    const data = mixtureDataOf(table);
    const classes = findPersonaClasses(data, points, d, {
      kMin: options.kMin,
      kMax: Math.min(options.kMax, Math.floor(n / 2)),
      seed: options.seed,
    });
    const clustering = { k: classes.k, labels: classes.labels, centroids: classMeans(points, d, classes) };
    const distances = new Float64Array(n);
    distanceToOwn(points, d, clustering.centroids, clustering.labels, distances);
    const scoreRows = sampleRows(n, 3_000, seededRandom(options.seed));
    const quality = silhouette(
      takeRows(points, d, scoreRows),
      d,
      Int32Array.from(scoreRows, (row) => clustering.labels[row]!),
      clustering.k,
    );
    const rawMeans = clusterRawMeans(table, clustering.labels, clustering.k, scaling);
    const features: StoredFeature[] = scaling.columns.map((column, c) => ({
      name: FEATURES[column]!.name,
      group: FEATURES[column]!.group,
      mean: scaling.means[c]!,
      sd: scaling.sds[c]!,
      weight: scaling.weights[c]!,
    }));
    const centroids = Array.from({ length: clustering.k }, (_, c) =>
      Array.from(clustering.centroids.subarray(c * d, c * d + d)),
    );
    const previous = await previousCentroids(workspaceId, features, scaling);
    const matches = matchClusters(
      centroids,
      previous.map((version) => version.scaled),
    );
    const sizes = new Array(clustering.k).fill(0);
    for (const label of clustering.labels) sizes[label] += 1;
    const fittedAt = clock.now();
    await db.transaction(async (tx) => {
      const runId = await insertRun(tx, workspaceId, {
        fittedAt,
        k: clustering.k,
        silhouette: quality,
        seed: options.seed,
        customers: n,
        minTouchpoints: options.minTouchpoints,
        features,
        candidates: classes.candidates,
      });
      const taken = new Set<string>();
      const personaIds: number[] = [];
      for (let c = 0; c < clustering.k; c++) {
        const distinguishing = distinguishingFeatures(features, rawMeans[c]!);
        const generatedName = generateName(distinguishing, taken);
        taken.add(generatedName);
        const earlier = matches[c] === null ? null : previous[matches[c]!]!;
        const personaId = earlier
          ? earlier.personaId
          : await insertPersona(tx, workspaceId, generatedName, fittedAt);
        if (earlier) await updateGeneratedName(tx, workspaceId, personaId, generatedName);
        personaIds.push(personaId);
        await insertVersion(tx, workspaceId, runId, {
          personaId,
          centroid: {
            scaled: centroids[c]!,
            raw: rawMeans[c]!,
            latentClass: latentClassOf(classes.model, c),
          },
          customers: sizes[c],
          description: {
            generatedName,
            share: sizes[c] / n,
            distinguishing,
            preferredFormat: preferredFormat(features, rawMeans[c]!),
          },
        });
      }
      const assignments = table.customerIds.map((customerId, i) => ({
        customerId,
        personaId: personaIds[clustering.labels[i]!]!,
        distance: distances[i]!,
      }));
      await replaceAssignments(tx, workspaceId, runId, assignments, fittedAt);
    });
    // Every customer with enough touchpoints was just assigned: no need to look for new ones.
    return list(workspaceId, { assign: false });
  }

  /** The latest run's personas, mapped to the new run's scaled space through their raw means. */
  async function previousCentroids(workspaceId: number, features: StoredFeature[], scaling: Scaling) {
    const run = await findLatestRun(db, workspaceId);
    if (!run) return [];
    const versions = await listVersions(db, workspaceId, run.runId);
    const indexOf = new Map(run.features.map((feature, j) => [feature.name, j]));
    return versions.map((version) => {
      // A feature the earlier run did not have sits at the population mean.
      const raw = new Float64Array(WIDTH).fill(Number.NaN);
      features.forEach((feature, c) => {
        const j = indexOf.get(feature.name);
        if (j !== undefined) raw[scaling.columns[c]!] = version.centroid.raw[j]!;
      });
      return { personaId: version.personaId, scaled: Array.from(applyScaling(raw, WIDTH, scaling)) };
    });
  }

  /** Customers without a persona (new since the run) joined to the nearest one; returns how many. */
  function assignNewCustomers(workspaceId: number): Promise<number> {
    const running = assigning.get(workspaceId);
    if (running) return running;
    const work = (async () => {
      const run = await findLatestRun(db, workspaceId);
      if (!run) return 0;
      const table = await queryPersonaFeatures(db, workspaceId, {
        minTouchpoints: run.minTouchpoints,
        onlyUnassigned: true,
      });
      if (table.customerIds.length === 0) return 0;
      const versions = await listVersions(db, workspaceId, run.runId);
      const scaling = storedScaling(run.features);
      const d = scaling.columns.length;
      const points = applyScaling(table.values, WIDTH, scaling);
      const centroids = Float64Array.from(versions.flatMap((version) => version.centroid.scaled));
      const labels = new Int32Array(table.customerIds.length);
      const distances = new Float64Array(table.customerIds.length);
      assignPoints(points, d, centroids, labels, distances);
      // The run's latent classes place them when it has them (a run of an earlier version has centroids only).
      const model = storedModel(versions);
      const data = mixtureDataOf(table);
      if (model && fitsData(model, data)) {
        labels.set(classify(data, model).labels);
        distanceToOwn(points, d, centroids, labels, distances);
      }
      const assignments = table.customerIds.map((customerId, i) => ({
        customerId,
        personaId: versions[labels[i]!]!.personaId,
        distance: distances[i]!,
      }));
      await appendAssignments(db, workspaceId, run.runId, assignments, clock.now());
      return assignments.length;
    })();
    assigning.set(workspaceId, work);
    return work.finally(() => assigning.delete(workspaceId));
  }

  async function list(workspaceId: number, options = { assign: true }): Promise<PersonaList> {
    if (options.assign) await assignNewCustomers(workspaceId);
    const run = await findLatestRun(db, workspaceId);
    if (!run) return { run: null, personas: [], newlyAssigned: 0 };
    const [versions, counts, stages, channels] = await Promise.all([
      listVersions(db, workspaceId, run.runId),
      countAssignments(db, workspaceId, run.fittedAt),
      queryPersonaStages(db, workspaceId),
      queryFirstChannels(db, workspaceId),
    ]);
    const total = [...counts.values()].reduce((sum, count) => sum + count.customers, 0);
    const personas = versions.map((version) =>
      describe(version, counts.get(version.personaId)?.customers ?? 0, total, stages, channels),
    );
    const { features: _features, ...summary } = run;
    return {
      run: summary,
      personas,
      newlyAssigned: [...counts.values()].reduce((sum, count) => sum + count.newer, 0),
    };
  }

  return {
    refresh,
    list,
    assignNewCustomers,

    async get(workspaceId: number, personaId: number): Promise<Persona> {
      const { personas } = await list(workspaceId);
      const persona = personas.find((candidate) => candidate.personaId === personaId);
      if (!persona) throw notFound(personaId);
      return persona;
    },

    async rename(workspaceId: number, personaId: number, name: string): Promise<Persona> {
      if (!(await renamePersona(db, workspaceId, personaId, name, clock.now()))) throw notFound(personaId);
      const persona = (await list(workspaceId)).personas.find(
        (candidate) => candidate.personaId === personaId,
      );
      if (!persona) throw notFound(personaId);
      return persona;
    },

    /** The persona one customer belongs to (a customer new since the run joins the nearest first). */
    async customer(workspaceId: number, customerId: number): Promise<CustomerPersona> {
      if (!(await customerExists(db, workspaceId, customerId)))
        throw new AppError('NOT_FOUND', `There is no customer ${customerId} in this workspace.`);
      await assignNewCustomers(workspaceId);
      const run = await findLatestRun(db, workspaceId);
      return {
        customerId,
        run: run ? { runId: run.runId, fittedAt: run.fittedAt } : null,
        persona: run ? await findCustomerPersona(db, workspaceId, customerId) : null,
      };
    },

    /** Customers of each persona in each lifecycle stage. */
    async stages(workspaceId: number, { savedSegment }: StageMatrixQuery = {}): Promise<StageMatrix> {
      await lifecycle.refuseUnknownSavedSegment(workspaceId, savedSegment);
      const { personas } = await list(workspaceId);
      const members = savedSegment ? await queryPersonaStages(db, workspaceId, savedSegment) : null;
      return {
        stages: [...STAGES],
        rows: personas.map((persona) => {
          const counts = STAGES.map((stage) =>
            members
              ? Number(
                  members.find((row) => row.persona_id === persona.personaId && row.stage === stage)
                    ?.customers ?? 0,
                )
              : (persona.stages.find((entry) => entry.stage === stage)?.customers ?? 0),
          );
          return {
            personaId: persona.personaId,
            name: persona.name,
            // Members not yet in the funnel too, as the persona's own count has them.
            customers: members
              ? members
                  .filter((row) => row.persona_id === persona.personaId)
                  .reduce((sum, row) => sum + Number(row.customers), 0)
              : persona.customers,
            counts,
          };
        }),
      };
    },
  };
}

export type PersonaService = ReturnType<typeof createPersonaService>;

/** Means of the raw features (scaled columns only) of each cluster's customers, unknown values skipped. */
function clusterRawMeans(table: FeatureTable, labels: Int32Array, k: number, scaling: Scaling): number[][] {
  const d = scaling.columns.length;
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k * d);
  for (let i = 0; i < labels.length; i++)
    for (let c = 0; c < d; c++) {
      const value = table.values[i * WIDTH + scaling.columns[c]!]!;
      if (Number.isNaN(value)) continue;
      sums[labels[i]! * d + c]! += value;
      counts[labels[i]! * d + c]! += 1;
    }
  return Array.from({ length: k }, (_, cluster) =>
    Array.from({ length: d }, (_, c) => {
      const count = counts[cluster * d + c]!;
      // No customer of the cluster has the feature: the population's mean (z = 0), never NaN.
      return count > 0 ? sums[cluster * d + c]! / count : scaling.means[c]!;
    }),
  );
}

/** The run's scaling, on the columns of FEATURES its features name (a feature since removed is skipped). */
function storedScaling(features: readonly StoredFeature[]): Scaling {
  const indexOf = new Map(FEATURES.map((feature, j) => [feature.name, j]));
  return {
    columns: features.map((feature) => indexOf.get(feature.name) ?? -1),
    means: features.map((feature) => feature.mean),
    sds: features.map((feature) => feature.sd),
    weights: features.map((feature) => feature.weight),
  };
}

function describe(
  version: StoredVersion,
  customers: number,
  total: number,
  stages: Array<{ persona_id: number; stage: string; customers: number }>,
  channels: Array<{ persona_id: number; channel: string; customers: number }>,
): Persona {
  const own = <T extends { persona_id: number }>(rows: T[]) =>
    rows.filter((row) => Number(row.persona_id) === version.personaId);
  const staged = own(stages);
  const inFunnel = staged.reduce((sum, row) => sum + Number(row.customers), 0);
  const firsts = own(channels).sort((a, b) => Number(b.customers) - Number(a.customers));
  const withChannel = firsts.reduce((sum, row) => sum + Number(row.customers), 0);
  return {
    personaId: version.personaId,
    name: version.name,
    generatedName: version.description.generatedName,
    renamed: version.renamed,
    customers,
    share: total > 0 ? customers / total : 0,
    distinguishing: version.description.distinguishing,
    preferredFormat: version.description.preferredFormat,
    firstChannels: firsts.slice(0, 5).map((row) => ({
      channel: row.channel,
      share: Number(row.customers) / withChannel,
    })),
    stages: STAGES.map((stage) => {
      const count = Number(staged.find((row) => row.stage === stage)?.customers ?? 0);
      return { stage, customers: count, share: inFunnel > 0 ? count / inFunnel : 0 };
    }),
  };
}

const invalid = (message: string) => new AppError('INVALID_INPUT', message);
const notFound = (personaId: number) =>
  new AppError(
    'NOT_FOUND',
    `No persona ${personaId} in this workspace's latest run: list them with GET /api/personas.`,
  );

/** Each class's mean in the scaled space (its centroid), row-major `k × d`. */
function classMeans(
  points: Float64Array,
  d: number,
  classes: { k: number; labels: Int32Array },
): Float64Array {
  const sums = new Float64Array(classes.k * d);
  const counts = new Float64Array(classes.k);
  classes.labels.forEach((label, i) => {
    counts[label]! += 1;
    for (let j = 0; j < d; j++) sums[label * d + j]! += points[i * d + j]!;
  });
  return sums.map((sum, index) =>
    counts[Math.floor(index / d)]! > 0 ? sum / counts[Math.floor(index / d)]! : 0,
  );
}

/** Each point's Euclidean distance to its own class's centroid. */
function distanceToOwn(
  points: Float64Array,
  d: number,
  centroids: Float64Array,
  labels: Int32Array,
  out: Float64Array,
) {
  labels.forEach((label, i) => {
    let sum = 0;
    for (let j = 0; j < d; j++) sum += (points[i * d + j]! - centroids[label * d + j]!) ** 2;
    out[i] = Math.sqrt(sum);
  });
}

const latentClassOf = (model: MixtureModel, c: number): LatentClass => ({
  logWeight: model.logWeights[c]!,
  logCategories: model.logCategories[c]!,
  means: model.means[c]!,
  variances: model.variances[c]!,
});

/** The run's latent-class model from its personas, when every one of them has its class. */
function storedModel(versions: StoredVersion[]): MixtureModel | null {
  const classes = versions.map((version) => version.centroid.latentClass);
  if (classes.some((entry) => !entry)) return null;
  const stored = classes as LatentClass[];
  return {
    k: stored.length,
    logWeights: stored.map((entry) => entry.logWeight),
    logCategories: stored.map((entry) => entry.logCategories),
    means: stored.map((entry) => entry.means),
    variances: stored.map((entry) => entry.variances),
    logLikelihood: Number.NaN,
    bic: Number.NaN,
  };
}

/** Whether a stored model has the categories the features have now (they change only with Agora's version). */
const fitsData = (model: MixtureModel, data: MixtureData) =>
  model.logCategories[0]!.length === data.blocks.length &&
  model.logCategories[0]!.every((block, b) => block.length === data.blocks[b]!.columns.length) &&
  model.means[0]!.length === data.numeric.length;
