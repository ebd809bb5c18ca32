import { type LifecycleGroup, STAGES, type StageFigure } from './lifecycle.schema.ts';
import type { LifecycleReportRow } from './lifecycle-report.query.ts';

/** Stages where standing still for long means the customer may be gone. */
const CAN_LAPSE = new Set(['action', 'loyalty']);

/** Report rows (one per group) → per stage: reached, standing, lapsed, conversion, drop-off and times. */
export function computeLifecycleFunnel(rows: LifecycleReportRow[]): LifecycleGroup[] {
  return rows.map((row) => ({
    key: row.group_key instanceof Date ? row.group_key.toISOString().slice(0, 7) : String(row.group_key),
    customers: row.customers,
    stages: STAGES.map((stage, rank): StageFigure => {
      const reached = Number(row[`reached_${stage}`]);
      const previous = STAGES[rank - 1];
      const reachedBefore = previous === undefined ? null : Number(row[`reached_${previous}`]);
      return {
        stage,
        reached,
        current: Number(row[`current_${stage}`]),
        lapsed: CAN_LAPSE.has(stage) ? Number(row[`lapsed_${stage}`]) : 0,
        conversionFromPrevious: reachedBefore ? reached / reachedBefore : null,
        droppedFromPrevious: reachedBefore === null ? null : reachedBefore - reached,
        medianDaysFromPrevious: days(row[`median_${stage}`]),
        p90DaysFromPrevious: days(row[`p90_${stage}`]),
      };
    }),
  }));
}

/** Days to a thousandth (under two minutes); null where no customer made the step. */
function days(value: number | null | undefined): number | null {
  return value === null || value === undefined ? null : Math.round(value * 1000) / 1000;
}
