/**
 * The SQL that rebuilds stage entries and lifecycle rows from the event stream and the taxonomy, for a whole
 * workspace or for the customers whose events changed. One text for both engines; `$1` is the workspace,
 * `$2` (customers scope only) the customer ids, `$3` (or `$2`) the refresh time.
 */
import type { Queryable } from '../../platform/db/database.ts';
import { STAGES } from './lifecycle.schema.ts';

export type RefreshScope = 'workspace' | 'customers';

const stageRank = (column: string) =>
  `CASE ${column} ${STAGES.map((stage, rank) => `WHEN '${stage}' THEN ${rank}`).join(' ')} END`;
const stageName = (column: string) =>
  `CASE ${column} ${STAGES.map((stage, rank) => `WHEN ${rank} THEN '${stage}'`).join(' ')} END`;

function customerFilter(scope: RefreshScope, column: string): string {
  return scope === 'customers' ? `AND ${column} IN (SELECT unnest(CAST($2 AS BIGINT[])))` : '';
}

/**
 * Stage entries. Each event takes the funnel signal of its taxonomy rule, a `first` or `repeat` rule winning
 * over `any` for the occurrences it names. A stage is entered at the earliest signal of that stage or a
 * later one, so that a customer who buys without a signal of preference has still passed through it, and
 * every later stage is entered no earlier than the one before.
 */
export function buildStageEntriesSql(scope: RefreshScope): string {
  return `
INSERT INTO stage_entries (workspace_id, customer_id, stage, entered_at, message_id, event_name, channel, device)
WITH rules AS (
  SELECT event_name, occurrence, funnel_signal FROM event_taxonomy WHERE workspace_id = $1
),
signalling AS (SELECT DISTINCT event_name FROM rules WHERE funnel_signal IS NOT NULL),
counted AS (SELECT DISTINCT event_name FROM rules WHERE occurrence <> 'any'),
-- Occurrences are numbered only for the names whose first and later occurrences have rules of their own.
touches AS (
  SELECT e.customer_id, e.name, e.occurred_at, e.message_id, e.channel, e.device,
         row_number() OVER (PARTITION BY e.customer_id, e.name ORDER BY e.occurred_at, e.message_id) AS nth
  FROM events e
  WHERE e.workspace_id = $1 ${customerFilter(scope, 'e.customer_id')}
    AND e.name IN (SELECT event_name FROM signalling) AND e.name IN (SELECT event_name FROM counted)
  UNION ALL
  SELECT e.customer_id, e.name, e.occurred_at, e.message_id, e.channel, e.device, CAST(NULL AS BIGINT) AS nth
  FROM events e
  WHERE e.workspace_id = $1 ${customerFilter(scope, 'e.customer_id')}
    AND e.name IN (SELECT event_name FROM signalling) AND e.name NOT IN (SELECT event_name FROM counted)
),
signals AS (
  SELECT t.customer_id, t.name, t.occurred_at, t.message_id, t.channel, t.device,
         ${stageRank('CASE WHEN specific.event_name IS NOT NULL THEN specific.funnel_signal ELSE every.funnel_signal END')} AS stage_rank
  FROM touches t
  LEFT JOIN rules specific
    ON specific.event_name = t.name AND specific.occurrence = CASE WHEN t.nth = 1 THEN 'first' ELSE 'repeat' END
  LEFT JOIN rules every ON every.event_name = t.name AND every.occurrence = 'any'
),
earliest AS (
  SELECT * FROM (
    SELECT s.*, row_number() OVER (PARTITION BY s.customer_id, s.stage_rank ORDER BY s.occurred_at, s.message_id) AS k
    FROM signals s WHERE s.stage_rank IS NOT NULL
  ) AS firsts WHERE k = 1
),
entries AS (
  SELECT e.customer_id, stages.rank AS stage_rank, e.occurred_at, e.message_id, e.name, e.channel, e.device,
         row_number() OVER (
           PARTITION BY e.customer_id, stages.rank ORDER BY e.occurred_at, e.stage_rank, e.message_id
         ) AS k
  FROM earliest e JOIN generate_series(0, ${STAGES.length - 1}) AS stages(rank) ON e.stage_rank >= stages.rank
)
SELECT $1, customer_id, ${stageName('stage_rank')}, occurred_at, message_id, name, channel, device
FROM entries WHERE k = 1`;
}

