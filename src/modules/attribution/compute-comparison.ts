/**
 * Every model's credit from the counts the attribution queries give, side by side with their ranks; and the
 * bootstrap intervals of the data-driven models over resamples of customers.
 */
import { percentileCont } from '../../platform/numeric/percentile.ts';
import { pass } from '../../platform/workers/pass-lanes.ts';
import {
  type AttributionQuery,
  type AttributionReport,
  type Credit,
  HEURISTIC_MODELS,
  MODEL_MEANINGS,
  MODELS,
  type Model,
} from './attribution.schema.ts';
import {
  type ChannelSetRow,
  type HeuristicRow,
  PART_SEPARATOR,
  type TransitionRow,
} from './attribution-paths.query.ts';
import { computeMarkov, type Transition } from './compute-markov.ts';
import { computeShapley, EXACT_SHAPLEY_MAX, SHAPLEY_MAX_CHANNELS } from './compute-shapley.ts';

/** Markov and Shapley over more groups than this would take minutes: they are left out, and the answer says so. */
const DATA_DRIVEN_MAX_GROUPS = SHAPLEY_MAX_CHANNELS;

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
export function bootstrapIntervals(
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
  // Type 7 quantiles (R's and NumPy's default) are percentile_cont's; every group has a draw per replicate.
  const quantile = (values: number[], q: number) => percentileCont(Float64Array.from(values), q)!;
  const interval = (values: number[]) => ({ low: quantile(values, 0.025), high: quantile(values, 0.975) });
  return {
    markov: Object.fromEntries([...draws.markov].map(([group, values]) => [group, interval(values)])),
    shapley: Object.fromEntries([...draws.shapley].map(([group, values]) => [group, interval(values)])),
  };
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

/** compareModels on either lane (platform/workers/pass-lanes.ts). */
export const COMPARE_PASS = pass(import.meta.url, compareModels);
