/**
 * Attribution over a date range, from counts by day. A path belongs to the day it ended (its conversion, or
 * for a path that did not convert its last touchpoint), and everything the models are computed from — each
 * heuristic's credit, the Markov transitions, the channel sets, the period's conversions — is a sum over
 * paths: the counts of a range of whole days are the sums of its days' counts. Reading all time day by day
 * costs about what reading one range does, and every range after that is a sum in memory, so the console's
 * date filter answers at once when its page's own view has been made (platform/http/answer-cache.ts).
 *
 * Kept per workspace and query until the data changes, where reads are kept (db/kept-reads.ts: a server on
 * DuckDB); a range asked for once the data has changed reads all time again, for the ranges after it.
 * Elsewhere, and for a range that is not of whole days, the range is read on its own.
 */
import type { Database } from '../../platform/db/database.ts';
import { createKeptReads, inWholeDays, readKey } from '../../platform/db/kept-reads.ts';
import { firstAtOrAfter } from '../../platform/numeric/sorted.ts';
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
type Indexes = Map<number, DayIndex>;

/** The counts of a query's paths, from counts by day where they can be kept (see above). */
export function createPathCounts(db: Database, keepReads: boolean) {
  const byDay = createKeptReads<Indexes>(db, KEPT_QUERIES, keepReads);
  return async (workspaceId: number, query: AttributionQuery, stages = false): Promise<Counts> => {
    if (!byDay.keeps || !inWholeDays(query)) return queryAttributionPaths(db, workspaceId, query, stages);
    const { from, to, bootstrap, ...paths } = query;
    const key = readKey({ workspaceId, stages, ...paths });
    const days = await byDay.get(key, async () => {
      const counts = await queryAttributionPaths(db, workspaceId, query, stages, true);
      return new Map([...counts].map(([step, stepCounts]) => [step, indexByDay(stepCounts)]));
    });
    const ranged = from !== undefined || to !== undefined;
    // Beyond this many groups a mask no longer fits the 31 bits JavaScript's bit operators take (and the
    // data-driven models are left out): which groups a range has is then read with it.
    if (ranged && [...days.values()].some((index) => index.groups.length > SHAPLEY_MAX_CHANNELS))
      return queryAttributionPaths(db, workspaceId, query, stages);
    return new Map([...days].map(([step, counts]) => [step, countsWithin(counts, from, to)]));
  };
}

const HEURISTIC_SUMS = HEURISTIC_COLUMNS.flatMap((model) => [model, `${model}_revenue`]);
const TRANSITION_SUMS = ['paths', 'ended', 'converted'];
const SET_SUMS = ['paths', 'converting', 'conversions', 'revenue'];
const ALL_SUMS = ['conversions', 'revenue'];

/**
 * One kind of row by day, grouped by key: for each key, a row standing for it and its counts day by day in
 * typed arrays (a row of `columns` per day, days in order, so that a range is found by halving). Hundreds of
 * thousands of rows a step summed without a single object made, and held in a fraction of the memory the rows
 * would take.
 */
interface DayTable<T> {
  columns: readonly string[];
  keys: Array<{ row: T; days: Int32Array; values: Float64Array }>;
}

/** The counts of all time by day, as countsWithin sums them. */
export interface DayIndex {
  heuristics: DayTable<HeuristicRow>;
  transitions: DayTable<TransitionRow>;
  sets: DayTable<ChannelSetRow>;
  /** The period's conversions (one key). */
  all: DayTable<ChannelSetRow>;
  /** The group rows, which name the bits of the channel sets. */
  groups: ChannelSetRow[];
}

export function indexByDay(days: PathCounts): DayIndex {
  const ofKind = (kind: ChannelSetRow['kind']) => days.sets.filter((row) => row.kind === kind);
  return {
    heuristics: tableOf(days.heuristics, (row) => row.grp, HEURISTIC_SUMS),
    transitions: tableOf(
      days.transitions,
      (row) => `${row.from_state}\u0000${row.to_state}`,
      TRANSITION_SUMS,
    ),
    sets: tableOf(ofKind('set'), (row) => String(row.mask), SET_SUMS),
    // The rows with no day are of no conversion at all; one stays, as the row that stands for the rest.
    all: tableOf(ofKind('all'), () => 'all', ALL_SUMS),
    groups: ofKind('group'),
  };
}

function tableOf<T extends { day?: number | null }>(
  rows: T[],
  keyOf: (row: T) => string,
  columns: readonly string[],
): DayTable<T> {
  const byKey = new Map<string, { row: T; days: number[]; values: number[] }>();
  for (const row of rows) {
    const key = keyOf(row);
    const entry = byKey.get(key) ?? { row: { ...row, day: null }, days: [], values: [] };
    byKey.set(key, entry);
    if (row.day == null) continue;
    entry.days.push(row.day);
    for (const column of columns) entry.values.push((row as Record<string, number>)[column]!);
  }
  return {
    columns,
    keys: [...byKey.values()].map(({ row, days, values }) => {
      const width = columns.length;
      const order = days.map((_, d) => d).sort((a, b) => days[a]! - days[b]!);
      const inOrder = new Float64Array(values.length);
      order.forEach((d, at) => {
        inOrder.set(values.slice(d * width, (d + 1) * width), at * width);
      });
      return { row, days: Int32Array.from(order, (d) => days[d]!), values: inOrder };
    }),
  };
}

/**
 * The counts of the paths that ended in [from, to) (either end open), from the counts of all time by day: each
 * count summed over the days. The group rows stay all time's: the models read names through them, and count
 * them only to leave Markov and Shapley out beyond 30 groups, where createPathCounts reads a range on its own.
 */
export function countsWithin(index: DayIndex, from?: Date, to?: Date): PathCounts {
  const first = from ? from.getTime() / DAY_MS : Number.NEGATIVE_INFINITY;
  const end = to ? to.getTime() / DAY_MS : Number.POSITIVE_INFINITY;
  const within = <T>(table: DayTable<T>, keepEmpty = false): T[] =>
    table.keys.flatMap(({ row, days, values }) => {
      const sums = new Float64Array(table.columns.length);
      const [start, stop] = [firstAtOrAfter(days, first), firstAtOrAfter(days, end)];
      for (let d = start; d < stop; d++)
        for (let c = 0; c < sums.length; c++) sums[c]! += values[d * sums.length + c]!;
      if (start === stop && !keepEmpty) return [];
      return [{ ...row, ...Object.fromEntries(table.columns.map((column, c) => [column, sums[c]])) }];
    });
  return {
    heuristics: within(index.heuristics),
    transitions: within(index.transitions),
    sets: [...within(index.sets), ...index.groups, ...within(index.all, true)],
  };
}
