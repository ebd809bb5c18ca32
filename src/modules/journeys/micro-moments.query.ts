/**
 * Micro-moments: short bursts of intent. A customer's touchpoints that carry a micro-moment in the taxonomy
 * (know, go, do, buy) form one moment while each follows the one before within `maxGapMinutes`; a moment
 * needs `minTouchpoints` of them and, by default, most of them on a mobile phone, and takes the intent most
 * of its touchpoints carry (ties: know, go, do, buy); `mobileOnly: false` keeps moments on any device. A range
 * keeps the moments that began in it, each with all its touchpoints, so that a moment is the same whichever
 * range it is seen in. One SQL text for both engines; it returns the moments grouped by intent, stage, channel
 * and hour, and whether a first purchase followed — or, for held-moments.ts, the moments one by one.
 */
import type { Queryable } from '../../platform/db/database.ts';
import { epochSeconds, type SqlQuery } from '../../platform/db/portable-sql.ts';
import { buildTouchesSql } from './journey-paths.query.ts';
import type { MicroMomentQuery } from './journeys.schema.ts';

export const INTENTS = ['know', 'go', 'do', 'buy'] as const;

/** The customer's stage when the moment began, from their lifecycle row. */
const STAGE_AT_START = `CASE
    WHEN l.advocacy_at <= m.started_at THEN 'advocacy'
    WHEN l.loyalty_at <= m.started_at THEN 'loyalty'
    WHEN l.action_at <= m.started_at THEN 'action'
    WHEN l.preference_at <= m.started_at THEN 'preference'
    WHEN l.consideration_at <= m.started_at THEN 'consideration'
    WHEN l.awareness_at <= m.started_at THEN 'awareness'
    ELSE 'before the funnel' END`;

/** One row per intent (stage, channel and hour null), and per intent and each of stage, channel or hour. */
export interface MomentRow {
  intent: string;
  stage: string | null;
  channel: string | null;
  hour: number | null;
  moments: number;
  customers: number;
  converted: number;
  on_mobile: number;
}

/** The moments in a CTE `described`: customer_id, started_at, intent, channel, stage, hour, converted, mostly_mobile. */
function momentsCtes(query: MicroMomentQuery, params: unknown[]): string {
  const gap = query.maxGapMinutes * 60;
  // From one pause before the range: whether a touchpoint opens a moment depends on the one before it. No end:
  // a moment that began in the range keeps its touchpoints after it.
  const from = query.from && new Date(query.from.getTime() - gap * 1000);
  const touches = buildTouchesSql({ ...query, from, to: undefined }, params, 'event');
  const range = [
    query.from ? `AND m.started_at >= CAST($${params.push(query.from)} AS TIMESTAMP)` : '',
    query.to ? `AND m.started_at < CAST($${params.push(query.to)} AS TIMESTAMP)` : '',
  ].join(' ');
  const order = 'PARTITION BY t.customer_id ORDER BY t.occurred_at, t.message_id';
  const intentCounts = INTENTS.map(
    (intent) => `count(*) FILTER (WHERE intent = '${intent}') AS ${intent}_count`,
  );
  const majority = `CASE
      WHEN know_count >= go_count AND know_count >= do_count AND know_count >= buy_count THEN 'know'
      WHEN go_count >= do_count AND go_count >= buy_count THEN 'go'
      WHEN do_count >= buy_count THEN 'do'
      ELSE 'buy' END`;
  return `intents AS (
  -- One intent per event name: the rule for any occurrence, else the one for the first.
  SELECT event_name, coalesce(max(micro_moment) FILTER (WHERE occurrence = 'any'),
                              max(micro_moment) FILTER (WHERE occurrence = 'first'),
                              max(micro_moment)) AS intent
  FROM event_taxonomy WHERE workspace_id = $1 AND micro_moment IS NOT NULL GROUP BY event_name
),
touches AS (${touches}),
intent_touches AS (
  SELECT t.*, i.intent,
    CASE WHEN lag(t.occurred_at) OVER (${order}) IS NULL
           OR ${epochSeconds('t.occurred_at')} - ${epochSeconds(`lag(t.occurred_at) OVER (${order})`)} > ${gap}
         THEN 1 ELSE 0 END AS opens
  FROM touches t JOIN intents i ON i.event_name = t.name
),
numbered AS (
  SELECT it.*, sum(opens) OVER (PARTITION BY customer_id ORDER BY occurred_at, message_id ROWS UNBOUNDED PRECEDING) AS moment
  FROM intent_touches it
),
grouped AS (
  SELECT customer_id, moment, min(occurred_at) AS started_at, count(*) AS touchpoints,
    count(*) FILTER (WHERE device = 'mobile') AS on_mobile,
    max(coalesce(channel, '(none)')) FILTER (WHERE opens = 1) AS channel,
    ${intentCounts.join(', ')}
  FROM numbered GROUP BY customer_id, moment
  HAVING count(*) >= ${query.minTouchpoints}
),
moments AS (
  SELECT g.*, ${majority} AS intent, 2 * on_mobile > touchpoints AS mostly_mobile FROM grouped g
  ${query.mobileOnly ? 'WHERE 2 * on_mobile > touchpoints' : ''}
),
described AS (
  SELECT m.customer_id, m.started_at, m.intent, m.channel, m.mostly_mobile, ${STAGE_AT_START} AS stage,
    CAST(extract(hour FROM m.started_at) AS INTEGER) AS hour,
    l.action_at > m.started_at
      AND ${epochSeconds('l.action_at')} - ${epochSeconds('m.started_at')} <= ${query.conversionDays * 86_400} AS converted
  FROM moments m LEFT JOIN customer_lifecycle l ON l.workspace_id = $1 AND l.customer_id = m.customer_id
  WHERE TRUE ${range}
)`;
}

