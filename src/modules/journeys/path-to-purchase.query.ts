/**
 * The path to a first purchase, read as one row per customer from the lifecycle (first touch and first
 * purchase) and the touchpoints before it: how many and how long, the last few touchpoints (repeats in a row
 * once) and every touchpoint met. compute-path-to-purchase.ts counts the report from these rows, so a server
 * can hold them for every audience (held in journeys.service.ts) and a single report reads only its own
 * customers. One SQL text for both engines.
 */
import type { Queryable } from '../../platform/db/database.ts';
import { daysBetween } from '../../platform/db/portable-sql.ts';
import { buildCustomerSubquery, type CustomerFilter } from '../lifecycle/index.ts';
import { collapse, PATH_SEPARATOR } from './journey-paths.query.ts';
import type { PathToPurchaseQuery } from './journeys.schema.ts';

/** Between the touchpoints of a customer's `met`: a character no event or channel name is expected to hold. */
export const MET_SEPARATOR = '\u001f';

export interface PurchasePathRow {
  customer_id: number;
  bought: boolean;
  /** Touchpoints before the first purchase; null for a customer who never bought. */
  touches: number | null;
  /** Days from the first touch to the first purchase; null for a customer who never bought. */
  days: number | null;
  /** A buyer's last `depth` touchpoints before buying, joined by PATH_SEPARATOR; null without any. */
  sequence: string | null;
  /** Touchpoints met before the first purchase (all of them for a non-buyer), sorted, joined by MET_SEPARATOR. */
  met: string | null;
}

/** Every customer's row, in customer order; of the customers `audience` keeps when given. */
export function queryPurchasePaths(
  db: Queryable,
  workspaceId: number,
  query: PathToPurchaseQuery,
  audience: CustomerFilter | null,
): Promise<PurchasePathRow[]> {
  const params: unknown[] = [workspaceId];
  const customers = audience && buildCustomerSubquery(audience, params);
  const label = query.by === 'channel' ? "coalesce(e.channel, '(none)')" : 'e.name';
  const ignored = query.ignore.length
    ? `AND e.name NOT IN (${query.ignore.map((name) => `$${params.push(name)}`).join(', ')})`
    : '';
  // The touchpoints twice, not one CTE read twice: an engine would hold all of them in memory in between.
  const touches = (before: string) => `SELECT e.customer_id, e.occurred_at, e.message_id, ${label} AS label
    FROM events e JOIN people p ON p.customer_id = e.customer_id
    WHERE e.workspace_id = $1 AND e.type IN ('track', 'page', 'screen') AND ${before} ${ignored}`;
  const separator = `$${params.push(MET_SEPARATOR)}`;
  return db.query<PurchasePathRow>(
    `WITH people AS (
      SELECT l.customer_id, l.action_at, l.touches_before_action AS touches,
        ${daysBetween('l.awareness_at', 'l.action_at')} AS days
      FROM customer_lifecycle l
      WHERE l.workspace_id = $1 ${customers ? `AND l.customer_id IN (${customers})` : ''}
    ),
    before_purchase AS (${touches('e.occurred_at < p.action_at')}),
    collapsed AS (${collapse('before_purchase')}),
    last_touches AS (
      SELECT customer_id, label,
             row_number() OVER (PARTITION BY customer_id ORDER BY occurred_at DESC, message_id DESC) AS back
      FROM collapsed
    ),
    sequences AS (
      SELECT customer_id, string_agg(label, '${PATH_SEPARATOR}' ORDER BY back DESC) AS sequence
      FROM last_touches WHERE back <= ${query.depth} GROUP BY customer_id
    ),
    met AS (
      SELECT customer_id, string_agg(label, ${separator} ORDER BY label) AS met
      FROM (SELECT DISTINCT customer_id, label
        FROM (${touches('(p.action_at IS NULL OR e.occurred_at < p.action_at)')}) AS t) AS distinct_met
      GROUP BY customer_id
    )
    SELECT p.customer_id, p.action_at IS NOT NULL AS bought, p.touches, p.days, s.sequence, m.met
    FROM people p
      LEFT JOIN sequences s ON s.customer_id = p.customer_id
      LEFT JOIN met m ON m.customer_id = p.customer_id
    ORDER BY p.customer_id`,
    params,
  );
}
