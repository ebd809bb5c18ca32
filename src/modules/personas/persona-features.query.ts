/**
 * What each customer does, as shares and rates that compare a customer with many touchpoints to one with
 * few: channel, device and content-format mix, time of day and weekend, purchase rhythm and value, the
 * behaviour mix of the workspace's taxonomy, and B2B membership and buying role. One SQL for both engines.
 */
import type { Database } from '../../platform/db/database.ts';
import { daysBetween, type SqlQuery } from '../../platform/db/portable-sql.ts';
import { CONTENT_FORMATS } from '../imports/index.ts';
import { BUYING_ROLES as ALLOWED_BUYING_ROLES, CHANNELS, DEVICE_CLASSES } from '../ingestion/index.ts';

/** The buying roles the data model allows (migration 0001's CHECK constraint on memberships). */
const BUYING_ROLES = [...ALLOWED_BUYING_ROLES] as string[];
const BEHAVIOURS = ['access', 'engage', 'customize', 'connect', 'collaborate'];
/** Hours of the day (UTC) from which each part of it runs to the next. */
const DAY_PARTS: Array<[name: string, from: number, to: number]> = [
  ['night', 0, 6],
  ['morning', 6, 12],
  ['afternoon', 12, 18],
  ['evening', 18, 24],
];

export type FeatureGroup = 'channel' | 'device' | 'format' | 'timing' | 'purchase' | 'behaviour' | 'b2b';

export interface FeatureDefinition {
  /** `group:value`, e.g. `channel:email`; also the column's alias (quoted). */
  name: string;
  group: FeatureGroup;
  /** A SQL expression over the `touches`, `purchases` and `memberships` aggregates; NULL when unknown. */
  sql: string;
}

/** A share of the customer's touchpoints of which `total` counts those that could tell. */
const share = (condition: string, total: string) =>
  `CAST(count(*) FILTER (WHERE ${condition}) AS DOUBLE PRECISION) / nullif(${total}, 0)`;

const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** Per-touchpoint features, aggregated over the customer's touchpoints (`t`). */
const TOUCH_FEATURES: FeatureDefinition[] = [
  ...CHANNELS.map((channel) => ({
    name: `channel:${channel}`,
    group: 'channel' as const,
    sql: share(`channel = ${literal(channel)}`, 'count(channel)'),
  })),
  ...DEVICE_CLASSES.map((device) => ({
    name: `device:${device}`,
    group: 'device' as const,
    sql: share(`device = ${literal(device)}`, 'count(device)'),
  })),
  ...CONTENT_FORMATS.map((format) => ({
    name: `format:${format}`,
    group: 'format' as const,
    sql: share(`format = ${literal(format)}`, 'count(format)'),
  })),
  ...DAY_PARTS.map(([part, from, to]) => ({
    name: `timing:${part}`,
    group: 'timing' as const,
    sql: share(`hour >= ${from} AND hour < ${to}`, 'count(*)'),
  })),
  // extract(dow) is 0 for Sunday and 6 for Saturday on both engines.
  { name: 'timing:weekend', group: 'timing', sql: share('dow IN (0, 6)', 'count(*)') },
  ...BEHAVIOURS.map((behaviour) => ({
    name: `behaviour:${behaviour}`,
    group: 'behaviour' as const,
    sql: share(`behavior = ${literal(behaviour)}`, 'count(*)'),
  })),
];

/** Per-customer features from the completed orders (`o`) and account memberships (`m`). */
const CUSTOMER_FEATURES: FeatureDefinition[] = [
  {
    name: 'purchase:orders',
    group: 'purchase',
    sql: 'ln(1 + CAST(coalesce(o.orders, 0) AS DOUBLE PRECISION))',
  },
  { name: 'purchase:order_value', group: 'purchase', sql: 'ln(1 + o.mean_value)' },
  { name: 'purchase:days_between', group: 'purchase', sql: 'ln(1 + o.days_between)' },
  { name: 'purchase:discounted', group: 'purchase', sql: 'o.discounted' },
  { name: 'b2b:member', group: 'b2b', sql: 'CASE WHEN m.customer_id IS NULL THEN 0.0 ELSE 1.0 END' },
  ...BUYING_ROLES.map((role) => ({
    name: `b2b:${role}`,
    group: 'b2b' as const,
    sql: `coalesce(m.${role}, 0.0)`,
  })),
];

export const FEATURES: readonly FeatureDefinition[] = [...TOUCH_FEATURES, ...CUSTOMER_FEATURES];

/**
 * One row per customer (not merged into another) with at least `minTouchpoints` touchpoints, its features
 * in FEATURES order as `f0 … fn`. A share whose denominator is empty (no touchpoint with a device, no order)
 * is NULL: unknown, not zero. `onlyUnassigned` keeps the customers without a persona yet.
 */
