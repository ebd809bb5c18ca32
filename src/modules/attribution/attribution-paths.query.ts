/**
 * The paths that attribution credits, in one SQL text for both engines. A touchpoint is a visit: one per
 * customer, moment and channel (a page and the events of the same visit are one touchpoint). Each touchpoint
 * belongs to the customer's next conversion if it came within the lookback window before it (a touchpoint
 * at the very moment of a conversion comes before it); touchpoints after a customer's last conversion make
 * a path that has not converted, its window ending at its last touchpoint. The heuristic models are summed
 * here; Markov and Shapley get the counts they are computed from (compute-markov.ts, compute-shapley.ts).
 */
import type { Queryable } from '../../platform/db/database.ts';
import { epochSeconds, type SqlQuery } from '../../platform/db/portable-sql.ts';
import type { AttributionQuery } from './attribution.schema.ts';

/** Joins the parts of a Markov state or a channel set: a character no group value has. */
export const PART_SEPARATOR = '\u001f';

const NUMBER = "'^-?[0-9]+(\\.[0-9]+)?$'";

/** What a conversion event is worth: `revenue`, else `total`, else `value`; 0 when none is a number. */
const revenueOf = (properties: string) => {
  const text = `coalesce(${properties} ->> 'revenue', ${properties} ->> 'total', ${properties} ->> 'value')`;
  return `CASE WHEN ${text} ~ ${NUMBER} THEN CAST(${text} AS DOUBLE PRECISION) ELSE 0 END`;
};

function groupColumn(by: string): string {
  if (by === 'touchpoint') return 'e.name';
  if (by === 'format') return 'ci.format';
  // The key was checked against [A-Za-z0-9_$-]: safe inside a string literal.
  if (by.startsWith('properties.')) return `CAST(e.properties ->> '${by.slice(11)}' AS TEXT)`;
  return `e.${by}`;
}

/**
 * The conversions asked for (customer_id, moment, revenue), `nth` numbering each customer's with
 * occurrence=first (every conversion is 1 otherwise). Workspace in $1.
 */
export function conversionEventsSql(
  query: Pick<AttributionQuery, 'conversion' | 'occurrence'>,
  bind: (value: unknown) => string,
): string {
  const stage = query.conversion.startsWith('stage:') ? query.conversion.slice(6) : null;
  if (stage)
    return `SELECT customer_id, entered_at AS moment, 0 AS revenue, 1 AS nth
       FROM stage_entries WHERE workspace_id = $1 AND stage = ${bind(stage)}`;
  const nth =
    query.occurrence === 'first'
      ? 'row_number() OVER (PARTITION BY e.customer_id ORDER BY e.occurred_at, e.message_id)'
      : '1';
  return `SELECT e.customer_id, e.occurred_at AS moment, ${revenueOf('e.properties')} AS revenue, ${nth} AS nth
       FROM events e WHERE e.workspace_id = $1 AND e.name = ${bind(query.conversion)}`;
}

/** The CTEs every attribution query starts from, ending in `positioned`: each path's touchpoints in order. */
function pathsSql(workspaceId: number, query: AttributionQuery): { ctes: string; params: unknown[] } {
  const params: unknown[] = [workspaceId];
  const bind = (value: unknown) => `$${params.push(value)}`;
  const stage = query.conversion.startsWith('stage:');
  const first = query.occurrence === 'first';
  const conversionEvents = conversionEventsSql(query, bind);
  const notTheConversion = stage ? '' : `AND e.name <> ${bind(query.conversion)}`;
  const content =
    query.by === 'format'
      ? `LEFT JOIN content_items ci ON ci.workspace_id = e.workspace_id AND ci.content_id = CAST(e.properties ->> 'content_id' AS TEXT)`
      : '';
  // One touchpoint per visit; grouped by the touchpoint itself, one per event name of the visit.
  const perTouchpoint = query.by === 'touchpoint' ? ', e.name' : '';
  const range = [
    query.from ? `AND ends_at >= CAST(${bind(query.from)} AS TIMESTAMP)` : '',
    query.to ? `AND ends_at < CAST(${bind(query.to)} AS TIMESTAMP)` : '',
  ].join(' ');
  const ctes = `conversions AS (
    SELECT customer_id, moment, count(*) AS conversions, sum(revenue) AS revenue
    FROM (${conversionEvents}) c WHERE nth = 1
    GROUP BY customer_id, moment
  ),
  touches AS (
    SELECT e.customer_id, e.occurred_at AS moment, e.channel, coalesce(max(${groupColumn(query.by)}), '(none)') AS grp
    FROM events e ${content}
    WHERE e.workspace_id = $1 AND e.channel IS NOT NULL AND e.type IN ('track', 'page', 'screen') ${notTheConversion}
    GROUP BY e.customer_id, e.occurred_at, e.channel${perTouchpoint}
  ),
  stream AS (
    SELECT customer_id, moment, 0 AS kind, channel, grp FROM touches
    UNION ALL
    SELECT customer_id, moment, 1 AS kind, NULL, NULL FROM conversions
  ),
  assigned AS (
    SELECT customer_id, moment, kind, channel, grp,
      min(CASE WHEN kind = 1 THEN moment END) OVER (
        PARTITION BY customer_id ORDER BY moment, kind ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING
      ) AS converted_at,
      max(kind) OVER (PARTITION BY customer_id) AS ever_converted
    FROM stream
  ),
  path_touches AS (
    SELECT customer_id, moment, channel, grp, converted_at,
      coalesce(converted_at, max(moment) OVER (PARTITION BY customer_id, converted_at)) AS ends_at
    FROM assigned
    WHERE kind = 0 ${first ? 'AND (converted_at IS NOT NULL OR ever_converted = 0)' : ''}
  ),
  windowed AS (
    SELECT * FROM path_touches
    WHERE moment >= ends_at - INTERVAL '${query.lookback} seconds' ${range}
  ),
  positioned AS (
    SELECT w.*,
      row_number() OVER (PARTITION BY customer_id, ends_at ORDER BY moment, channel, grp) AS pos,
      count(*) OVER (PARTITION BY customer_id, ends_at) AS n
    FROM windowed w
  )`;
  return { ctes, params };
}

