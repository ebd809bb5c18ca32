/**
 * RFM: each customer's recency (days from the last purchase to the reference date), frequency (purchase
 * days) and monetary value (completed orders' total) before the reference date, scored 1 to 5 by quintile
 * of rank (5 the best: the most recent, the most frequent, the most spent). Customers alike share a score:
 * every one-time buyer has the same frequency score, however many there are.
 */
import type { Queryable } from '../../platform/db/database.ts';
import { daysBetween, type SqlQuery } from '../../platform/db/portable-sql.ts';
import { purchaseDaysSql } from './purchase-summary.query.ts';

export interface RfmRow {
  customer_id: number;
  recency_days: number;
  frequency: number;
  monetary: number;
  r: number;
  f: number;
  m: number;
}

/** 1 to 5 by the fifth of the ranking a customer falls in (percent_rank: ties share the lowest rank). */
const score = (order: string) =>
  `CAST(least(5, 1 + floor(5 * percent_rank() OVER (ORDER BY ${order}))) AS INTEGER)`;

/** Every buyer's RFM row, as a query; `$1` the workspace, `asOf` the placeholder of the reference date. */
export function rfmScoresSql(asOf: string): string {
  return `WITH days AS (${purchaseDaysSql(asOf)}),
  buyers AS (
    SELECT customer_id, ${daysBetween('max(day)', `CAST(${asOf} AS TIMESTAMP)`)} AS recency_days,
      count(*) AS frequency, CAST(sum(value) AS DOUBLE PRECISION) AS monetary
    FROM days GROUP BY customer_id
  )
  SELECT customer_id, recency_days, frequency, monetary,
    ${score('recency_days DESC')} AS r, ${score('frequency')} AS f, ${score('monetary')} AS m
  FROM buyers`;
}

export function buildRfmSql(workspaceId: number, asOf: Date): SqlQuery {
  return { sql: rfmScoresSql('$2'), params: [workspaceId, asOf.toISOString()] };
}

export function queryRfm(db: Queryable, workspaceId: number, asOf: Date): Promise<RfmRow[]> {
  const { sql, params } = buildRfmSql(workspaceId, asOf);
  return db.query<RfmRow>(sql, params);
}