export function buildPersonaFeaturesSql(
  workspaceId: number,
  options: { minTouchpoints: number; onlyUnassigned?: boolean },
): SqlQuery {
  const touchColumns = TOUCH_FEATURES.map((feature, i) => `${feature.sql} AS f${i}`).join(',\n      ');
  const customerColumns = CUSTOMER_FEATURES.map(
    (feature, i) => `${feature.sql} AS f${TOUCH_FEATURES.length + i}`,
  ).join(',\n    ');
  const touchAliases = TOUCH_FEATURES.map((_, i) => `t.f${i}`).join(', ');
  const roles = BUYING_ROLES.map(
    (role) => `max(CASE WHEN buying_role = ${literal(role)} THEN 1.0 ELSE 0.0 END) AS ${role}`,
  ).join(', ');
  const unassigned = (alias: string) =>
    options.onlyUnassigned
      ? `AND NOT EXISTS (SELECT 1 FROM persona_assignments a
         WHERE a.workspace_id = $1 AND a.customer_id = ${alias}.customer_id)`
      : '';
  const sql = `WITH behaviours AS (
    -- One behaviour per event name: first and repeat occurrences share it in the default taxonomy.
    SELECT event_name, max(behavior) AS behavior FROM event_taxonomy WHERE workspace_id = $1 GROUP BY event_name
  ),
  touchpoints AS (
    SELECT e.customer_id, e.channel, e.device, b.behavior,
      -- The format an event names itself, else the catalogue's for the content it names.
      coalesce(CAST((e.properties ->> 'format') AS TEXT), ci.format) AS format,
      CAST(extract(hour FROM e.occurred_at) AS INTEGER) AS hour,
      CAST(extract(dow FROM e.occurred_at) AS INTEGER) AS dow
    FROM events e
    LEFT JOIN behaviours b ON b.event_name = e.name
    LEFT JOIN content_items ci ON ci.workspace_id = e.workspace_id
      AND ci.content_id = CAST((e.properties ->> 'content_id') AS TEXT)
    WHERE e.workspace_id = $1 AND e.type IN ('track', 'page', 'screen') ${unassigned('e')}
  ),
  touches AS (
    SELECT customer_id, count(*) AS touchpoints, count(channel) AS channel_touches,
      count(format) AS format_touches,
      ${touchColumns}
    FROM touchpoints GROUP BY customer_id
  ),
  purchases AS (
    SELECT customer_id, count(*) AS orders,
      CAST(avg(greatest(total, 0)) AS DOUBLE PRECISION) AS mean_value,
      CASE WHEN count(*) > 1
        THEN ${daysBetween('min(ordered_at)', 'max(ordered_at)')} / (count(*) - 1) END AS days_between,
      CAST(count(*) FILTER (WHERE discount > 0) AS DOUBLE PRECISION) / count(*) AS discounted
    FROM orders WHERE workspace_id = $1 AND status = 'completed' GROUP BY customer_id
  ),
  memberships AS (
    SELECT customer_id, ${roles} FROM account_memberships WHERE workspace_id = $1 GROUP BY customer_id
  )
  SELECT c.customer_id, coalesce(t.touchpoints, 0) AS touchpoints,
    coalesce(t.channel_touches, 0) AS channel_touches, coalesce(t.format_touches, 0) AS format_touches,
    ${touchAliases},
    ${customerColumns}
  FROM customers c
  LEFT JOIN touches t ON t.customer_id = c.customer_id
  LEFT JOIN purchases o ON o.customer_id = c.customer_id
  LEFT JOIN memberships m ON m.customer_id = c.customer_id
  WHERE c.workspace_id = $1 AND c.merged_into IS NULL AND coalesce(t.touchpoints, 0) >= $2 ${unassigned('c')}
  ORDER BY c.customer_id`;
  return { sql, params: [workspaceId, options.minTouchpoints] };
}

/** Customers and their raw features: row i of `values` (row-major, FEATURES.length wide) is customerIds[i]. */
export interface FeatureTable {
  customerIds: number[];
  touchpoints: number[];
  /** Touchpoints with a channel, and with a content format: what the channel and format shares are of. */
  channelTouches: number[];
  formatTouches: number[];
  /** NaN where the feature is unknown for the customer. */
  values: Float64Array;
}

export async function queryPersonaFeatures(
  db: Pick<Database, 'queryMatrix'>,
  workspaceId: number,
  options: { minTouchpoints: number; onlyUnassigned?: boolean },
): Promise<FeatureTable> {
  const { sql, params } = buildPersonaFeaturesSql(workspaceId, options);
  // Half a million customers by some fifty features: read as one typed array, not as row objects.
  const matrix = await db.queryMatrix(sql, params);
  const { rows, values: read } = matrix;
  const columns = matrix.columns.length;
  const width = FEATURES.length;
  const at = (name: string) => matrix.columns.indexOf(name);
  const firstFeature = at('f0');
  const column = (index: number) => Array.from({ length: rows }, (_, i) => read[i * columns + index]!);
  const values = new Float64Array(rows * width);
  for (let i = 0; i < rows; i++)
    values.set(read.subarray(i * columns + firstFeature, i * columns + firstFeature + width), i * width);
  return {
    customerIds: column(at('customer_id')),
    touchpoints: column(at('touchpoints')),
    channelTouches: column(at('channel_touches')),
    formatTouches: column(at('format_touches')),
    values,
  };
}
