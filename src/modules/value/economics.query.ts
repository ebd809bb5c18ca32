/**
 * What conquest-or-relations reads (compute-economics.ts): the marketing costs overlapping a period, the
 * customers who bought in it (won: their first purchase fell in it; kept: they had bought before), and the
 * retention channels that reached each kept customer in it. Either for one period, or for all time as lists
 * that held-economics.ts answers any period of whole days from.
 */
import type { Queryable } from '../../platform/db/database.ts';
import { epochDay, epochSeconds } from '../../platform/db/portable-sql.ts';
import { indexTexts, type PeriodBuyers, type PeriodReach } from './compute-economics.ts';

export interface CostRow {
  objective: 'acquisition' | 'retention';
  channel: string;
  period_start: Date;
  period_end: Date;
  amount: number;
  currency: string;
}

export async function queryCostSpan(
  db: Queryable,
  workspaceId: number,
): Promise<{ first: Date | null; last: Date | null }> {
  const [row] = await db.query<{ first: Date | null; last: Date | null }>(
    'SELECT min(period_start) AS first, max(period_end) AS last FROM marketing_costs WHERE workspace_id = $1',
    [workspaceId],
  );
  return { first: row?.first ? new Date(row.first) : null, last: row?.last ? new Date(row.last) : null };
}

export function queryCosts(db: Queryable, workspaceId: number, from: Date, to: Date): Promise<CostRow[]> {
  return db.query<CostRow>(
    `SELECT objective, channel, period_start, period_end, amount, currency FROM marketing_costs
     WHERE workspace_id = $1 AND period_start < CAST($3 AS TIMESTAMP) AND period_end > CAST($2 AS TIMESTAMP)`,
    [workspaceId, from.toISOString(), to.toISOString()],
  );
}

export async function queryPeriodBuyers(
  db: Queryable,
  workspaceId: number,
  from: Date,
  to: Date,
): Promise<PeriodBuyers> {
  const rows = await db.query<{
    customer_id: number;
    is_new: number;
    first_channel: string | null;
    spent: number;
    clv: number | null;
    persona: string | null;
  }>(
    `WITH bought AS (
       SELECT customer_id, min(ordered_at) AS first_at,
         max(CASE WHEN ordered_at >= CAST($2 AS TIMESTAMP) THEN 1 ELSE 0 END) AS in_period,
         CAST(coalesce(sum(CASE WHEN ordered_at >= CAST($2 AS TIMESTAMP) THEN total END), 0) AS DOUBLE PRECISION) AS spent
       FROM orders
       WHERE workspace_id = $1 AND status = 'completed' AND ordered_at < CAST($3 AS TIMESTAMP)
       GROUP BY customer_id
     )
     SELECT b.customer_id, CASE WHEN b.first_at >= CAST($2 AS TIMESTAMP) THEN 1 ELSE 0 END AS is_new,
       l.first_channel, b.spent, v.clv, p.name AS persona
     FROM bought b
     LEFT JOIN customer_lifecycle l ON l.workspace_id = $1 AND l.customer_id = b.customer_id
     LEFT JOIN customer_values v ON v.workspace_id = $1 AND v.customer_id = b.customer_id
     LEFT JOIN persona_assignments a ON a.workspace_id = $1 AND a.customer_id = b.customer_id
     LEFT JOIN personas p ON p.workspace_id = a.workspace_id AND p.persona_id = a.persona_id
     WHERE b.in_period = 1
     ORDER BY b.customer_id`,
    [workspaceId, from.toISOString(), to.toISOString()],
  );
  const channels = indexTexts(rows.map((row) => row.first_channel));
  const personas = indexTexts(rows.map((row) => row.persona));
  return {
    customers: Int32Array.from(rows, (row) => Number(row.customer_id)),
    isNew: Uint8Array.from(rows, (row) => Number(row.is_new)),
    spent: Float64Array.from(rows, (row) => Number(row.spent)),
    clv: Float64Array.from(rows, (row) => (row.clv === null ? Number.NaN : Number(row.clv))),
    firstChannels: Int32Array.from(channels.indices),
    channelNames: channels.names,
    personas: Int32Array.from(personas.indices),
    personaNames: personas.names,
  };
}

