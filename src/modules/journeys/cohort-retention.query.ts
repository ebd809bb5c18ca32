/**
 * Retention cohorts: customers grouped by the month of their first completed order (or by the channel of
 * their first touch), and how many of them bought again (or were active at all) in each month after it.
 * One SQL text for both engines.
 */
import type { Queryable } from '../../platform/db/database.ts';
import { buildCustomerSubquery } from '../lifecycle/index.ts';
import { audienceOf } from './journey-paths.query.ts';
import type { CohortQuery } from './journeys.schema.ts';

const monthsBetween = (earlier: string, later: string) =>
  `CAST((extract(year FROM ${later}) - extract(year FROM ${earlier})) * 12 + extract(month FROM ${later}) - extract(month FROM ${earlier}) AS INTEGER)`;

export interface CohortRow {
  cohort: string | Date;
  first_month: Date;
  /**
   * 0…: the customers active that many months after their first purchase month; -1 (activity only): all the
   * customers of this cohort and first month. With purchases, month 0 holds them all.
   */
  month_offset: number;
  customers: number;
}

/** Each customer's months with a purchase, or with any touchpoint; `$1` the workspace. */
export const ACTIVE_MONTHS: Record<CohortQuery['measure'], string> = {
  purchase: `SELECT DISTINCT customer_id, date_trunc('month', ordered_at) AS month FROM orders
    WHERE workspace_id = $1 AND status = 'completed'`,
  activity: `SELECT DISTINCT customer_id, date_trunc('month', occurred_at) AS month FROM events
    WHERE workspace_id = $1 AND type IN ('track', 'page', 'screen')`,
};

export async function queryCohortRetention(
  db: Queryable,
  workspaceId: number,
  query: CohortQuery,
): Promise<CohortRow[]> {
  const params: unknown[] = [workspaceId];
  const bind = (value: unknown) => `$${params.push(value)}`;
  const ranges: string[] = [];
  if (query.from) ranges.push(`AND f.first_at >= CAST(${bind(query.from)} AS TIMESTAMP)`);
  if (query.to) ranges.push(`AND f.first_at < CAST(${bind(query.to)} AS TIMESTAMP)`);
  const customers = buildCustomerSubquery(audienceOf(query), params);
  const byChannel = query.cohort === 'firstChannel';
  const cohort = byChannel ? "coalesce(l.first_channel, 'unknown')" : "date_trunc('month', f.first_at)";
  const firstTouch = byChannel
    ? 'LEFT JOIN customer_lifecycle l ON l.workspace_id = $1 AND l.customer_id = f.customer_id'
    : '';
  const active = ACTIVE_MONTHS[query.measure];
  return db.query<CohortRow>(
    `WITH firsts AS (
      SELECT customer_id, min(ordered_at) AS first_at FROM orders
      WHERE workspace_id = $1 AND status = 'completed' GROUP BY customer_id
    ),
    cohorts AS (
      SELECT f.customer_id, ${cohort} AS cohort, date_trunc('month', f.first_at) AS first_month
      FROM firsts f ${firstTouch}
      WHERE 1 = 1 ${ranges.join(' ')} ${customers ? `AND f.customer_id IN (${customers})` : ''}
    ),
    active AS (${active})
    ${
      // Every customer bought in their first month, so month 0 counts the cohort; any activity may not have
      // been recorded as an event that month (orders imported on their own), so then it is counted apart.
      query.measure === 'activity'
        ? 'SELECT cohort, first_month, -1 AS month_offset, count(*) AS customers FROM cohorts GROUP BY cohort, first_month UNION ALL'
        : ''
    }
    SELECT c.cohort, c.first_month, ${monthsBetween('c.first_month', 'a.month')} AS month_offset, count(*) AS customers
    FROM cohorts c JOIN active a ON a.customer_id = c.customer_id AND a.month >= c.first_month
    GROUP BY c.cohort, c.first_month, ${monthsBetween('c.first_month', 'a.month')}`,
    params,
  );
}

/** The month of the latest order or event: months after it have not happened yet. */
export async function queryLastMonth(
  db: Queryable,
  workspaceId: number,
  measure: CohortQuery['measure'],
): Promise<Date | null> {
  const [row] = await db.query<{ last: Date | null }>(
    measure === 'purchase'
      ? "SELECT date_trunc('month', max(ordered_at)) AS last FROM orders WHERE workspace_id = $1 AND status = 'completed'"
      : "SELECT date_trunc('month', max(occurred_at)) AS last FROM events WHERE workspace_id = $1",
    [workspaceId],
  );
  return row?.last ?? null;
}
