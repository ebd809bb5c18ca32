import type { FunnelQuery, FunnelResult, FunnelStep } from './funnel.schema.ts';
import { type FunnelRow, TIME_TO_CONVERT_BOUNDS } from './funnel-steps.query.ts';

const BUCKET_LABELS = [
  'under 1 hour',
  '1–24 hours',
  '1–3 days',
  '3–7 days',
  '7–14 days',
  '14–30 days',
  '30 days or more',
];

/** Funnel rows (one per breakdown value, and the total) → steps with conversion, drop-off and times. */
export function computeFunnelConversion(query: FunnelQuery, rows: FunnelRow[]): FunnelResult {
  const total = rows.find((row) => row.breakdown_value === null) ?? null;
  const groups = rows
    .filter((row) => row.breakdown_value !== null)
    .map((row) => ({ value: row.breakdown_value!, steps: stepsOf(query, row) }))
    .sort((a, b) => b.steps[0]!.customers - a.steps[0]!.customers || a.value.localeCompare(b.value));
  return {
    aggregateBy: query.aggregateBy,
    windowSeconds: query.window,
    order: query.order,
    steps: stepsOf(query, total),
    timeToConvert: timeToConvert(query.window, total),
    breakdown: query.breakdown ? { property: query.breakdown, groups } : null,
  };
}

function stepsOf(query: FunnelQuery, row: FunnelRow | null): FunnelStep[] {
  const reached = (k: number) => Number(row?.[`reached_${k}`] ?? 0);
  const started = reached(1);
  return query.steps.map((name, index) => {
    const k = index + 1;
    const customers = reached(k);
    const before = k === 1 ? null : reached(k - 1);
    return {
      name,
      customers,
      conversionFromPrevious: before === null ? null : before === 0 ? 0 : customers / before,
      conversionFromStart: started === 0 ? 0 : customers / started,
      droppedFromPrevious: before === null ? null : before - customers,
      medianTimeFromPrevious: k === 1 ? null : toMilliseconds(row?.[`median_${k}`]),
      p90TimeFromPrevious: k === 1 ? null : toMilliseconds(row?.[`p90_${k}`]),
    };
  });
}

/** Seconds to the millisecond: the timestamps' own precision, without float noise from subtracting them. */
function toMilliseconds(seconds: number | null | undefined): number | null {
  return seconds === null || seconds === undefined ? null : Math.round(seconds * 1000) / 1000;
}

/** Buckets that start beyond the window cannot hold anyone and are left out. */
function timeToConvert(windowSeconds: number, row: FunnelRow | null): FunnelResult['timeToConvert'] {
  const lowers = [0, ...TIME_TO_CONVERT_BOUNDS];
  return lowers
    .map((fromSeconds, index) => ({
      label: BUCKET_LABELS[index]!,
      fromSeconds,
      toSeconds: TIME_TO_CONVERT_BOUNDS[index] ?? null,
      customers: Number(row?.[`converted_within_${index}`] ?? 0),
    }))
    .filter((bucket) => bucket.fromSeconds < windowSeconds);
}