/**
 * The retention channels among `channels` that each kept buyer (bought in the period, and before it) met in
 * the period. Only theirs: a period's touchpoints are millions, its kept customers' a share of them.
 */
export async function queryReached(
  db: Queryable,
  workspaceId: number,
  from: Date,
  to: Date,
  channels: readonly string[],
  buyers: PeriodBuyers,
): Promise<PeriodReach> {
  const rows =
    channels.length === 0
      ? []
      : await db.query<{ customer_id: number; channel: string }>(
          `SELECT DISTINCT customer_id, channel FROM events
     WHERE workspace_id = $1 AND occurred_at >= CAST($2 AS TIMESTAMP) AND occurred_at < CAST($3 AS TIMESTAMP)
       AND channel = ANY(CAST($4 AS TEXT[]))
       AND customer_id IN (
         SELECT customer_id FROM orders
         WHERE workspace_id = $1 AND status = 'completed' AND ordered_at < CAST($3 AS TIMESTAMP)
         GROUP BY customer_id
         HAVING min(ordered_at) < CAST($2 AS TIMESTAMP) AND max(ordered_at) >= CAST($2 AS TIMESTAMP))`,
          [workspaceId, from.toISOString(), to.toISOString(), channels],
        );
  const indexOf = new Map([...buyers.customers].map((customer, i) => [customer, i]));
  const reached = indexTexts(rows.map((row) => row.channel));
  return {
    buyers: Int32Array.from(rows, (row) => indexOf.get(Number(row.customer_id))!),
    channels: Int32Array.from(reached.indices),
    names: reached.names,
  };
}

/** Every completed order by customer, then time (seconds since the epoch). */
export function queryOrderList(
  db: Queryable,
  workspaceId: number,
): Promise<{ customer_id: number; ordered_at: number; total: number | null }[]> {
  return db.query(
    `SELECT customer_id, ${epochSeconds('ordered_at')} AS ordered_at, CAST(total AS DOUBLE PRECISION) AS total
     FROM orders WHERE workspace_id = $1 AND status = 'completed'
     ORDER BY customer_id, ordered_at`,
    [workspaceId],
  );
}

/** Each buyer's first channel, lifetime value (latest valuation) and persona, by customer. */
export function queryBuyerFacts(
  db: Queryable,
  workspaceId: number,
): Promise<
  { customer_id: number; first_channel: string | null; clv: number | null; persona: string | null }[]
> {
  return db.query(
    `SELECT b.customer_id, l.first_channel, v.clv, p.name AS persona
     FROM (SELECT DISTINCT customer_id FROM orders WHERE workspace_id = $1 AND status = 'completed') b
     LEFT JOIN customer_lifecycle l ON l.workspace_id = $1 AND l.customer_id = b.customer_id
     LEFT JOIN customer_values v ON v.workspace_id = $1 AND v.customer_id = b.customer_id
     LEFT JOIN persona_assignments a ON a.workspace_id = $1 AND a.customer_id = b.customer_id
     LEFT JOIN personas p ON p.workspace_id = a.workspace_id AND p.persona_id = a.persona_id
     ORDER BY b.customer_id`,
    [workspaceId],
  );
}

/**
 * The days (since the epoch) each customer who bought more than once met each channel of a retention cost:
 * only they can be kept in a period.
 */
export function queryRetentionDays(
  db: Queryable,
  workspaceId: number,
): Promise<{ customer_id: number; channel: string; day: number }[]> {
  return db.query(
    `SELECT DISTINCT customer_id, channel, ${epochDay('occurred_at')} AS day FROM events
     WHERE workspace_id = $1
       AND channel IN (SELECT channel FROM marketing_costs WHERE workspace_id = $1 AND objective = 'retention')
       AND customer_id IN (
         SELECT customer_id FROM orders WHERE workspace_id = $1 AND status = 'completed'
         GROUP BY customer_id HAVING count(*) > 1)
     ORDER BY customer_id`,
    [workspaceId],
  );
}
