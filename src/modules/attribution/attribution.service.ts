/**
 * Touchpoint attribution: every model over the same paths, side by side, each with what it measures
 * (docs/models/attribution.md).
 */
import type { Database } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { refuseUnknownEvents } from '../funnels/index.ts';
import { type LifecycleService, STAGES } from '../lifecycle/index.ts';
import {
  type AttributionQuery,
  AttributionQuerySchema,
  type AttributionReport,
  type Credit,
  EXPOSED_ARMS,
  type ExperimentQuery,
  type ExperimentReport,
  HEURISTIC_MODELS,
  HOLDOUT_ARMS,
  MODEL_MEANINGS,
  MODELS,
  type Model,
  type StageAttributionQuery,
  type StageAttributionReport,
} from './attribution.schema.ts';
import {
  type ChannelSetRow,
  type HeuristicRow,
  PART_SEPARATOR,
  queryAttributionPaths,
  queryResamples,
  type TransitionRow,
} from './attribution-paths.query.ts';
import { computeLift } from './compute-lift.ts';
import { computeMarkov, type Transition } from './compute-markov.ts';
import { computeShapley, EXACT_SHAPLEY_MAX, SHAPLEY_MAX_CHANNELS } from './compute-shapley.ts';
import { type ArmRow, queryExperimentArms } from './experiment-lift.query.ts';

/** Markov and Shapley over more groups than this would take minutes: they are left out, and the answer says so. */
export const DATA_DRIVEN_MAX_GROUPS = SHAPLEY_MAX_CHANNELS;

/** The heuristic models' columns in the query's answer. */
const COLUMNS: Record<(typeof HEURISTIC_MODELS)[number], string> = {
  firstTouch: 'first_touch',
  lastTouch: 'last_touch',
  lastNonDirect: 'last_non_direct',
  linear: 'linear',
  timeDecay: 'time_decay',
  positionBased: 'position_based',
  wShaped: 'w_shaped',
};

export function createAttributionService(deps: { db: Database; lifecycle: LifecycleService }) {
  const { db, lifecycle } = deps;
  async function compare(workspaceId: number, query: AttributionQuery): Promise<AttributionReport> {
    await refuseUnknownInput(db, workspaceId, query);
    // Stage conversions and the W-shaped milestone read the lifecycle.
    await lifecycle.ensureRefreshed(workspaceId);
    const { heuristics, transitions, sets } = await queryAttributionPaths(db, workspaceId, query);
    const report = compareModels(query, heuristics, transitions, sets);
    if (query.bootstrap > 0 && report.models.markov) {
      const resamples = await queryResamples(db, workspaceId, query);
      report.intervals = bootstrapIntervals(resamples.transitions, resamples.sets);
      report.notes.push(
        `Markov and Shapley intervals: 2.5th to 97.5th percentile of ${query.bootstrap} resamples of customers (Poisson bootstrap).`,
      );
    }
    return report;
  }
  return {
    compare,

    /** The models over each step of the lifecycle: which touchpoints move customers on, stage by stage. */
    async stageTransitions(
      workspaceId: number,
      query: StageAttributionQuery,
    ): Promise<StageAttributionReport> {
      const transitions: StageAttributionReport['transitions'] = [];
      for (const [index, to] of STAGES.entries()) {
        const from = STAGES[index - 1];
        if (!from) continue;
        const step = { ...query, conversion: `stage:${to}`, occurrence: 'first' as const, fromStage: from };
        transitions.push({ from, to, report: await compare(workspaceId, step) });
      }
      return { by: query.by, transitions };
    },

    /** Each randomised experiment's lift, beside what the models credit to the campaign of its name. */
    async experiments(workspaceId: number, query: ExperimentQuery): Promise<ExperimentReport> {
      if (!query.conversion.startsWith('stage:'))
        await refuseUnknownEvents(db, workspaceId, [{ name: query.conversion, field: 'conversion' }]);
      await lifecycle.ensureRefreshed(workspaceId);
      const arms = await queryExperimentArms(db, workspaceId, query);
      const byCampaign =
        arms.length === 0
          ? null
          : await compare(
              workspaceId,
              AttributionQuerySchema.parse({
                conversion: query.conversion,
                occurrence: query.occurrence,
                lookback: `${query.window}s`,
                by: 'campaign',
              }),
            );
      const names = [...new Set(arms.map((row) => row.experiment))];
      return {
        conversion: query.conversion,
        windowDays: query.window / 86_400,
        experiments: names.map((name) =>
          experimentResult(
            name,
            arms.filter((row) => row.experiment === name),
            byCampaign,
          ),
        ),
      };
    },
  };
}

