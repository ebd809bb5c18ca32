/**
 * The behaviour index in SQL (docs/models/behaviors.md): each customer's score per behaviour from the
 * behaviour-tagged events of the window — how often (up to 5 events), how lately (falling to 0 over the
 * window) and how broadly (distinct event names, up to 3 or the behaviour's number of names) — summed per
 * group in the engine, so that 500,000 customers come back as a few dozen rows. One text for both engines.
 */
import type { Queryable } from '../../platform/db/database.ts';
import { daysBetween } from '../../platform/db/portable-sql.ts';
import { BEHAVIORS, type Behavior, type BehaviorQuery } from './behaviors.schema.ts';

/** Frequency counts up to this many events; breadth up to this many distinct event names. */
export const FREQUENCY_CAP = 5;
export const BREADTH_CAP = 3;
/** The weights of frequency, recency and breadth in a score out of 100. */
export const WEIGHTS = { frequency: 0.4, recency: 0.3, breadth: 0.3 } as const;

export interface IndexWindow {
  asOf: Date;
  windowDays: number;
}

/** Who is counted: everyone, or a persona's customers, or a saved segment's members. */
type Population = Pick<BehaviorQuery, 'persona' | 'savedSegment'> & { customerId?: number };

/** The CTEs the index reads, ending in `active` (customers with a touchpoint in the window) and `scored`. */
function scoreCtes(window: IndexWindow, population: Population, params: unknown[]): string {
  const bind = (value: unknown) => `$${params.push(value)}`;
  const from = bind(new Date(window.asOf.getTime() - window.windowDays * 86_400_000).toISOString());
  const asOf = `CAST(${bind(window.asOf.toISOString())} AS TIMESTAMP)`;
  const who = [
    population.customerId !== undefined ? `AND e.customer_id = ${bind(population.customerId)}` : '',
    population.persona !== undefined
      ? `AND e.customer_id IN (SELECT customer_id FROM persona_assignments WHERE workspace_id = $1 AND persona_id = ${bind(population.persona)})`
      : '',
    population.savedSegment !== undefined
      ? `AND e.customer_id IN (SELECT m.customer_id FROM segment_members m
          JOIN segments sg ON sg.workspace_id = m.workspace_id AND sg.segment_id = m.segment_id
          WHERE m.workspace_id = $1 AND sg.slug = ${bind(population.savedSegment)})`
      : '',
  ].join(' ');
  const { frequency, recency, breadth } = WEIGHTS;
  return `tags AS (
    -- One behaviour per event name: first and repeat occurrences share it in the default taxonomy.
    SELECT event_name, max(behavior) AS behavior FROM event_taxonomy
    WHERE workspace_id = $1 AND behavior IS NOT NULL GROUP BY event_name
  ),
  caps AS (SELECT behavior, least(count(*), ${BREADTH_CAP}) AS cap FROM tags GROUP BY behavior),
  recent AS (
    SELECT e.customer_id, e.name, e.occurred_at FROM events e
    WHERE e.workspace_id = $1 AND e.occurred_at >= CAST(${from} AS TIMESTAMP) AND e.occurred_at < ${asOf}
      AND e.type IN ('track', 'page', 'screen') ${who}
  ),
  active AS (SELECT DISTINCT customer_id FROM recent),
  activity AS (
    SELECT r.customer_id, t.behavior, count(*) AS events, max(r.occurred_at) AS last_at, count(DISTINCT r.name) AS kinds
    FROM recent r JOIN tags t ON t.event_name = r.name
    GROUP BY r.customer_id, t.behavior
  ),
  scored AS (
    SELECT a.customer_id, a.behavior, a.events, a.last_at, a.kinds,
      100 * (${frequency} * least(a.events, ${FREQUENCY_CAP}) / ${FREQUENCY_CAP}.0
        + ${recency} * greatest(0, 1 - ${daysBetween('a.last_at', asOf)} / ${window.windowDays}.0)
        + ${breadth} * least(a.kinds, c.cap) / (1.0 * c.cap)) AS score
    FROM activity a JOIN caps c ON c.behavior = a.behavior
  )`;
}

/** The column a breakdown groups customers by, and the joins it needs (`a` is the active customer). */
function groupOf(breakdown: BehaviorQuery['breakdown']): { column: string; joins: string } {
  if (breakdown === 'persona')
    return {
      column: "coalesce(p.name, 'no persona')",
      joins: `LEFT JOIN persona_assignments pa ON pa.workspace_id = $1 AND pa.customer_id = a.customer_id
        LEFT JOIN personas p ON p.workspace_id = pa.workspace_id AND p.persona_id = pa.persona_id`,
    };
  if (breakdown === 'segment')
    return {
      column: "CASE WHEN b2b.customer_id IS NULL THEN 'b2c' ELSE 'b2b' END",
      joins: `LEFT JOIN (SELECT DISTINCT customer_id FROM account_memberships WHERE workspace_id = $1) b2b
        ON b2b.customer_id = a.customer_id`,
    };
  return {
    column: "coalesce(l.first_channel, '(none)')",
    joins: 'LEFT JOIN customer_lifecycle l ON l.workspace_id = $1 AND l.customer_id = a.customer_id',
  };
}