export function buildMicroMomentsSql(workspaceId: number, query: MicroMomentQuery): SqlQuery {
  const params: unknown[] = [workspaceId];
  const sql = `WITH ${momentsCtes(query, params)}
SELECT intent, stage, channel, hour, count(*) AS moments, count(DISTINCT customer_id) AS customers,
  count(*) FILTER (WHERE converted) AS converted, count(*) FILTER (WHERE mostly_mobile) AS on_mobile
FROM described
GROUP BY GROUPING SETS ((intent), (intent, stage), (intent, channel), (intent, hour))`;
  return { sql, params };
}

/** A moment of all time (no range, no audience), for held-moments.ts. */
export interface MomentListRow {
  customer_id: number;
  /** Seconds since the epoch. */
  started_at: number;
  intent: string;
  stage: string;
  channel: string;
  hour: number;
  converted: boolean;
  mostly_mobile: boolean;
}

/** Every moment of all time, one row each, by customer: what held-moments.ts counts any range and audience from. */
export function queryMomentList(
  db: Queryable,
  workspaceId: number,
  query: MicroMomentQuery,
): Promise<MomentListRow[]> {
  const params: unknown[] = [workspaceId];
  const allTime = { ...query, from: undefined, to: undefined };
  const sql = `WITH ${momentsCtes({ ...allTime, ...NO_AUDIENCE }, params)}
SELECT customer_id, ${epochSeconds('started_at')} AS started_at, intent, stage, channel, hour,
  coalesce(converted, FALSE) AS converted, mostly_mobile
FROM described ORDER BY customer_id`;
  return db.query<MomentListRow>(sql, params);
}

const NO_AUDIENCE = {
  segment: undefined,
  channel: undefined,
  device: undefined,
  persona: undefined,
  savedSegment: undefined,
};

export function queryMicroMoments(
  db: Queryable,
  workspaceId: number,
  query: MicroMomentQuery,
): Promise<MomentRow[]> {
  const { sql, params } = buildMicroMomentsSql(workspaceId, query);
  return db.query<MomentRow>(sql, params);
}