function experimentResult(
  experiment: string,
  rows: ArmRow[],
  byCampaign: AttributionReport | null,
): ExperimentReport['experiments'][number] {
  const arms = rows.map((row) => ({
    arm: row.arm,
    customers: row.customers,
    converted: row.converted,
    rate: row.customers ? row.converted / row.customers : 0,
  }));
  const find = (names: string[]) => arms.find((arm) => names.includes(arm.arm.toLowerCase())) ?? null;
  const exposed = find(EXPOSED_ARMS);
  const holdout = find(HOLDOUT_ARMS);
  const modelCredit = Object.fromEntries(
    MODELS.flatMap((model) => {
      const credit = byCampaign?.models[model]?.[experiment];
      return credit ? [[model, credit.conversions]] : [];
    }),
  );
  if (!exposed || !holdout)
    return {
      experiment,
      arms,
      exposed: exposed?.arm ?? null,
      holdout: holdout?.arm ?? null,
      lift: null,
      modelCredit,
      note: `No lift: the experiment needs an exposed arm (${EXPOSED_ARMS.join(', ')}) and a holdout (${HOLDOUT_ARMS.join(', ')}) in the \`group\` property.`,
    };
  const lift = computeLift(exposed, holdout);
  return {
    experiment,
    arms,
    exposed: exposed.arm,
    holdout: holdout.arm,
    lift: {
      ...lift,
      incrementalConversions: {
        estimate: lift.lift * exposed.customers,
        low: lift.interval.low * exposed.customers,
        high: lift.interval.high * exposed.customers,
      },
    },
    modelCredit,
    note: null,
  };
}

export type AttributionService = ReturnType<typeof createAttributionService>;

async function refuseUnknownInput(db: Database, workspaceId: number, query: AttributionQuery): Promise<void> {
  if (!query.conversion.startsWith('stage:'))
    await refuseUnknownEvents(db, workspaceId, [{ name: query.conversion, field: 'conversion' }]);
  if (!query.by.startsWith('properties.')) return;
  const key = query.by.slice('properties.'.length);
  // The key was checked against [A-Za-z0-9_$-]: safe inside a string literal (a bound key reads as an index).
  const found = await db.query(
    `SELECT 1 AS found FROM events WHERE workspace_id = $1 AND channel IS NOT NULL AND (properties ->> '${key}') IS NOT NULL LIMIT 1`,
    [workspaceId],
  );
  if (found.length === 0)
    throw new AppError(
      'INVALID_INPUT',
      `by: no touchpoint has the property "${key}" in this workspace. Group by channel, campaign, device, source, medium, touchpoint, format, or a property your touchpoints carry.`,
      { details: { field: 'by' } },
    );
}

export function compareModels(
  query: AttributionQuery,
  heuristics: HeuristicRow[],
  transitions: TransitionRow[],
  sets: ChannelSetRow[],
): AttributionReport {
  const notes: string[] = [];
  const pathSets = sets.filter((row) => row.kind === 'set');
  const all = sets.find((row) => row.kind === 'all')!;
  const groupCount = sets.filter((row) => row.kind === 'group').length;
  const attributed = attributedBy(pathSets);
  const models: Partial<Record<Model, Record<string, Credit>>> = {};
  for (const model of HEURISTIC_MODELS) {
    const column = COLUMNS[model];
    models[model] = Object.fromEntries(
      heuristics.map((row) => [row.grp, { conversions: row[column]!, revenue: row[`${column}_revenue`]! }]),
    );
  }
  const groups = heuristics.map((row) => row.grp).sort();
  if (groupCount > DATA_DRIVEN_MAX_GROUPS)
    notes.push(
      `Markov and Shapley are left out: ${groupCount} groups is more than ${DATA_DRIVEN_MAX_GROUPS}; group by something coarser to see them.`,
    );
  else if (attributed.conversions > 0) {
    const { markov, shapley } = dataDrivenCredit(transitions, sets);
    models.markov = markov;
    models.shapley = Object.fromEntries(shapley.credits);
    if (shapley.method === 'sampled')
      notes.push(
        `Shapley values of channel sets larger than ${EXACT_SHAPLEY_MAX} are estimated from ${shapley.permutations} random orders of joining each, not from every coalition.`,
      );
  }
  const paths = {
    converting: sum(pathSets.map((row) => row.converting)),
    nonConverting: sum(pathSets.map((row) => row.paths - row.converting)),
  };
  return {
    conversion: query.conversion,
    by: query.by,
    lookbackDays: query.lookback / 86_400,
    paths,
    conversions: all.conversions,
    revenue: all.revenue,
    unattributed: {
      conversions: all.conversions - attributed.conversions,
      revenue: all.revenue - attributed.revenue,
    },
    models,
    comparison: compareRanks(groups, models),
    meanings: MODEL_MEANINGS,
    intervals: {},
    notes,
  };
}

const attributedBy = (pathSets: ChannelSetRow[]): Credit => ({
  conversions: sum(pathSets.map((row) => row.conversions)),
  revenue: sum(pathSets.map((row) => row.revenue)),
});

/** Markov's and Shapley's credit from the counts of the answer, or of one resample. */
function dataDrivenCredit(transitions: TransitionRow[], sets: ChannelSetRow[]) {
  const groupNames = new Map(sets.filter((row) => row.kind === 'group').map((row) => [row.mask!, row.grp!]));
  // A resample may leave a set out altogether.
  const pathSets = sets.filter((row) => row.kind === 'set' && row.paths > 0);
  const attributed = attributedBy(pathSets);
  const markov = shareOut(
    computeMarkov(markovTransitions(transitions), PART_SEPARATOR).removalEffects,
    attributed,
  );
  const shapley = computeShapley(
    pathSets.map((row) => ({ ...row, channels: namesOf(row.mask!, groupNames) })),
  );
  return { markov, shapley };
}

