/**
 * The behaviour index of any population (a persona, a saved segment) from every active customer's scores
 * held in memory: the window's events are scored once per window and breakdown, and a population is a pass
 * over the scores of the customers it keeps, instead of scoring the window's millions of events again per
 * request (2 s for a saved segment at 500,000 customers). Read once per change of the data
 * (db/kept-reads.ts: in a server on DuckDB); elsewhere queryIndex answers, and this pass counts what it
 * counts (the sums in another order: equal to the last few bits).
 */
import type { Database } from '../../platform/db/database.ts';
import { pass } from '../../platform/workers/pass-lanes.ts';
import { sharedFrom } from '../../platform/workers/shared-arrays.ts';
import type { Audience } from '../lifecycle/index.ts';
import { type IndexRow, type IndexWindow, queryScores } from './behavior-index.query.ts';
import { BEHAVIORS, type BehaviorQuery } from './behaviors.schema.ts';

export interface HeldIndex {
  /** The window's active customers and the index of each one's group in `groupNames`. */
  active: Int32Array;
  groups: Int32Array;
  groupNames: string[];
  /** One score per customer and behaviour shown (an index into BEHAVIORS); the customer's index in `active`. */
  scored: Int32Array;
  behaviors: Uint8Array;
  scores: Float64Array;
}

export async function readHeldIndex(
  db: Database,
  workspaceId: number,
  window: IndexWindow,
  breakdown: BehaviorQuery['breakdown'],
): Promise<HeldIndex> {
  const rows = await queryScores(db, workspaceId, window, breakdown);
  const groupNames = [...new Set(rows.map((row) => row.grp))];
  const indexOf = new Map(groupNames.map((name, i) => [name, i]));
  // Rows come by customer: the first of each is the customer's.
  const isFirst = (i: number) => i === 0 || rows[i - 1]!.customer_id !== rows[i]!.customer_id;
  const firsts = rows.flatMap((_, i) => (isFirst(i) ? [i] : []));
  const scored = rows.flatMap((row, i) => (row.behavior === null ? [] : [i]));
  // Each row's customer as an index into `active`.
  let customer = -1;
  const activeOf = Int32Array.from(rows, (_, i) => (isFirst(i) ? ++customer : customer));
  // On shared memory: the index is counted on either lane (platform/workers/pass-lanes.ts).
  return {
    active: sharedFrom(Int32Array, firsts, (i) => rows[i]!.customer_id),
    groups: sharedFrom(Int32Array, firsts, (i) => indexOf.get(rows[i]!.grp)!),
    groupNames,
    scored: sharedFrom(Int32Array, scored, (i) => activeOf[i]!),
    behaviors: sharedFrom(Uint8Array, scored, (i) => rows[i]!.behavior!),
    scores: sharedFrom(Float64Array, scored, (i) => rows[i]!.score!),
  };
}

/** queryIndex's rows for the customers `kept` holds (all when null). */
export function countIndex(held: HeldIndex, kept: Audience | null): IndexRow[] {
  const groups = held.groupNames.length;
  // Per group (the organisation last): active customers, and per behaviour those showing it and their sum.
  const active = new Float64Array(groups + 1);
  const showing = new Float64Array((groups + 1) * BEHAVIORS.length);
  const sums = new Float64Array((groups + 1) * BEHAVIORS.length);
  // Each active customer's group, -1 where not kept.
  const groupOf = new Int32Array(held.active.length).fill(-1);
  for (let i = 0; i < held.active.length; i++) {
    if (kept && !kept.has(held.active[i]!)) continue;
    groupOf[i] = held.groups[i]!;
    active[held.groups[i]!]!++;
    active[groups]!++;
  }
  const organisation = groups * BEHAVIORS.length;
  for (let i = 0; i < held.scored.length; i++) {
    const group = groupOf[held.scored[i]!]!;
    if (group < 0) continue;
    const [own, all] = [group * BEHAVIORS.length + held.behaviors[i]!, organisation + held.behaviors[i]!];
    showing[own]!++;
    sums[own]! += held.scores[i]!;
    showing[all]!++;
    sums[all]! += held.scores[i]!;
  }
  const rowsOf = (dim: string, grp: string, g: number): IndexRow[] =>
    active[g]! === 0
      ? []
      : [
          { dim, grp, behavior: null, customers: active[g]!, score_sum: null },
          ...BEHAVIORS.flatMap((behavior, b) => {
            const at = g * BEHAVIORS.length + b;
            return showing[at]! > 0
              ? [{ dim, grp, behavior, customers: showing[at]!, score_sum: sums[at]! }]
              : [];
          }),
        ];
  return [
    ...rowsOf('organisation', 'all', groups),
    ...held.groupNames.flatMap((name, g) => rowsOf('group', name, g)),
  ];
}

/** countIndex on either lane (platform/workers/pass-lanes.ts). */
export const INDEX_PASS = pass(import.meta.url, countIndex);
