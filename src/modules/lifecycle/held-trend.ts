/**
 * The lifecycle trend under any filter, from every stage entry held in memory: the day it happened and its
 * stage. A filter keeps customers (first seen in a range, of a segment, …: held-customers.ts), so its trend
 * is one pass over the entries instead of a join of every entry with the filtered customers. Read once per
 * change of the data (db/kept-reads.ts: in a server on DuckDB); elsewhere each trend is read on its
 * own (lifecycle-report.query.ts), and this pass counts what that SQL counts.
 */
import { type Database, matrixColumn } from '../../platform/db/database.ts';
import { epochDay } from '../../platform/db/portable-sql.ts';
import { pass } from '../../platform/workers/pass-lanes.ts';
import { sharedArray } from '../../platform/workers/shared-arrays.ts';
import type { Audience } from './held-customers.ts';
import type { Stage, TrendQuery } from './lifecycle.schema.ts';
import { STAGES } from './lifecycle.schema.ts';

const DAY_SECONDS = 86_400;

/** Every stage entry of a workspace, as columns. */
export interface HeldEntries {
  customers: Int32Array;
  /** Indexes into STAGES. */
  stages: Uint8Array;
  /** Days since the epoch on which the stage was entered. */
  days: Int32Array;
}

export async function readHeldEntries(db: Database, workspaceId: number): Promise<HeldEntries> {
  const stageIndex = `CASE s.stage ${STAGES.map((stage, index) => `WHEN '${stage}' THEN ${index}`).join(' ')} END`;
  const matrix = await db.queryMatrix(
    `SELECT s.customer_id, ${stageIndex} AS stage, ${epochDay('s.entered_at')} AS day
     FROM stage_entries s
     JOIN customer_lifecycle l ON l.workspace_id = s.workspace_id AND l.customer_id = s.customer_id
     WHERE s.workspace_id = $1`,
    [workspaceId],
  );
  const { rows } = matrix;
  return {
    customers: matrixColumn(matrix, 0, sharedArray(Int32Array, rows)),
    stages: matrixColumn(matrix, 1, sharedArray(Uint8Array, rows)),
    days: matrixColumn(matrix, 2, sharedArray(Int32Array, rows)),
  };
}

/**
 * Customers entering each stage in each period, periods in time order, of the customers first seen in
 * that `kept` holds (all when null; first seen in the range asked, when one is): as queryLifecycleTrend
 * counts them.
 */
export function countTrend(
  held: HeldEntries,
  interval: TrendQuery['interval'],
  kept: Audience | null,
): { period_start: Date; stage: Stage; entered: number }[] {
  if (held.days.length === 0) return [];
  // Each day's period as a dense index, so the pass counts into a flat array: periods × stages.
  const periodOf = periodStart(interval);
  let [firstDay, lastDay] = [held.days[0]!, held.days[0]!];
  for (const day of held.days) [firstDay, lastDay] = [Math.min(firstDay, day), Math.max(lastDay, day)];
  const starts: number[] = [];
  const periodOfDay = new Int32Array(lastDay - firstDay + 1);
  for (let day = firstDay; day <= lastDay; day++) {
    const start = periodOf(day);
    if (start !== starts[starts.length - 1]) starts.push(start);
    periodOfDay[day - firstDay] = starts.length - 1;
  }
  const stages = STAGES.length;
  const entered = new Int32Array(starts.length * stages);
  for (let i = 0; i < held.customers.length; i++) {
    if (kept && !kept.has(held.customers[i]!)) continue;
    entered[periodOfDay[held.days[i]! - firstDay]! * stages + held.stages[i]!]!++;
  }
  return starts.flatMap((start, p) =>
    STAGES.flatMap((stage, s) => {
      const count = entered[p * stages + s]!;
      return count ? [{ period_start: new Date(start * DAY_SECONDS * 1000), stage, entered: count }] : [];
    }),
  );
}

/** The first day of the period (as date_trunc finds it: weeks start on Monday) holding a day since the epoch. */
function periodStart(interval: TrendQuery['interval']): (day: number) => number {
  if (interval === 'day') return (day) => day;
  // 1 January 1970 was a Thursday, three days after a Monday.
  if (interval === 'week') return (day) => day - ((((day + 3) % 7) + 7) % 7);
  return (day) => {
    const date = new Date(day * DAY_SECONDS * 1000);
    return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1) / (DAY_SECONDS * 1000);
  };
}

/** countTrend on either lane (platform/workers/pass-lanes.ts). */
export const TREND_PASS = pass(import.meta.url, countTrend);
