import type { CohortRow } from './cohort-retention.query.ts';
import type { CohortMatrix, CohortQuery } from './journeys.schema.ts';

const monthIndex = (date: Date) => date.getUTCFullYear() * 12 + date.getUTCMonth();
const keyOf = (cohort: string | Date) => (cohort instanceof Date ? cohort.toISOString().slice(0, 7) : cohort);

/**
 * Cohort rows → one row per cohort with customers retained 0…months-1 months after their first purchase.
 * Retention at k counts only customers whose month k has happened (by `lastMonth`): null when none has.
 */
export function computeCohortMatrix(
  query: CohortQuery,
  rows: CohortRow[],
  lastMonth: Date | null,
): CohortMatrix {
  const cohorts = new Map<string, { sizes: Map<number, number>; retained: number[] }>();
  for (const row of rows) {
    const key = keyOf(row.cohort);
    const cohort = cohorts.get(key) ?? { sizes: new Map(), retained: Array(query.months).fill(0) };
    cohorts.set(key, cohort);
    const first = monthIndex(row.first_month);
    const size = query.measure === 'purchase' ? row.month_offset === 0 : row.month_offset < 0;
    if (size) cohort.sizes.set(first, (cohort.sizes.get(first) ?? 0) + row.customers);
    if (row.month_offset >= 0 && row.month_offset < query.months)
      cohort.retained[row.month_offset]! += row.customers;
  }
  const last = lastMonth ? monthIndex(lastMonth) : Number.NEGATIVE_INFINITY;
  const matrix = [...cohorts].map(([cohort, { sizes, retained }]) => {
    const customers = [...sizes.values()].reduce((a, b) => a + b, 0);
    const retention = retained.map((count, k) => {
      let eligible = 0;
      for (const [first, size] of sizes) if (first + k <= last) eligible += size;
      return eligible === 0 ? null : count / eligible;
    });
    return { cohort, customers, retained, retention };
  });
  matrix.sort((a, b) =>
    query.cohort === 'firstPurchaseMonth'
      ? a.cohort.localeCompare(b.cohort)
      : b.customers - a.customers || a.cohort.localeCompare(b.cohort),
  );
  return { cohort: query.cohort, measure: query.measure, rows: matrix };
}
