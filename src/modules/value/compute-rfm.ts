/**
 * The usual RFM segments, named from a customer's recency and frequency scores (the monetary score goes with
 * frequency in most maps; Agora keeps it in the customer's scores for sorting). Read as: who bought lately
 * (R) and how often (F).
 */
import type { RfmRow } from './rfm.query.ts';
import { RFM_SEGMENTS, type RfmSegment } from './value.schema.ts';

/** R × F → segment; the first rule that matches wins. */
export function rfmSegment(r: number, f: number): RfmSegment {
  if (r >= 4 && f >= 4) return 'champions';
  if (r === 1 && f === 5) return 'cannot_lose';
  if (r <= 2 && f >= 3) return 'at_risk';
  if (r === 3 && f >= 4) return 'loyal';
  if (r >= 4 && f >= 2) return 'potential_loyalists';
  if (r === 5 && f === 1) return 'new';
  if (r === 4 && f === 1) return 'promising';
  if (r === 3 && f === 3) return 'need_attention';
  if (r === 3) return 'about_to_sleep';
  if (r === 2) return 'hibernating';
  return 'lost';
}

export interface RfmReport {
  asOf: Date;
  customers: number;
  /** grid[r − 1][f − 1]: customers with those scores. */
  grid: number[][];
  segments: Array<{ segment: RfmSegment; customers: number; monetary: number; meanRecencyDays: number }>;
}

export function computeRfm(asOf: Date, rows: RfmRow[]): RfmReport {
  const grid = Array.from({ length: 5 }, () => [0, 0, 0, 0, 0]);
  const bySegment = new Map<RfmSegment, { customers: number; monetary: number; recency: number }>();
  for (const row of rows) {
    grid[row.r - 1]![row.f - 1]! += 1;
    const segment = rfmSegment(row.r, row.f);
    const totals = bySegment.get(segment) ?? { customers: 0, monetary: 0, recency: 0 };
    totals.customers += 1;
    totals.monetary += row.monetary;
    totals.recency += row.recency_days;
    bySegment.set(segment, totals);
  }
  return {
    asOf,
    customers: rows.length,
    grid,
    segments: RFM_SEGMENTS.filter((segment) => bySegment.has(segment)).map((segment) => {
      const totals = bySegment.get(segment)!;
      return {
        segment,
        customers: totals.customers,
        monetary: totals.monetary,
        meanRecencyDays: totals.recency / totals.customers,
      };
    }),
  };
}