export interface IndexRow {
  /** 'organisation' or 'group'. */
  dim: string;
  grp: string;
  /** Null on a group's row of active customers. */
  behavior: Behavior | null;
  customers: number;
  score_sum: number | null;
}

/** Per group (the organisation, and each group of the breakdown): active customers, and per behaviour those showing it and their scores' sum. */
export function queryIndex(
  db: Queryable,
  workspaceId: number,
  window: IndexWindow,
  query: Pick<BehaviorQuery, 'breakdown' | 'persona' | 'savedSegment'>,
): Promise<IndexRow[]> {
  const params: unknown[] = [workspaceId];
  const ctes = scoreCtes(window, query, params);
  const { column, joins } = groupOf(query.breakdown);
  return db.query<IndexRow>(
    `WITH ${ctes},
    grouped AS (
      SELECT customer_id, 'organisation' AS dim, 'all' AS grp FROM active
      UNION ALL
      SELECT a.customer_id, 'group' AS dim, ${column} AS grp FROM active a ${joins}
    )
    SELECT dim, grp, NULL AS behavior, count(*) AS customers, NULL AS score_sum FROM grouped GROUP BY dim, grp
    UNION ALL
    SELECT g.dim, g.grp, s.behavior, count(*) AS customers, sum(s.score) AS score_sum
    FROM scored s JOIN grouped g ON g.customer_id = s.customer_id
    GROUP BY g.dim, g.grp, s.behavior`,
    params,
  );
}

/** An active customer's group, and one of their scores (behavior and score null: none shown). */
export interface ScoreRow {
  customer_id: number;
  grp: string;
  /** An index into BEHAVIORS. */
  behavior: number | null;
  score: number | null;
}

/**
 * Every active customer of the window with their group in the breakdown and their scores, in one reading of
 * the window's events, by customer: what countIndex counts the index of any population from (held-index.ts).
 */
export function queryScores(
  db: Queryable,
  workspaceId: number,
  window: IndexWindow,
  breakdown: BehaviorQuery['breakdown'],
): Promise<ScoreRow[]> {
  const params: unknown[] = [workspaceId];
  const ctes = scoreCtes(window, {}, params);
  const { column, joins } = groupOf(breakdown);
  const behaviorIndex = `CASE s.behavior ${BEHAVIORS.map((behavior, i) => `WHEN '${behavior}' THEN ${i}`).join(' ')} END`;
  return db.query<ScoreRow>(
    `WITH ${ctes}
    SELECT a.customer_id, ${column} AS grp, ${behaviorIndex} AS behavior, s.score
    FROM active a ${joins} LEFT JOIN scored s ON s.customer_id = a.customer_id
    ORDER BY a.customer_id`,
    params,
  );
}

export interface CustomerScoreRow {
  behavior: Behavior;
  score: number;
  events: number;
  last_at: Date;
  kinds: number;
}

export function queryCustomerScores(
  db: Queryable,
  workspaceId: number,
  window: IndexWindow,
  customerId: number,
): Promise<CustomerScoreRow[]> {
  const params: unknown[] = [workspaceId];
  const ctes = scoreCtes(window, { customerId }, params);
  return db.query<CustomerScoreRow>(
    `WITH ${ctes} SELECT behavior, score, events, last_at, kinds FROM scored`,
    params,
  );
}

/** Month by month over the year before asOf: active customers, and those showing each behaviour. */
export function queryTrend(
  db: Queryable,
  workspaceId: number,
  asOf: Date,
): Promise<Array<{ month: Date; behavior: Behavior | null; customers: number }>> {
  return db.query(
    `WITH tags AS (
       SELECT event_name, max(behavior) AS behavior FROM event_taxonomy
       WHERE workspace_id = $1 AND behavior IS NOT NULL GROUP BY event_name
     ),
     months AS (
       SELECT DISTINCT date_trunc('month', e.occurred_at) AS month, e.customer_id, t.behavior
       FROM events e LEFT JOIN tags t ON t.event_name = e.name
       WHERE e.workspace_id = $1 AND e.type IN ('track', 'page', 'screen')
         AND e.occurred_at >= CAST($2 AS TIMESTAMP) AND e.occurred_at < CAST($3 AS TIMESTAMP)
     )
     SELECT month, NULL AS behavior, count(DISTINCT customer_id) AS customers FROM months GROUP BY month
     UNION ALL
     SELECT month, behavior, count(*) AS customers FROM months WHERE behavior IS NOT NULL GROUP BY month, behavior`,
    [workspaceId, new Date(asOf.getTime() - 365 * 86_400_000).toISOString(), asOf.toISOString()],
  );
}
