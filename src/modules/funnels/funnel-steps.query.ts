/**
 * A custom funnel in one SQL text for both engines. Every occurrence of the first step may start an attempt;
 * each later step is its earliest occurrence after the step before (strictly later) and within the window of
 * the attempt's first step — taking the earliest is what lets an attempt go furthest. In strict order each
 * step must be the customer's very next touchpoint. Attempts with an excluded event between the steps it
 * names are dropped; each customer (or account) counts once, by the attempt that went furthest (the earliest
 * of those), and takes that attempt's breakdown value.
 */
import type { Queryable } from '../../platform/db/database.ts';
import { epochSeconds, type SqlQuery } from '../../platform/db/portable-sql.ts';
import type { FunnelQuery } from './funnel.schema.ts';

/** Upper bounds (seconds) of the time-to-convert buckets; the last one is open. */
export const TIME_TO_CONVERT_BOUNDS = [3600, 86_400, 3 * 86_400, 7 * 86_400, 14 * 86_400, 30 * 86_400];

function breakdownColumn(breakdown: string | undefined): string {
  if (!breakdown) return "'(none)'";
  // The key was checked against [A-Za-z0-9_$-]: safe inside a string literal.
  if (breakdown.startsWith('properties.')) return `CAST(e.properties ->> '${breakdown.slice(11)}' AS TEXT)`;
  return `e.${breakdown}`;
}

/** The events the funnel reads, by whom they count for (a customer, or each account the customer is in). */
function entityEvents(query: FunnelQuery, names: string): string {
  const entity = query.aggregateBy === 'account' ? 'm.account_id' : 'e.customer_id';
  const members =
    query.aggregateBy === 'account'
      ? 'JOIN account_memberships m ON m.workspace_id = e.workspace_id AND m.customer_id = e.customer_id'
      : '';
  // Strict order numbers every touchpoint, so that "the very next one" can be told.
  const position =
    query.order === 'strict'
      ? `, row_number() OVER (PARTITION BY ${entity} ORDER BY e.occurred_at, e.message_id) AS pos`
      : '';
  const only = query.order === 'strict' ? "e.type IN ('track', 'page', 'screen')" : `e.name IN (${names})`;
  return `SELECT ${entity} AS entity, e.name, e.occurred_at, ${breakdownColumn(query.breakdown)} AS breakdown_value${position}
    FROM events e ${members}
    WHERE e.workspace_id = $1 AND ${only}`;
}

export function buildFunnelSql(workspaceId: number, query: FunnelQuery): SqlQuery {
  const params: unknown[] = [workspaceId];
  const bind = (value: unknown) => `$${params.push(value)}`;
  const stepNames = query.steps.map(bind);
  const exclusionNames = query.exclude.map((exclusion) => bind(exclusion.event));
  const names = [...new Set([...stepNames, ...exclusionNames])].join(', ');
  const window = `INTERVAL '${query.window} seconds'`;
  const strict = query.order === 'strict';
  const n = query.steps.length;
  const t = (k: number) => `t${k}`;
  const carried = (k: number) =>
    Array.from({ length: k }, (_, i) => `p.${t(i + 1)}${strict ? `, p.pos${i + 1}` : ''}`).join(', ');

  const ranges: string[] = [];
  if (query.from) ranges.push(`AND occurred_at >= CAST(${bind(query.from)} AS TIMESTAMP)`);
  if (query.to) ranges.push(`AND occurred_at < CAST(${bind(query.to)} AS TIMESTAMP)`);
  const ctes = [
    `entity_events AS (${entityEvents(query, names)})`,
    `s1 AS (SELECT entity, coalesce(breakdown_value, '(none)') AS breakdown_value, occurred_at AS t1${strict ? ', pos AS pos1' : ''}
      FROM entity_events WHERE name = ${stepNames[0]} ${ranges.join(' ')})`,
  ];
  for (let k = 2; k <= n; k++) {
    const next = strict ? `e.pos = p.pos${k - 1} + 1` : `e.occurred_at > p.${t(k - 1)}`;
    ctes.push(`s${k} AS (
      SELECT p.entity, p.breakdown_value, ${carried(k - 1)}, min(e.occurred_at) AS ${t(k)}${strict ? `, min(e.pos) AS pos${k}` : ''}
      FROM s${k - 1} p LEFT JOIN entity_events e
        ON e.entity = p.entity AND e.name = ${stepNames[k - 1]} AND ${next} AND e.occurred_at <= p.t1 + ${window}
      GROUP BY p.entity, p.breakdown_value, ${carried(k - 1)})`);
  }
  const exclusions = query.exclude.map((exclusion, index) => {
    const after = t(exclusion.afterStep ?? 1);
    const before = t(exclusion.beforeStep ?? n);
    return `AND NOT EXISTS (SELECT 1 FROM entity_events x WHERE x.entity = s.entity AND x.name = ${exclusionNames[index]}
        AND x.occurred_at > s.${after} AND x.occurred_at < coalesce(s.${before}, s.t1 + ${window}))`;
  });
  const reached = `CASE ${Array.from({ length: n - 1 }, (_, i) => `WHEN ${t(i + 2)} IS NULL THEN ${i + 1}`).join(' ')} ELSE ${n} END`;
  ctes.push(
    `attempts AS (SELECT s.*, ${reached} AS reached FROM s${n} s WHERE 1 = 1 ${exclusions.join(' ')})`,
    `best AS (SELECT * FROM (
      SELECT a.*, row_number() OVER (PARTITION BY entity ORDER BY reached DESC, t1) AS choice FROM attempts a
    ) AS ranked WHERE choice = 1)`,
  );

  const figures = [`count(*) AS reached_1`];
  for (let k = 2; k <= n; k++) {
    const gap = `${epochSeconds(t(k))} - ${epochSeconds(t(k - 1))}`;
    figures.push(
      `count(${t(k)}) AS reached_${k}`,
      `percentile_cont(0.5) WITHIN GROUP (ORDER BY ${gap}) AS median_${k}`,
      `percentile_cont(0.9) WITHIN GROUP (ORDER BY ${gap}) AS p90_${k}`,
    );
  }
  const total = `${epochSeconds(t(n))} - ${epochSeconds('t1')}`;
  TIME_TO_CONVERT_BOUNDS.forEach((upper, index) => {
    const lower = TIME_TO_CONVERT_BOUNDS[index - 1] ?? 0;
    figures.push(
      `count(*) FILTER (WHERE ${total} >= ${lower} AND ${total} < ${upper}) AS converted_within_${index}`,
    );
  });
  figures.push(
    `count(*) FILTER (WHERE ${total} >= ${TIME_TO_CONVERT_BOUNDS.at(-1)}) AS converted_within_${TIME_TO_CONVERT_BOUNDS.length}`,
  );
  return {
    sql: `WITH ${ctes.join(',\n')}
SELECT breakdown_value, ${figures.join(',\n  ')}
FROM best
GROUP BY ROLLUP (breakdown_value)`,
    params,
  };
}

export type FunnelRow = { breakdown_value: string | null } & Record<string, number | null>;

export async function queryFunnelSteps(
  db: Queryable,
  workspaceId: number,
  query: FunnelQuery,
): Promise<FunnelRow[]> {
  const { sql, params } = buildFunnelSql(workspaceId, query);
  return db.query<FunnelRow>(sql, params);
}
