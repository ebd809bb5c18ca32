/**
 * Who was assigned to each arm of each experiment, and who converted within the window after their
 * assignment: the measured effect of a randomised campaign. An assignment is either an event (by default
 * `Experiment Assigned`) whose properties name the experiment and the group, a customer counting in the
 * group of their first assignment to the experiment, from then; or a trait whose value is the arm, a customer counting in the arm of the
 * first value they were given, from when it was set. With occurrence=first, converting means that the
 * customer's first conversion came in the window: one who had converted before the assignment does not
 * count as converting.
 */
import type { Queryable } from '../../platform/db/database.ts';
import { jsonScalarText, type SqlQuery } from '../../platform/db/portable-sql.ts';
import { ASSIGNMENT_EVENT, type ExperimentQuery } from './attribution.schema.ts';
import { conversionEventsSql } from './attribution-paths.query.ts';

/** One row per customer, experiment and arm: `customer_id, experiment, arm, assigned_at`. */
function assignedSql(query: ExperimentQuery, bind: (value: unknown) => string): string {
  if (query.trait)
    // Later values (a re-assignment) are ignored, so no customer is in two arms; a null value is no arm.
    return `SELECT customer_id, trait AS experiment, arm, set_at AS assigned_at
    FROM (
      SELECT customer_id, trait, arm, set_at,
        row_number() OVER (PARTITION BY customer_id ORDER BY set_at, message_id) AS nth
      FROM (
        SELECT customer_id, trait, ${jsonScalarText('value')} AS arm, set_at, message_id
        FROM trait_history WHERE workspace_id = $1 AND trait = ${bind(query.trait)}
      ) given
      WHERE arm IS NOT NULL
    ) ranked
    WHERE nth = 1`;
  // Likewise a customer's first assignment in each experiment names their arm.
  return `SELECT customer_id, experiment, arm, assigned_at
    FROM (
      SELECT customer_id, CAST(properties ->> 'experiment' AS TEXT) AS experiment,
        CAST(properties ->> 'group' AS TEXT) AS arm, occurred_at AS assigned_at,
        row_number() OVER (PARTITION BY customer_id, CAST(properties ->> 'experiment' AS TEXT)
          ORDER BY occurred_at, message_id) AS nth
      FROM events
      WHERE workspace_id = $1 AND name = ${bind(query.event ?? ASSIGNMENT_EVENT)} AND (properties ->> 'group') IS NOT NULL
    ) ranked
    WHERE nth = 1`;
}

export function buildExperimentSql(workspaceId: number, query: ExperimentQuery): SqlQuery {
  const params: unknown[] = [workspaceId];
  const bind = (value: unknown) => `$${params.push(value)}`;
  const sql = `WITH assigned AS (${assignedSql(query, bind)}),
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
