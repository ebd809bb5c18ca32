/**
 * Each customer's purchase history as the BG/NBD and Gamma-Gamma models read it: purchase days, not orders
 * (several orders on one day are one purchase, as in the literature), counted from the customer's first
 * purchase up to the end of the calibration period, in days or weeks. Completed orders only.
 */
import type { Queryable } from '../../platform/db/database.ts';
import { daysBetween, type SqlQuery } from '../../platform/db/portable-sql.ts';

export interface SummaryQuery {
  calibrationEnd: Date;
  /** Purchase days from the calibration end to this date are counted apart (`holdout`), for checking. */
  holdoutEnd?: Date | undefined;
  /** Days per time unit: 1 or 7. */
  unitDays: number;
}

export interface CustomerSummary {
  customer_id: number;
  /** Repeat purchases: purchase days after the first. */
  x: number;
  /** From the first purchase to the last, and to the calibration end, in time units. */
  tx: number;
  T: number;
  /** Mean value of the repeat purchases (a day's orders summed); null without any. */
  repeat_value: number | null;
  /** Repeat purchases whose value is zero or less (refunded to nothing, free orders). */
  non_positive: number;
  /** Purchase days from the calibration end to the holdout end. */
  holdout: number;
  /** Everything the customer spent before the calibration end. */
  total_value: number;
}

/**
 * Each customer's purchase days (a day's completed orders summed, as `value`) before the timestamp in the
 * given parameter, for workspace $1: what the value models and RFM read.
 */
export function purchaseDaysSql(before: string): string {
  return `SELECT customer_id, CAST(date_trunc('day', ordered_at) AS TIMESTAMP) AS day, sum(total) AS value
    FROM orders
    WHERE workspace_id = $1 AND status = 'completed' AND ordered_at < CAST(${before} AS TIMESTAMP)
    GROUP BY customer_id, CAST(date_trunc('day', ordered_at) AS TIMESTAMP)`;
}

export function buildSummarySql(workspaceId: number, query: SummaryQuery): SqlQuery {
  const end = 'CAST($2 AS TIMESTAMP)';
  const calibrated = `day < ${end}`;
  const sql = `WITH days AS (${purchaseDaysSql('$4')}),
  numbered AS (
    SELECT customer_id, day, value,
      -- Every holdout day is later than every calibration day: the first day overall is the first in
      -- calibration, or, for a customer who first bought in the holdout, not before its end.
      min(day) OVER (PARTITION BY customer_id) AS first_day
    FROM days
  )
  SELECT customer_id,
    count(CASE WHEN ${calibrated} THEN 1 END) - 1 AS x,
    ${daysBetween('min(first_day)', `max(CASE WHEN ${calibrated} THEN day END)`)} / $3 AS tx,
    ${daysBetween('min(first_day)', end)} / $3 AS "T",
    CAST(avg(CASE WHEN day > first_day AND ${calibrated} THEN value END) AS DOUBLE PRECISION) AS repeat_value,
    count(CASE WHEN day > first_day AND ${calibrated} AND value <= 0 THEN 1 END) AS non_positive,
    count(CASE WHEN day >= ${end} THEN 1 END) AS holdout,
    coalesce(CAST(sum(CASE WHEN ${calibrated} THEN value END) AS DOUBLE PRECISION), 0) AS total_value
  FROM numbered
  WHERE first_day < ${end}
  GROUP BY customer_id`;
  const holdoutEnd = query.holdoutEnd ?? query.calibrationEnd;
  return {
    sql,
    params: [workspaceId, query.calibrationEnd.toISOString(), query.unitDays, holdoutEnd.toISOString()],
  };
}

export function queryPurchaseSummary(
  db: Queryable,
  workspaceId: number,
  query: SummaryQuery,
): Promise<CustomerSummary[]> {
  const { sql, params } = buildSummarySql(workspaceId, query);
  return db.query<CustomerSummary>(sql, params);
}

