/**
 * Retention cohorts by first purchase month under any range and audience, from every buyer's active months
 * held in memory: when they first bought, and each month from then on in which they bought again (or were
 * active at all). A range keeps the buyers whose first purchase fell in it, an audience keeps its customers;
 * counting them is one pass over the list instead of grouping every order per request. Read once per
 * change of the data and measure (db/kept-reads.ts: in a server on DuckDB); elsewhere, and for cohorts by
 * first channel, each matrix is read on its own (cohort-retention.query.ts), and this pass counts what
 * that SQL counts.
 */
import { type Database, matrixColumn } from '../../platform/db/database.ts';
import { epochSeconds } from '../../platform/db/portable-sql.ts';
import { pass } from '../../platform/workers/pass-lanes.ts';
import { sharedArray } from '../../platform/workers/shared-arrays.ts';
import type { Audience } from '../lifecycle/index.ts';
import { ACTIVE_MONTHS, type CohortRow } from './cohort-retention.query.ts';
import type { CohortQuery } from './journeys.schema.ts';

/**
 * Every buyer's active months from the first purchase's, one row each, by customer; a buyer with none (active
 * only counts events) has one row whose month is NaN.
 */
export interface HeldCohorts {
  customers: Int32Array;
  /** Seconds since the epoch of the customer's first purchase. */
  firstAt: Float64Array;
  /** Months since year 0 (year × 12 + month − 1): the first purchase's, and the active month's. */
  firstMonths: Int32Array;
  months: Float64Array;
  /** The earliest first month, and how many months from it to the latest month held. */
  earliest: number;
  span: number;
}

const monthNumber = (column: string) =>
  `CAST(extract(year FROM ${column}) * 12 + extract(month FROM ${column}) - 1 AS INTEGER)`;

export async function readHeldCohorts(
  db: Database,
  workspaceId: number,
  measure: CohortQuery['measure'],
): Promise<HeldCohorts> {
  const matrix = await db.queryMatrix(
    `WITH firsts AS (
       SELECT customer_id, min(ordered_at) AS first_at FROM orders
       WHERE workspace_id = $1 AND status = 'completed' GROUP BY customer_id
     ),
     active AS (${ACTIVE_MONTHS[measure]})
     SELECT f.customer_id, ${epochSeconds('f.first_at')} AS first_at, ${monthNumber('f.first_at')} AS first_month,
       ${monthNumber('a.month')} AS month
     FROM firsts f
     LEFT JOIN active a ON a.customer_id = f.customer_id AND a.month >= date_trunc('month', f.first_at)
     ORDER BY f.customer_id`,
    [workspaceId],
  );
  const { rows } = matrix;
  const [firstMonths, months] = [
    matrixColumn(matrix, 2, sharedArray(Int32Array, rows)),
    matrixColumn(matrix, 3, sharedArray(Float64Array, rows)),
  ];
  let [earliest, latest] = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  for (let i = 0; i < rows; i++) {
    earliest = Math.min(earliest, firstMonths[i]!);
    latest = Math.max(latest, firstMonths[i]!, Number.isNaN(months[i]!) ? firstMonths[i]! : months[i]!);
  }
  return {
    customers: matrixColumn(matrix, 0, sharedArray(Int32Array, rows)),
    firstAt: matrixColumn(matrix, 1, sharedArray(Float64Array, rows)),
    firstMonths,
    months,
    earliest: rows ? earliest : 0,
    span: rows ? latest - earliest + 1 : 0,
  };
}

/**
 * The rows of queryCohortRetention for cohorts by first purchase month: the buyers who first bought in
 * [from, to) that `kept` holds (all when null), by months after it; with activity, each cohort's size apart
 * (month_offset -1), counted once per buyer.
 */
export function countCohorts(
  held: HeldCohorts,
  query: Pick<CohortQuery, 'from' | 'to' | 'measure'>,
  kept: Audience | null,
): CohortRow[] {
  const from = query.from ? query.from.getTime() / 1000 : Number.NEGATIVE_INFINITY;
  const to = query.to ? query.to.getTime() / 1000 : Number.POSITIVE_INFINITY;
  // Customers by first month and offset (from -1, a cohort's size, to span − 1), in one flat array: a Map
  // entry per row cost most of the pass.
  const width = held.span + 1;
  const counts = new Int32Array(held.span * width);
  const count = (firstMonth: number, offset: number) =>
    counts[(firstMonth - held.earliest) * width + offset + 1]!++;
  for (let i = 0; i < held.customers.length; i++) {
    const customer = held.customers[i]!;
    const firstAt = held.firstAt[i]!;
    if (firstAt < from || firstAt >= to || (kept && !kept.has(customer))) continue;
    const firstMonth = held.firstMonths[i]!;
    const newCustomer = i === 0 || held.customers[i - 1] !== customer;
    if (query.measure === 'activity' && newCustomer) count(firstMonth, -1);
    const month = held.months[i]!;
    if (!Number.isNaN(month)) count(firstMonth, month - firstMonth);
  }
  const rows: CohortRow[] = [];
  counts.forEach((customers, cell) => {
    if (customers === 0) return;
    const [firstMonth, offset] = [held.earliest + Math.floor(cell / width), (cell % width) - 1];
    const start = new Date(Date.UTC(Math.floor(firstMonth / 12), firstMonth % 12, 1));
    rows.push({ cohort: start, first_month: start, month_offset: offset, customers });
  });
  return rows;
}

/** countCohorts on either lane (platform/workers/pass-lanes.ts). */
export const COHORTS_PASS = pass(import.meta.url, countCohorts);
