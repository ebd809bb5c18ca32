/**
 * Journey paths in one SQL text for both engines: each customer's touchpoints in order, a touchpoint that
 * repeats the one before counted once, cut to `depth` steps from (or to) the first time they did the anchor
 * event; aggregated into Sankey nodes and links and the most common whole paths.
 */
import type { Queryable } from '../../platform/db/database.ts';
import type { SqlQuery } from '../../platform/db/portable-sql.ts';
import { buildCustomerSubquery } from '../lifecycle/index.ts';
import type { PathQuery } from './journeys.schema.ts';

/** Joins labels into one text per path; split again in compute-journey-paths.ts. */
export const PATH_SEPARATOR = ' → ';
/** The most common whole paths listed. */
export const TOP_PATHS = 20;

export interface TouchFilter {
  from?: Date | undefined;
  to?: Date | undefined;
  segment?: 'b2b' | 'b2c' | undefined;
  channel?: string | undefined;
  device?: string | undefined;
  persona?: number | undefined;
  savedSegment?: string | undefined;
  /** Event names that are not touchpoints for this read. */
  ignore?: string[] | undefined;
}

/**
 * The touchpoints (track, page and screen events) of the workspace in [from, to), of the customers the
 * segment, channel, device, persona and saved segment filters keep: `customer_id, occurred_at, message_id,
 * label` and the rest.
 */
export function buildTouchesSql(filter: TouchFilter, params: unknown[], label: 'event' | 'channel'): string {
  const bind = (value: unknown) => `$${params.push(value)}`;
  const conditions = ['e.workspace_id = $1', "e.type IN ('track', 'page', 'screen')"];
  if (filter.from) conditions.push(`e.occurred_at >= CAST(${bind(filter.from)} AS TIMESTAMP)`);
  if (filter.to) conditions.push(`e.occurred_at < CAST(${bind(filter.to)} AS TIMESTAMP)`);
  if (filter.ignore?.length) conditions.push(`e.name NOT IN (${filter.ignore.map(bind).join(', ')})`);
  const customers = buildCustomerSubquery(audienceOf(filter), params);
  if (customers) conditions.push(`e.customer_id IN (${customers})`);
  const name = label === 'channel' ? "coalesce(e.channel, '(none)')" : 'e.name';
  return `SELECT e.customer_id, e.occurred_at, e.message_id, e.name, e.channel, e.device, ${name} AS label
    FROM events e WHERE ${conditions.join(' AND ')}`;
}

/**
 * The customers a journey read keeps, as the lifecycle filters them: its `from` and `to` are the events'
 * times, not the customers' first touch.
 */
export const audienceOf = ({ segment, channel, device, persona, savedSegment }: TouchFilter) => ({
  segment,
  channel,
  device,
  persona,
  savedSegment,
});

/** A customer's touchpoints (from the CTE `source`) with the ones that repeat the label just before left out. */
export const collapse = (source: string) => `SELECT customer_id, occurred_at, message_id, label FROM (
    SELECT t.*, lag(t.label) OVER (PARTITION BY t.customer_id ORDER BY t.occurred_at, t.message_id) AS previous
    FROM ${source} t
  ) AS compared WHERE previous IS NULL OR previous <> label`;

export function buildJourneyPathsSql(workspaceId: number, query: PathQuery): SqlQuery {
  const params: unknown[] = [workspaceId];
  const anchor = `$${params.push(query.start ?? query.end)}`;
  // The touchpoints twice, not one CTE read twice: an engine would hold all of them in memory in between.
  const anchoredTouches = buildTouchesSql(query, params, query.by);
  const touches = buildTouchesSql(query, params, query.by);
  const depth = query.depth;
  // From the anchor: steps 1…depth after it. To the anchor: it is step `depth`, what came before counts down.
  const [within, step] = query.start
    ? [`n.position >= a.anchor AND n.position < a.anchor + ${depth}`, 'n.position - a.anchor + 1']
    : [`n.position <= a.anchor AND n.position > a.anchor - ${depth}`, `n.position - a.anchor + ${depth}`];
  return {
    sql: `WITH first_times AS (
  SELECT customer_id, min(occurred_at) AS anchored_at FROM (${anchoredTouches}) AS t
  WHERE label = ${anchor} GROUP BY customer_id
),
-- Only what can be on a path: the touchpoints of customers who did the anchor, from (or up to) its first time.
near AS (
  SELECT t.* FROM (${touches}) AS t JOIN first_times f ON f.customer_id = t.customer_id
  WHERE t.occurred_at ${query.start ? '>=' : '<='} f.anchored_at
),
collapsed AS (${collapse('near')}),
numbered AS (
  SELECT c.customer_id, c.label,
         row_number() OVER (PARTITION BY c.customer_id ORDER BY c.occurred_at, c.message_id) AS position
  FROM collapsed c
),
anchors AS (SELECT customer_id, min(position) AS anchor FROM numbered WHERE label = ${anchor} GROUP BY customer_id),
steps AS (
  SELECT n.customer_id, ${step} AS step, n.label
  FROM numbered n JOIN anchors a ON a.customer_id = n.customer_id
  WHERE ${within}
)
SELECT 'node' AS kind, step, label, CAST(NULL AS TEXT) AS next_label, count(*) AS customers
FROM steps GROUP BY step, label
UNION ALL
SELECT 'link' AS kind, a.step, a.label, b.label AS next_label, count(*) AS customers
FROM steps a JOIN steps b ON b.customer_id = a.customer_id AND b.step = a.step + 1
GROUP BY a.step, a.label, b.label
UNION ALL
SELECT 'path' AS kind, 0 AS step, path AS label, CAST(NULL AS TEXT) AS next_label, customers FROM (
  SELECT path, count(*) AS customers FROM (
    SELECT customer_id, string_agg(label, '${PATH_SEPARATOR}' ORDER BY step) AS path FROM steps GROUP BY customer_id
  ) AS paths
  GROUP BY path ORDER BY customers DESC, path LIMIT ${TOP_PATHS}
) AS top_paths`,
    params,
  };
}

export interface PathRow {
  kind: 'node' | 'link' | 'path';
  step: number;
  label: string;
  next_label: string | null;
  customers: number;
}

export function queryJourneyPaths(db: Queryable, workspaceId: number, query: PathQuery): Promise<PathRow[]> {
  const { sql, params } = buildJourneyPathsSql(workspaceId, query);
  return db.query<PathRow>(sql, params);
}