/**
 * The first and last completed order, to say what a calibration end must lie between; and a fingerprint of
 * the completed orders (how many, whose, how much, when), which changes with any order added, changed or
 * moved to another customer by a merge.
 */
export async function queryOrderSpan(
  db: Queryable,
  workspaceId: number,
): Promise<{ first: Date | null; last: Date | null; fingerprint: string }> {
  const [row] = await db.query<{ first: Date | null; last: Date | null; fingerprint: string | null }>(
    `SELECT min(ordered_at) AS first, max(ordered_at) AS last,
       CAST(count(*) AS TEXT) || ' ' || CAST(sum(customer_id) AS TEXT) || ' ' || CAST(sum(total) AS TEXT)
         || ' ' || CAST(max(created_at) AS TEXT) AS fingerprint
     FROM orders WHERE workspace_id = $1 AND status = 'completed'`,
    [workspaceId],
  );
  return { first: row?.first ?? null, last: row?.last ?? null, fingerprint: row?.fingerprint ?? '' };
}

/** Each customer's touchpoints in the 30 days before `asOf` and in the 90 days before those. */
export async function queryRecentTouches(
  db: Queryable,
  workspaceId: number,
  asOf: Date,
): Promise<Map<number, { recent: number; before: number }>> {
  const rows = await db.query<{ customer_id: number; recent: number; before: number }>(
    `SELECT customer_id,
       count(*) FILTER (WHERE occurred_at >= CAST($2 AS TIMESTAMP) - INTERVAL '30 days') AS recent,
       count(*) FILTER (WHERE occurred_at < CAST($2 AS TIMESTAMP) - INTERVAL '30 days') AS before
     FROM events
     WHERE workspace_id = $1 AND channel IS NOT NULL AND type IN ('track', 'page', 'screen')
       AND occurred_at >= CAST($2 AS TIMESTAMP) - INTERVAL '120 days' AND occurred_at < CAST($2 AS TIMESTAMP)
     GROUP BY customer_id`,
    [workspaceId, asOf.toISOString()],
  );
  return new Map(rows.map((row) => [row.customer_id, { recent: row.recent, before: row.before }]));
}

/**
 * For tracking the fit week by week (from `origin`, a day): how many customers made their first purchase
 * on each day before the calibration end, and the repeat purchase days of those customers in each week, up
 * to `until`.
 */
export async function queryWeeklyPurchases(
  db: Queryable,
  workspaceId: number,
  origin: Date,
  calibrationEnd: Date,
  until: Date,
): Promise<{
  firsts: Array<{ day_number: number; customers: number }>;
  repeats: Array<{ week: number; purchases: number }>;
}> {
  const daysCte = `WITH days AS (${purchaseDaysSql('$3')}    ),
    firsts AS (SELECT customer_id, min(day) AS first_day FROM days GROUP BY customer_id HAVING min(day) < CAST($2 AS TIMESTAMP))`;
  const dayNumber = (column: string) =>
    `CAST(round(${daysBetween('CAST($4 AS TIMESTAMP)', column)}) AS INTEGER)`;
  const params = [workspaceId, calibrationEnd.toISOString(), until.toISOString(), origin.toISOString()];
  const [firsts, repeats] = await Promise.all([
    db.query<{ day_number: number; customers: number }>(
      `${daysCte} SELECT ${dayNumber('first_day')} AS day_number, count(*) AS customers FROM firsts GROUP BY first_day`,
      params,
    ),
    db.query<{ week: number; purchases: number }>(
      `${daysCte} SELECT CAST(floor(${dayNumber('d.day')} / 7.0) AS INTEGER) AS week, count(*) AS purchases
       FROM days d JOIN firsts f ON f.customer_id = d.customer_id AND d.day > f.first_day
       GROUP BY CAST(floor(${dayNumber('d.day')} / 7.0) AS INTEGER)`,
      params,
    ),
  ]);
  return { firsts, repeats };
}
