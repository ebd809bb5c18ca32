/**
 * Micro-moments: short bursts of intent. A customer's touchpoints that carry a micro-moment in the taxonomy
 * (know, go, do, buy) form one moment while each follows the one before within `maxGapMinutes`; a moment
 * needs `minTouchpoints` of them and, by default, most of them on a mobile phone, and takes the intent most
 * of its touchpoints carry (ties: know, go, do, buy); `mobileOnly: false` keeps moments on any device. One SQL
 * text for both engines; it returns the moments grouped by intent, stage, channel and hour, and whether a
 * first purchase followed.
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

export function buildMicroMomentsSql(workspaceId: number, query: MicroMomentQuery): SqlQuery {
  const params: unknown[] = [workspaceId];
  const touches = buildTouchesSql(query, params, 'event');
  const gap = query.maxGapMinutes * 60;
  const order = 'PARTITION BY t.customer_id ORDER BY t.occurred_at, t.message_id';
  const intentCounts = INTENTS.map(
    (intent) => `count(*) FILTER (WHERE intent = '${intent}') AS ${intent}_count`,
  );
  const majority = `CASE
      WHEN know_count >= go_count AND know_count >= do_count AND know_count >= buy_count THEN 'know'
      WHEN go_count >= do_count AND go_count >= buy_count THEN 'go'
      WHEN do_count >= buy_count THEN 'do'
      ELSE 'buy' END`;
  return {
    sql: `WITH intents AS (
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
  SELECT m.customer_id, m.intent, m.channel, m.mostly_mobile, ${STAGE_AT_START} AS stage,
    CAST(extract(hour FROM m.started_at) AS INTEGER) AS hour,
    l.action_at > m.started_at
      AND ${epochSeconds('l.action_at')} - ${epochSeconds('m.started_at')} <= ${query.conversionDays * 86_400} AS converted
  FROM moments m LEFT JOIN customer_lifecycle l ON l.workspace_id = $1 AND l.customer_id = m.customer_id
)
SELECT intent, stage, channel, hour, count(*) AS moments, count(DISTINCT customer_id) AS customers,
  count(*) FILTER (WHERE converted) AS converted, count(*) FILTER (WHERE mostly_mobile) AS on_mobile
FROM described
GROUP BY GROUPING SETS ((intent), (intent, stage), (intent, channel), (intent, hour))`,
    params,
  };
}

export function queryMicroMoments(
  db: Queryable,
  workspaceId: number,
  query: MicroMomentQuery,
): Promise<MomentRow[]> {
  const { sql, params } = buildMicroMomentsSql(workspaceId, query);
  return db.query<MomentRow>(sql, params);
}