/**
 * Lifecycle rows from the stage entries just written: the furthest stage, when each was entered, the first
 * touch, when the customer was last seen, and the touchpoints (track, page, screen) before the first
 * purchase, with those of an `engage` event (information seeking) counted apart.
 */
export function buildCustomerLifecycleSql(scope: RefreshScope): string {
  const refreshedAt = scope === 'customers' ? '$3' : '$2';
  const enteredAt = STAGES.map(
    (stage) => `max(entered_at) FILTER (WHERE stage = '${stage}') AS ${stage}_at`,
  ).join(',\n    ');
  return `
INSERT INTO customer_lifecycle (
  workspace_id, customer_id, stage, ${STAGES.map((stage) => `${stage}_at`).join(', ')},
  first_channel, first_device, last_seen_at, touches_before_action, info_touches_before_action, refreshed_at
)
WITH entered AS (
  SELECT customer_id,
    ${stageName(`max(${stageRank('stage')})`)} AS stage,
    ${enteredAt},
    max(channel) FILTER (WHERE stage = 'awareness') AS first_channel,
    max(device) FILTER (WHERE stage = 'awareness') AS first_device
  FROM stage_entries
  WHERE workspace_id = $1 ${customerFilter(scope, 'customer_id')}
  GROUP BY customer_id
),
engage_names AS (
  SELECT DISTINCT event_name FROM event_taxonomy WHERE workspace_id = $1 AND behavior = 'engage'
),
activity AS (
  SELECT e.customer_id, max(e.occurred_at) AS last_seen_at,
    count(*) FILTER (WHERE e.type IN ('track', 'page', 'screen') AND e.occurred_at < n.action_at) AS touches,
    count(*) FILTER (
      WHERE e.type IN ('track', 'page', 'screen') AND e.occurred_at < n.action_at AND g.event_name IS NOT NULL
    ) AS info_touches
  FROM events e
  JOIN entered n ON n.customer_id = e.customer_id
  LEFT JOIN engage_names g ON g.event_name = e.name
  WHERE e.workspace_id = $1 ${customerFilter(scope, 'e.customer_id')}
  GROUP BY e.customer_id
)
SELECT $1, n.customer_id, n.stage, ${STAGES.map((stage) => `n.${stage}_at`).join(', ')},
  n.first_channel, n.first_device, a.last_seen_at,
  CASE WHEN n.action_at IS NULL THEN NULL ELSE a.touches END,
  CASE WHEN n.action_at IS NULL THEN NULL ELSE a.info_touches END,
  CAST(${refreshedAt} AS TIMESTAMP)
FROM entered n JOIN activity a ON a.customer_id = n.customer_id`;
}

/** Rebuilds the lifecycle of the given customers, or of the whole workspace; inside the caller's transaction. */
export async function refreshLifecycleRows(
  tx: Queryable,
  workspaceId: number,
  customers: number[] | 'all',
  refreshedAt: Date,
): Promise<void> {
  if (customers === 'all') {
    await tx.query('DELETE FROM stage_entries WHERE workspace_id = $1', [workspaceId]);
    await tx.query('DELETE FROM customer_lifecycle WHERE workspace_id = $1', [workspaceId]);
    await tx.query(buildStageEntriesSql('workspace'), [workspaceId]);
    await tx.query(buildCustomerLifecycleSql('workspace'), [workspaceId, refreshedAt]);
    return;
  }
  const only = `workspace_id = $1 AND customer_id IN (SELECT unnest(CAST($2 AS BIGINT[])))`;
  await tx.query(`DELETE FROM stage_entries WHERE ${only}`, [workspaceId, customers]);
  await tx.query(`DELETE FROM customer_lifecycle WHERE ${only}`, [workspaceId, customers]);
  await tx.query(buildStageEntriesSql('customers'), [workspaceId, customers]);
  await tx.query(buildCustomerLifecycleSql('customers'), [workspaceId, customers, refreshedAt]);
}
