/**
 * The behaviour index of any population (a persona, a saved segment) from every active customer's scores
 * held in memory: the window's events are scored once per window and breakdown, and a population is a pass
 * over the scores of the customers it keeps, instead of scoring the window's millions of events again per
 * request (2 s for a saved segment at 500,000 customers). Read once per change of the data
 * (db/kept-reads.ts: in a server on DuckDB); elsewhere queryIndex answers, and this pass counts what it
 * counts (the sums in another order: equal to the last few bits).
 */
import type { Database } from '../../platform/db/database.ts';
import type { Audience } from '../lifecycle/index.ts';
import { type IndexRow, type IndexWindow, queryScores } from './behavior-index.query.ts';
import { BEHAVIORS, type BehaviorQuery } from './behaviors.schema.ts';

export interface HeldIndex {
  /** The window's active customers and the index of each one's group in `groupNames`. */
  active: Int32Array;
  groups: Int32Array;
  groupNames: string[];
  /** One score per customer and behaviour shown (an index into BEHAVIORS). */
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
  const firsts = rows.filter((row, i) => i === 0 || rows[i - 1]!.customer_id !== row.customer_id);
  const scored = rows.filter((row) => row.behavior !== null);
  return {
    active: Int32Array.from(firsts, (row) => row.customer_id),
    groups: Int32Array.from(firsts, (row) => indexOf.get(row.grp)!),
    groupNames,
    scored: Int32Array.from(scored, (row) => row.customer_id),
    behaviors: Uint8Array.from(scored, (row) => row.behavior!),
    scores: Float64Array.from(scored, (row) => row.score!),
  };
}

/** queryIndex's rows for the customers `kept` holds (all when null). */
export function countIndex(held: HeldIndex, kept: Audience | null): IndexRow[] {
  const groups = held.groupNames.length;
  // Per group (the organisation last): active customers, and per behaviour those showing it and their sum.
  const active = new Float64Array(groups + 1);
  const showing = new Float64Array((groups + 1) * BEHAVIORS.length);
  const sums = new Float64Array((groups + 1) * BEHAVIORS.length);
  const groupOf = new Map<number, number>();
  for (let i = 0; i < held.active.length; i++) {
    const customer = held.active[i]!;
    if (kept && !kept.has(customer)) continue;
    groupOf.set(customer, held.groups[i]!);
    active[held.groups[i]!]!++;
    active[groups]!++;
  }
  for (let i = 0; i < held.scored.length; i++) {
    const group = groupOf.get(held.scored[i]!);
    if (group === undefined) continue;
    for (const at of [group * BEHAVIORS.length, groups * BEHAVIORS.length]) {
      showing[at + held.behaviors[i]!]!++;
      sums[at + held.behaviors[i]!]! += held.scores[i]!;
    }
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