/** Each group's 2.5th and 97.5th percentile credit over the resamples. */
function bootstrapIntervals(
  transitions: TransitionRow[],
  sets: ChannelSetRow[],
): AttributionReport['intervals'] {
  const byReplicate = <T extends { replicate?: number }>(rows: T[]) => {
    const grouped = new Map<number, T[]>();
    for (const row of rows) grouped.set(row.replicate!, [...(grouped.get(row.replicate!) ?? []), row]);
    return grouped;
  };
  const shared = sets.filter((row) => row.kind !== 'set');
  const setsOf = byReplicate(sets.filter((row) => row.kind === 'set'));
  const draws = { markov: new Map<string, number[]>(), shapley: new Map<string, number[]>() };
  for (const [replicate, rows] of byReplicate(transitions)) {
    const credit = dataDrivenCredit(rows, [...(setsOf.get(replicate) ?? []), ...shared]);
    const credits = { markov: Object.entries(credit.markov), shapley: [...credit.shapley.credits] };
    for (const model of ['markov', 'shapley'] as const)
      for (const [group, { conversions }] of credits[model])
        draws[model].set(group, [...(draws[model].get(group) ?? []), conversions]);
  }
  const interval = (values: number[]) => ({ low: quantile(values, 0.025), high: quantile(values, 0.975) });
  return {
    markov: Object.fromEntries([...draws.markov].map(([group, values]) => [group, interval(values)])),
    shapley: Object.fromEntries([...draws.shapley].map(([group, values]) => [group, interval(values)])),
  };
}

/** The q-quantile by linear interpolation between order statistics (type 7, as R and NumPy default). */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

/** The query's counts as the chain's transitions: each step, and each path's end, converting or not. */
export function markovTransitions(rows: TransitionRow[]): Transition[] {
  const ends = new Map<string, { converted: number; ended: number }>();
  for (const row of rows) {
    const end = ends.get(row.to_state) ?? { converted: 0, ended: 0 };
    end.converted += row.converted;
    end.ended += row.ended;
    ends.set(row.to_state, end);
  }
  const steps = rows.map((row) => ({
    from: row.from_state,
    to: row.to_state,
    outcome: null,
    paths: row.paths,
  }));
  const endings = [...ends].flatMap(([state, end]) => [
    { from: state, to: null, outcome: 'conversion' as const, paths: end.converted },
    { from: state, to: null, outcome: 'null' as const, paths: end.ended - end.converted },
  ]);
  return [...steps, ...endings].filter((transition) => transition.paths > 0);
}

/** The groups whose bits are set in a path's mask (bit i: 2^i, so that masks beyond 32 bits read right). */
export function namesOf(mask: number, groupNames: Map<number, string>): string[] {
  return [...groupNames].filter(([bit]) => Math.floor(mask / 2 ** bit) % 2 === 1).map(([, name]) => name);
}

/** Removal effects shared out in proportion. */
function shareOut(scores: Map<string, number>, total: Credit): Record<string, Credit> {
  const scale = sum([...scores.values()]);
  return Object.fromEntries(
    [...scores].map(([group, score]) => {
      const share = scale === 0 ? 0 : score / scale;
      return [group, { conversions: share * total.conversions, revenue: share * total.revenue }];
    }),
  );
}

/** Each group's credit and rank under every model (ties share a rank); groups ordered by their mean rank. */
function compareRanks(
  groups: string[],
  models: Partial<Record<Model, Record<string, Credit>>>,
): AttributionReport['comparison'] {
  const computed = MODELS.filter((model) => models[model]);
  const ranks = new Map<Model, Map<string, number>>();
  for (const model of computed) {
    const credit = (group: string) => models[model]![group]?.conversions ?? 0;
    const rank = (group: string) => 1 + groups.filter((other) => credit(other) > credit(group) + TIE).length;
    ranks.set(model, new Map(groups.map((group) => [group, rank(group)])));
  }
  return groups
    .map((group) => {
      const groupRanks = computed.map((model) => ranks.get(model)!.get(group)!);
      return {
        group,
        conversions: Object.fromEntries(
          computed.map((model) => [model, models[model]![group]?.conversions ?? 0]),
        ),
        ranks: Object.fromEntries(computed.map((model, index) => [model, groupRanks[index]!])),
        spread: Math.max(...groupRanks) - Math.min(...groupRanks),
        meanRank: sum(groupRanks) / groupRanks.length,
      };
    })
    .sort((a, b) => a.meanRank - b.meanRank || a.group.localeCompare(b.group))
    .map(({ meanRank: _, ...row }) => row);
}

/** Credits this close are a tie: sums of the same shares in another order differ in the last bits. */
const TIE = 1e-9;

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
