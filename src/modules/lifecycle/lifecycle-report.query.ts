/**
 * The lifecycle funnel and its trend, read from `customer_lifecycle` (built by the refresh): one pass over
 * one row per customer, grouped by the breakdown. One SQL text for both engines.
 */
import type { Queryable } from '../../platform/db/database.ts';
import { daysBetween, type SqlQuery } from '../../platform/db/portable-sql.ts';
import type { Audience } from './held-customers.ts';
import type { LifecycleFilter, LifecycleQuery, Stage, TrendQuery } from './lifecycle.schema.ts';
import { STAGES } from './lifecycle.schema.ts';

const GROUP_KEYS: Record<LifecycleQuery['breakdown'], string> = {
  none: "'all'",
  segment: "CASE WHEN b2b.customer_id IS NULL THEN 'b2c' ELSE 'b2b' END",
  persona: "coalesce(pn.name, 'no persona')",
  firstChannel: "coalesce(l.first_channel, 'unknown')",
  firstDevice: "coalesce(l.first_device, 'unknown')",
  cohort: "date_trunc('month', l.awareness_at)",
};

const B2B_MEMBERS = `LEFT JOIN (
    SELECT DISTINCT customer_id FROM account_memberships WHERE workspace_id = $1
  ) AS b2b ON b2b.customer_id = l.customer_id`;

const PERSONAS = `LEFT JOIN persona_assignments pa ON pa.workspace_id = l.workspace_id AND pa.customer_id = l.customer_id
  LEFT JOIN personas pn ON pn.workspace_id = pa.workspace_id AND pn.persona_id = pa.persona_id`;

/**
 * The FROM and WHERE shared by every lifecycle read; `$1` is the workspace, the filter's values follow.
 * `byB2b`: the read groups by B2B or B2C (the accounts' members are joined only where asked, a pass over
 * every membership otherwise spent on every read).
 */
function fromFiltered(filter: LifecycleFilter, params: unknown[], join = '', byB2b = false): string {
  const conditions = ['l.workspace_id = $1'];
  const bind = (value: unknown) => `$${params.push(value)}`;
  if (filter.from) conditions.push(`l.awareness_at >= CAST(${bind(filter.from)} AS TIMESTAMP)`);
  if (filter.to) conditions.push(`l.awareness_at < CAST(${bind(filter.to)} AS TIMESTAMP)`);
  if (filter.channel) conditions.push(`l.first_channel = ${bind(filter.channel)}`);
  if (filter.device) conditions.push(`l.first_device = ${bind(filter.device)}`);
  if (filter.segment) conditions.push(`b2b.customer_id IS ${filter.segment === 'b2b' ? 'NOT NULL' : 'NULL'}`);
  // Personas and saved segments are other modules' tables, read here by SQL alone: they build on the
  // lifecycle, so the lifecycle cannot call them.
  if (filter.persona)
    conditions.push(`l.customer_id IN (SELECT customer_id FROM persona_assignments
      WHERE workspace_id = $1 AND persona_id = ${bind(filter.persona)})`);
  if (filter.savedSegment)
    conditions.push(`l.customer_id IN (SELECT m.customer_id FROM segment_members m
      JOIN segments sg ON sg.workspace_id = m.workspace_id AND sg.segment_id = m.segment_id
      WHERE m.workspace_id = $1 AND sg.slug = ${bind(filter.savedSegment)})`);
  const b2b = byB2b || filter.segment ? B2B_MEMBERS : '';
  return `FROM customer_lifecycle l ${join} ${b2b} WHERE ${conditions.join(' AND ')}`;
}

export type CustomerFilter = Omit<LifecycleFilter, 'asOf'>;

/**
 * For other modules' reads: the customers a lifecycle filter keeps (first touch in [from, to), segment,
 * first channel, first device), as a subquery of customer ids (`$1` the workspace, values bound into
 * `params`); null when the filter keeps everyone.
 */