/** Per group, each heuristic model's credit in conversions and in revenue (converting paths only). */
export function buildHeuristicSql(workspaceId: number, query: AttributionQuery): SqlQuery {
  const { ctes, params } = pathsSql(workspaceId, query);
  const path = 'PARTITION BY p.customer_id, p.ends_at';
  const age = `${epochSeconds('p.ends_at')} - ${epochSeconds('p.moment')}`;
  const middleShare = 1 - query.firstShare - query.lastShare;
  const sql = `WITH ${ctes},
  milestones AS (
    SELECT p.*,
      max(CASE WHEN p.channel <> 'direct' THEN p.pos END) OVER (${path}) AS last_non_direct,
      coalesce(max(CASE WHEN p.moment <= l.preference_at THEN p.pos END) OVER (${path}), 1) AS milestone,
      power(0.5, (${age}) / ${query.halfLife}.0) AS decay
    FROM positioned p
    LEFT JOIN customer_lifecycle l ON l.workspace_id = $1 AND l.customer_id = p.customer_id
    WHERE p.converted_at IS NOT NULL
  ),
  credited AS (
    SELECT m.customer_id, m.converted_at, m.grp,
      CASE WHEN m.pos = 1 THEN 1.0 ELSE 0.0 END AS first_touch,
      CASE WHEN m.pos = m.n THEN 1.0 ELSE 0.0 END AS last_touch,
      CASE WHEN m.pos = coalesce(m.last_non_direct, m.n) THEN 1.0 ELSE 0.0 END AS last_non_direct,
      1.0 / m.n AS linear,
      m.decay / sum(m.decay) OVER (PARTITION BY m.customer_id, m.ends_at) AS time_decay,
      ${roleShares('m', [query.firstShare, query.lastShare], middleShare, false)} AS position_based,
      ${roleShares('m', [0.3, 0.3, 0.3], 0.1, true)} AS w_shaped
    FROM milestones m
  )
  SELECT cr.grp,
    ${['first_touch', 'last_touch', 'last_non_direct', 'linear', 'time_decay', 'position_based', 'w_shaped']
      .flatMap((model) => [
        `sum(CAST(cr.${model} AS DOUBLE PRECISION) * c.conversions) AS ${model}`,
        `sum(CAST(cr.${model} AS DOUBLE PRECISION) * c.revenue) AS ${model}_revenue`,
      ])
      .join(',\n    ')}
  FROM credited cr
  JOIN conversions c ON c.customer_id = cr.customer_id AND c.moment = cr.converted_at
  GROUP BY cr.grp`;
  return { sql, params };
}

/**
 * Credit by role on a path: the first and the last touchpoint (and with `milestone`, the one that brought the
 * customer to Preference) take their shares, adding up when one touchpoint has several roles; the others
 * split what is left. Divided by what was handed out, so that a path always gives exactly 1: a path of one
 * touchpoint gives it everything, of two, half each when the first and last shares are equal.
 */
