/**
 * Attribution over a date range, from counts by day. A path belongs to the day it ended (its conversion, or
 * for a path that did not convert its last touchpoint), and everything the models are computed from — each
 * heuristic's credit, the Markov transitions, the channel sets, the period's conversions — is a sum over
 * paths: the counts of a range of whole days are the sums of its days' counts. Reading all time day by day
 * costs about what reading one range does, and every range after that is a sum in memory, so the console's
 * date filter answers at once when its page's own view has been made (platform/http/answer-cache.ts).
 *
 * Kept per workspace and query until the data changes, where reads are kept (db/kept-reads.ts: a server on
 * DuckDB).
 * Elsewhere, and for a range that is not of whole days, the range is read on its own.
 */
import type { Database } from '../../platform/db/database.ts';
import { createKeptReads } from '../../platform/db/kept-reads.ts';
import type { AttributionQuery } from './attribution.schema.ts';
import {
  type ChannelSetRow,
  HEURISTIC_COLUMNS,
  type HeuristicRow,
  type PathCounts,
  queryAttributionPaths,
  type TransitionRow,
} from './attribution-paths.query.ts';
import { SHAPLEY_MAX_CHANNELS } from './compute-shapley.ts';

const DAY_MS = 86_400_000;

/** Queries whose counts by day are kept at most; the one used longest ago goes first. */
const KEPT_QUERIES = 16;

type Counts = Map<number, PathCounts>;

/** The counts of a query's paths, from counts by day where they can be kept (see above). */
export function createPathCounts(db: Database, keepReads: boolean) {
  const byDay = createKeptReads<Counts>(db, KEPT_QUERIES, keepReads);
  return async (workspaceId: number, query: AttributionQuery, stages = false): Promise<Counts> => {
    if (!byDay.keeps || !inWholeDays(query)) return queryAttributionPaths(db, workspaceId, query, stages);
    const key = JSON.stringify({ workspaceId, stages, ...query, from: null, to: null, bootstrap: null });
    const days = await byDay.get(key, () => queryAttributionPaths(db, workspaceId, query, stages, true));
    const ranged = query.from !== undefined || query.to !== undefined;
    // Beyond this many groups a mask no longer fits the 31 bits JavaScript's bit operators take (and the
    // data-driven models are left out): which groups a range has is then read with it.
    if (ranged && [...days.values()].some((counts) => groupsOf(counts) > SHAPLEY_MAX_CHANNELS))
      return queryAttributionPaths(db, workspaceId, query, stages);
    return new Map([...days].map(([step, counts]) => [step, countsWithin(counts, query.from, query.to)]));
  };
}

/** Whether a range, if there is one, is of whole days (UTC): what counts by day can answer. */
export const inWholeDays = (range: { from?: Date | undefined; to?: Date | undefined }) =>
  [range.from, range.to].every((at) => !at || at.getTime() % DAY_MS === 0);

const groupsOf = (counts: PathCounts) => counts.sets.filter((row) => row.kind === 'group').length;

const HEURISTIC_SUMS = HEURISTIC_COLUMNS.flatMap((model) => [model, `${model}_revenue`]);
const TRANSITION_SUMS = ['paths', 'ended', 'converted'] as const;
const SET_SUMS = ['paths', 'converting', 'conversions', 'revenue'] as const;

/**
 * The counts of the paths that ended in [from, to) (either end open), from the counts of all time by day: each
 * count summed over the days. The group rows, which name the bits of the channel sets, stay all time's: the
 * models read names through them, and count them only to leave Markov and Shapley out beyond 30 groups, where
 * createPathCounts reads a range on its own.
 */
export function countsWithin(days: PathCounts, from?: Date, to?: Date): PathCounts {
  const first = from ? from.getTime() / DAY_MS : Number.NEGATIVE_INFINITY;
  const end = to ? to.getTime() / DAY_MS : Number.POSITIVE_INFINITY;
  const within = <T extends { day?: number | null }>(rows: T[]) =>
    rows.filter((row) => row.day != null && row.day >= first && row.day < end);
  const sets = days.sets.filter((row) => row.kind === 'set');
  const pathSets = sumBy(within(sets), (row) => String(row.mask), SET_SUMS);
  const all = days.sets.filter((row) => row.kind === 'all');
  const conversions = sumBy(within(all), () => 'all', ['conversions', 'revenue'])[0];
  return {
    heuristics: sumBy(within(days.heuristics), (row) => row.grp, HEURISTIC_SUMS),
    transitions: sumBy(
      within(days.transitions),
      (row) => JSON.stringify([row.from_state, row.to_state]),
      TRANSITION_SUMS,
    ),
    sets: [
      ...pathSets,
      ...days.sets.filter((row) => row.kind === 'group'),
      { ...all[0]!, conversions: conversions?.conversions ?? 0, revenue: conversions?.revenue ?? 0 },
    ],
  };
}

/** The rows summed by key: the named counts added up, the rest (the key) as the first row of the key has it. */
function sumBy<T extends HeuristicRow | TransitionRow | ChannelSetRow>(
  rows: T[],
  keyOf: (row: T) => string,
  counts: readonly string[],
): T[] {
  const sums = new Map<string, Record<string, unknown>>();
  for (const row of rows) {
    const key = keyOf(row);
    const sum = sums.get(key);
    if (!sum) sums.set(key, { ...row, day: null });
    else for (const name of counts) (sum[name] as number) += (row as Record<string, number>)[name]!;
  }
  return [...sums.values()] as T[];
}
