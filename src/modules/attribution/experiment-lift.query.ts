/**
 * Who was assigned to each arm of each experiment, and who converted within the window after their
 * assignment: the measured effect of a randomised campaign. An assignment is an event (by default
 * `Experiment Assigned`) whose properties name the experiment and the group; a customer counts from their
 * first assignment to a group. With occurrence=first, converting means that the customer's first conversion
 * came in the window: one who had converted before the assignment does not count as converting.
 */
import type { Queryable } from '../../platform/db/database.ts';
import type { SqlQuery } from '../../platform/db/portable-sql.ts';
import type { ExperimentQuery } from './attribution.schema.ts';
import { conversionEventsSql } from './attribution-paths.query.ts';

export function buildExperimentSql(workspaceId: number, query: ExperimentQuery): SqlQuery {
  const params: unknown[] = [workspaceId];
  const bind = (value: unknown) => `$${params.push(value)}`;
  const sql = `WITH assigned AS (
    SELECT customer_id, CAST(properties ->> 'experiment' AS TEXT) AS experiment,
      CAST(properties ->> 'group' AS TEXT) AS arm, min(occurred_at) AS assigned_at
    FROM events
    WHERE workspace_id = $1 AND name = ${bind(query.event)} AND (properties ->> 'group') IS NOT NULL
    GROUP BY customer_id, CAST(properties ->> 'experiment' AS TEXT), CAST(properties ->> 'group' AS TEXT)
  ),
  conversions AS (${conversionEventsSql(query, bind)}),
  outcomes AS (
    SELECT a.experiment, a.arm, a.customer_id,
      max(CASE WHEN c.moment >= a.assigned_at AND c.moment <= a.assigned_at + INTERVAL '${query.window} seconds'
        THEN 1 ELSE 0 END) AS converted
    FROM assigned a
    LEFT JOIN conversions c ON c.customer_id = a.customer_id AND c.nth = 1
    GROUP BY a.experiment, a.arm, a.customer_id
  )
  SELECT coalesce(experiment, '(unnamed)') AS experiment, arm, count(*) AS customers, sum(converted) AS converted
  FROM outcomes GROUP BY experiment, arm ORDER BY experiment, arm`;
  return { sql, params };
}

export interface ArmRow {
  experiment: string;
  arm: string;
  customers: number;
  converted: number;
}

export function queryExperimentArms(
  db: Queryable,
  workspaceId: number,
  query: ExperimentQuery,
): Promise<ArmRow[]> {
  const { sql, params } = buildExperimentSql(workspaceId, query);
  return db.query<ArmRow>(sql, params);
}
