/**
 * Closing the back door, and winning back: from the fitted BG/NBD, which repeat customers' chance of still
 * being customers fell over the last 30 days (and why: overdue against their own rhythm, fewer touchpoints),
 * and which customers have most likely left, ranked by what they spent.
 */
import { type BgNbdParams, probabilityAlive } from './bgnbd.model.ts';
import type { CustomerSummary } from './purchase-summary.query.ts';

/** Below this P(alive) a customer has most likely left: a win-back case, not a retention one. */
export const LEFT_BELOW = 0.3;
/** A customer is overdue when the time since their last purchase exceeds their usual gap this many times. */
const OVERDUE_FACTOR = 1.5;
const LOOKBACK_DAYS = 30;

export interface TouchCounts {
  /** Touchpoints in the last 30 days, and in the 90 days before them. */
  recent: number;
  before: number;
}

export interface RiskEntry {
  customerId: number;
  probabilityAlive: number;
  /** P(alive) 30 days ago, had they bought as they did. */
  probabilityAliveBefore: number;
  spent: number;
  purchases: number;
  reasons: string[];
}

export function assessRisk(
  params: BgNbdParams,
  rows: CustomerSummary[],
  touches: Map<number, TouchCounts>,
  unitDays: number,
): { atRisk: RiskEntry[]; winBack: RiskEntry[] } {
  const unit = unitDays === 7 ? 'weeks' : 'days';
  const lookback = LOOKBACK_DAYS / unitDays;
  const atRisk: RiskEntry[] = [];
  const winBack: RiskEntry[] = [];
  for (const row of rows) {
    const now = probabilityAlive(params, row.x, row.tx, row.T);
    // 30 days ago the calibration was 30 days shorter; a purchase within them means P(alive) rose since.
    const before =
      row.T - lookback > row.tx ? probabilityAlive(params, row.x, row.tx, row.T - lookback) : now;
    const entry = {
      customerId: row.customer_id,
      probabilityAlive: now,
      probabilityAliveBefore: before,
      spent: row.total_value,
      purchases: row.x + 1,
      reasons: [] as string[],
    };
    if (now < LEFT_BELOW) {
      entry.reasons.push(`P(alive) ${now.toFixed(2)}: most likely gone`);
      winBack.push(entry);
      continue;
    }
    if (row.x === 0 || now >= before) continue;
    entry.reasons.push(`P(alive) ${now.toFixed(2)}, ${before.toFixed(2)} 30 days ago`);
    const gap = row.tx / row.x;
    const since = row.T - row.tx;
    if (since > OVERDUE_FACTOR * gap)
      entry.reasons.push(
        `overdue: ${since.toFixed(1)} ${unit} since the last purchase, usually ${gap.toFixed(1)}`,
      );
    const touched = touches.get(row.customer_id) ?? { recent: 0, before: 0 };
    // The 90 days before are three periods of 30: fewer than a third of them lately is a fall.
    if (touched.recent < touched.before / 3)
      entry.reasons.push(
        `fewer touchpoints: ${touched.recent} in the last 30 days, ${touched.before} in the 90 before`,
      );
    atRisk.push(entry);
  }
  // What is at stake: what they spent, weighed by how much their chance of staying fell.
  atRisk.sort(
    (a, b) =>
      b.spent * (b.probabilityAliveBefore - b.probabilityAlive) -
      a.spent * (a.probabilityAliveBefore - a.probabilityAlive),
  );
  winBack.sort((a, b) => b.spent - a.spent || b.purchases - a.purchases);
  return { atRisk, winBack };
}
