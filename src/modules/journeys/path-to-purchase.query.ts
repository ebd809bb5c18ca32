/**
 * The path to a first purchase, from the lifecycle (first touch and first purchase of each customer) and the
 * touchpoints before it: how many and how long, the last few touchpoints most often seen before buying,
 * and which touchpoints buyers met more often than those who never bought. One SQL text for both engines.
 */
import type { Queryable } from '../../platform/db/database.ts';
import { daysBetween } from '../../platform/db/portable-sql.ts';
import { buildCustomerSubquery } from '../lifecycle/index.ts';
import { collapse, PATH_SEPARATOR } from './journey-paths.query.ts';
import type { PathToPurchaseQuery } from './journeys.schema.ts';

/** Lower bounds of the buckets: touchpoints before purchase, and days from first touch to purchase. */
export const TOUCHPOINT_BUCKETS = [0, 1, 2, 3, 4, 5, 6, 11, 21, 51];
export const DAY_BUCKETS = [0, 1, 7, 14, 30, 60, 90, 180];

/** Touchpoints the query leaves out, as a condition on `e.name`. */
function ignored(query: PathToPurchaseQuery, params: unknown[]): string {
  if (!query.ignore.length) return '';
  return `AND e.name NOT IN (${query.ignore.map((name) => `$${params.push(name)}`).join(', ')})`;
}

function people(workspaceId: number, query: PathToPurchaseQuery, params: unknown[]): string {
  params.push(workspaceId);
  const customers = buildCustomerSubquery(query, params);
  return `SELECT l.customer_id, l.awareness_at, l.action_at, l.touches_before_action
    FROM customer_lifecycle l
    WHERE l.workspace_id = $1 ${customers ? `AND l.customer_id IN (${customers})` : ''}`;
}

const bucketed = (value: string, lowers: number[]) =>
  lowers.map((lower, index) => {
    const upper = lowers[index + 1];
    return `count(*) FILTER (WHERE ${value} >= ${lower}${upper === undefined ? '' : ` AND ${value} < ${upper}`}) AS bucket_${index}`;
  });

const DAYS = daysBetween('awareness_at', 'action_at');

export interface DistributionRow {
  measure: 'touchpoints' | 'days';
  buyers: number;
  non_buyers: number;
  mean: number | null;
  median: number | null;
  p90: number | null;
  [bucket: `bucket_${number}`]: number;
}

export async function queryPurchaseDistributions(
  db: Queryable,
  workspaceId: number,
  query: PathToPurchaseQuery,
): Promise<DistributionRow[]> {
  const params: unknown[] = [];
  // The two measures have different bucket counts: the shorter is padded so that UNION ALL lines up.
  const columns = Math.max(TOUCHPOINT_BUCKETS.length, DAY_BUCKETS.length);
  const distribution = (measure: string, value: string, lowers: number[]) => `
    SELECT '${measure}' AS measure, count(action_at) AS buyers, count(*) - count(action_at) AS non_buyers,
      CAST(avg(${value}) AS DOUBLE PRECISION) AS mean,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY ${value}) AS median,
      percentile_cont(0.9) WITHIN GROUP (ORDER BY ${value}) AS p90,
      ${[
        ...bucketed(value, lowers),
        ...Array.from(
          { length: columns - lowers.length },
          (_, index) => `0 AS bucket_${lowers.length + index}`,
        ),
      ].join(', ')}
    FROM people`;
  return db.query<DistributionRow>(
    `WITH people AS (${people(workspaceId, query, params)})
    ${distribution('touchpoints', 'touches_before_action', TOUCHPOINT_BUCKETS)}
    UNION ALL
    ${distribution('days', DAYS, DAY_BUCKETS)}`,
    params,
  );
}

/** The last `depth` touchpoints (repeats in a row once) before each buyer's first purchase, counted by sequence. */
export async function queryPurchaseSequences(
  db: Queryable,
  workspaceId: number,
  query: PathToPurchaseQuery,
): Promise<{ path: string; customers: number }[]> {
  const params: unknown[] = [];
  const label = query.by === 'channel' ? "coalesce(e.channel, '(none)')" : 'e.name';
  return db.query(
    `WITH people AS (${people(workspaceId, query, params)}),
    touches AS (
      SELECT e.customer_id, e.occurred_at, e.message_id, ${label} AS label
      FROM events e JOIN people p ON p.customer_id = e.customer_id
      WHERE e.workspace_id = $1 AND e.type IN ('track', 'page', 'screen') AND e.occurred_at < p.action_at
        ${ignored(query, params)}
    ),
    collapsed AS (${collapse('touches')}),
    last_touches AS (
      SELECT customer_id, label,
             row_number() OVER (PARTITION BY customer_id ORDER BY occurred_at DESC, message_id DESC) AS back
      FROM collapsed
    ),
    sequences AS (
      SELECT customer_id, string_agg(label, '${PATH_SEPARATOR}' ORDER BY back DESC) AS path
      FROM last_touches WHERE back <= ${query.depth} GROUP BY customer_id
    )
    SELECT path, count(*) AS customers FROM sequences GROUP BY path ORDER BY customers DESC, path LIMIT 20`,
    params,
  );
}

/** Per touchpoint: buyers who met it before their first purchase, and non-buyers who met it at all. */
export async function queryTouchpointReach(
  db: Queryable,
  workspaceId: number,
  query: PathToPurchaseQuery,
): Promise<{ label: string; converting: number; non_converting: number }[]> {
  const params: unknown[] = [];
  const label = query.by === 'channel' ? "coalesce(e.channel, '(none)')" : 'e.name';
  return db.query(
    `WITH people AS (${people(workspaceId, query, params)}),
    met AS (
      SELECT DISTINCT e.customer_id, ${label} AS label, p.action_at IS NOT NULL AS converted
      FROM events e JOIN people p ON p.customer_id = e.customer_id
      WHERE e.workspace_id = $1 AND e.type IN ('track', 'page', 'screen')
        AND (p.action_at IS NULL OR e.occurred_at < p.action_at) ${ignored(query, params)}
    )
    SELECT label, count(*) FILTER (WHERE converted) AS converting, count(*) FILTER (WHERE NOT converted) AS non_converting
    FROM met GROUP BY label ORDER BY label`,
    params,
  );
}