function roleShares(alias: string, shares: number[], rest: number, milestone: boolean): string {
  const { pos, n } = { pos: `${alias}.pos`, n: `${alias}.n` };
  const roles = [`${pos} = 1`, `${pos} = ${n}`, ...(milestone ? [`${pos} = ${alias}.milestone`] : [])];
  const roleCredit = roles
    .map((role, index) => `CASE WHEN ${role} THEN ${shares[index]} ELSE 0 END`)
    .join(' + ');
  const holders = milestone
    ? `(CASE WHEN ${alias}.milestone IN (1, ${n}) THEN 0 ELSE 1 END + CASE WHEN ${n} = 1 THEN 1 ELSE 2 END)`
    : `CASE WHEN ${n} = 1 THEN 1 ELSE 2 END`;
  const others = `(${n} - ${holders})`;
  const isOther = roles.map((role) => `NOT (${role})`).join(' AND ');
  const handedOut = `(${shares.reduce((a, b) => a + b, 0)} + CASE WHEN ${others} > 0 THEN ${rest} ELSE 0 END)`;
  return `((${roleCredit}) + CASE WHEN ${isOther} THEN ${rest} / ${others} ELSE 0 END) / ${handedOut}`;
}

/**
 * Markov transitions of the given order, counted over every path: a state is the last `order` groups (fewer
 * at a path's start). `from_state` null is the start; `outcome` says where a path ended ('conversion' or
 * 'null'), with `to_state` null.
 */
export function buildTransitionSql(workspaceId: number, query: AttributionQuery): SqlQuery {
  const { ctes, params } = pathsSql(workspaceId, query);
  const path = 'PARTITION BY customer_id, ends_at ORDER BY pos';
  const earlier = Array.from(
    { length: query.markovOrder - 1 },
    (_, i) => `lag(grp, ${query.markovOrder - 1 - i}) OVER (${path})`,
  );
  const sql = `WITH ${ctes},
  states AS (
    SELECT customer_id, ends_at, converted_at, pos, n,
      ${earlier.length ? `concat_ws(chr(31), ${earlier.join(', ')}, grp)` : 'grp'} AS state
    FROM positioned
  ),
  steps AS (
    SELECT s.*, lag(state) OVER (${path}) AS previous FROM states s
  )
  SELECT previous AS from_state, state AS to_state, NULL AS outcome, count(*) AS paths
  FROM steps GROUP BY previous, state
  UNION ALL
  SELECT state, NULL, CASE WHEN converted_at IS NULL THEN 'null' ELSE 'conversion' END, count(*)
  FROM steps WHERE pos = n
  GROUP BY state, CASE WHEN converted_at IS NULL THEN 'null' ELSE 'conversion' END`;
  return { sql, params };
}

/**
 * Paths by the set of groups they touched: how many, how many converted, and their conversions and revenue
 * (the conversion-rate game of Shapley attribution). Also the period's conversions with no path at all.
 */
export function buildChannelSetSql(workspaceId: number, query: AttributionQuery): SqlQuery {
  const { ctes, params } = pathsSql(workspaceId, query);
  const range = [
    query.from ? `AND moment >= CAST($${params.push(query.from)} AS TIMESTAMP)` : '',
    query.to ? `AND moment < CAST($${params.push(query.to)} AS TIMESTAMP)` : '',
  ].join(' ');
  const sql = `WITH ${ctes},
  path_sets AS (
    SELECT customer_id, converted_at, string_agg(DISTINCT grp, chr(31) ORDER BY grp) AS channel_set
    FROM windowed GROUP BY customer_id, ends_at, converted_at
  )
  SELECT p.channel_set, count(*) AS paths, count(p.converted_at) AS converting,
    coalesce(sum(c.conversions), 0) AS conversions, coalesce(sum(c.revenue), 0) AS revenue
  FROM path_sets p
  LEFT JOIN conversions c ON c.customer_id = p.customer_id AND c.moment = p.converted_at
  GROUP BY p.channel_set
  UNION ALL
  SELECT NULL, 0, 0, coalesce(sum(conversions), 0), coalesce(sum(revenue), 0)
  FROM conversions WHERE 1 = 1 ${range}`;
  return { sql, params };
}

export type HeuristicRow = { grp: string } & Record<string, number>;
export interface TransitionRow {
  from_state: string | null;
  to_state: string | null;
  outcome: 'conversion' | 'null' | null;
  paths: number;
}
export interface ChannelSetRow {
  channel_set: string | null;
  paths: number;
  converting: number;
  conversions: number;
  revenue: number;
}

export async function queryAttributionPaths(db: Queryable, workspaceId: number, query: AttributionQuery) {
  const run = <T extends object>({ sql, params }: SqlQuery) => db.query<T>(sql, params);
  const [heuristics, transitions, sets] = await Promise.all([
    run<HeuristicRow>(buildHeuristicSql(workspaceId, query)),
    run<TransitionRow>(buildTransitionSql(workspaceId, query)),
    run<ChannelSetRow>(buildChannelSetSql(workspaceId, query)),
  ]);
  return { heuristics, transitions, sets };
}