export function buildCustomerSubquery(filter: CustomerFilter, params: unknown[]): string | null {
  const { from, to, segment, channel, device, persona, savedSegment } = filter;
  if (!from && !to && !segment && !channel && !device && !persona && !savedSegment) return null;
  return `SELECT l.customer_id ${fromFiltered(filter, params)}`;
}

/** The customers a filter keeps, as a set of ids; null when it keeps everyone. */
export async function queryCustomersKept(
  db: Queryable,
  workspaceId: number,
  filter: CustomerFilter,
): Promise<Audience | null> {
  const params: unknown[] = [workspaceId];
  const customers = buildCustomerSubquery(filter, params);
  if (!customers) return null;
  const rows = await db.query<{ customer_id: number }>(customers, params);
  return new Set(rows.map((row) => row.customer_id));
}

/** Days from entering the previous stage to entering this one, for the customers who did both. */
const daysFromPrevious = (stage: Stage, previous: Stage) => daysBetween(`l.${previous}_at`, `l.${stage}_at`);

export function buildLifecycleReportSql(
  workspaceId: number,
  query: LifecycleQuery,
  lapsedBefore: Date,
): SqlQuery {
  const params: unknown[] = [workspaceId];
  const lapsedCutoff = `$${params.push(lapsedBefore)}`;
  const columns = STAGES.flatMap((stage, rank) => {
    const figures = [
      `count(l.${stage}_at) AS reached_${stage}`,
      `count(*) FILTER (WHERE l.stage = '${stage}') AS current_${stage}`,
      `count(*) FILTER (WHERE l.stage = '${stage}' AND l.last_seen_at < CAST(${lapsedCutoff} AS TIMESTAMP)) AS lapsed_${stage}`,
    ];
    const previous = STAGES[rank - 1];
    if (previous) {
      const days = daysFromPrevious(stage, previous);
      figures.push(
        `percentile_cont(0.5) WITHIN GROUP (ORDER BY ${days}) AS median_${stage}`,
        `percentile_cont(0.9) WITHIN GROUP (ORDER BY ${days}) AS p90_${stage}`,
      );
    }
    return figures;
  });
  const key = GROUP_KEYS[query.breakdown];
  const join = query.breakdown === 'persona' ? PERSONAS : '';
  const from = fromFiltered(query, params, join, query.breakdown === 'segment');
  return {
    sql: `SELECT ${key} AS group_key, count(*) AS customers,
  ${columns.join(',\n  ')}
${from}
${query.breakdown === 'none' ? 'HAVING count(*) > 0' : `GROUP BY ${key}`}
ORDER BY customers DESC, group_key`,
    params,
  };
}

export type LifecycleReportRow = { group_key: string | Date; customers: number } & Record<
  string,
  number | null
>;

export async function queryLifecycleReport(
  db: Queryable,
  workspaceId: number,
  query: LifecycleQuery,
  lapsedBefore: Date,
): Promise<LifecycleReportRow[]> {
  const { sql, params } = buildLifecycleReportSql(workspaceId, query, lapsedBefore);
  return db.query<LifecycleReportRow>(sql, params);
}

export function buildLifecycleTrendSql(workspaceId: number, query: TrendQuery): SqlQuery {
  const params: unknown[] = [workspaceId];
  const entries = 'JOIN stage_entries s ON s.workspace_id = l.workspace_id AND s.customer_id = l.customer_id';
  const from = fromFiltered(query, params, entries);
  return {
    sql: `SELECT date_trunc('${query.interval}', s.entered_at) AS period_start, s.stage, count(*) AS entered
${from}
GROUP BY date_trunc('${query.interval}', s.entered_at), s.stage
ORDER BY period_start, s.stage`,
    params,
  };
}

export async function queryLifecycleTrend(
  db: Queryable,
  workspaceId: number,
  query: TrendQuery,
): Promise<{ period_start: Date; stage: Stage; entered: number }[]> {
  const { sql, params } = buildLifecycleTrendSql(workspaceId, query);
  return db.query(sql, params);
}
