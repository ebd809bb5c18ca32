/**
 * Coverage of the organisation's offer: which of each behaviour's touchpoints happen at all in the window,
 * and on which devices and channels each behaviour happens.
 */
import type { Queryable } from '../../platform/db/database.ts';
import type { IndexWindow } from './behavior-index.query.ts';
import type { Behavior } from './behaviors.schema.ts';

export interface CoverageRows {
  names: Array<{ behavior: Behavior; event_name: string; events: number; customers: number }>;
  places: Array<{ behavior: Behavior | null; device: string | null; channel: string | null; events: number }>;
}

export async function queryCoverage(
  db: Queryable,
  workspaceId: number,
  window: IndexWindow,
): Promise<CoverageRows> {
  const params = [
    workspaceId,
    new Date(window.asOf.getTime() - window.windowDays * 86_400_000).toISOString(),
    window.asOf.toISOString(),
  ];
  const tags = `tags AS (
    SELECT event_name, max(behavior) AS behavior FROM event_taxonomy
    WHERE workspace_id = $1 AND behavior IS NOT NULL GROUP BY event_name
  )`;
  const inWindow = `e.workspace_id = $1 AND e.occurred_at >= CAST($2 AS TIMESTAMP) AND e.occurred_at < CAST($3 AS TIMESTAMP)
    AND e.type IN ('track', 'page', 'screen')`;
  const names = await db.query<CoverageRows['names'][number]>(
    `WITH ${tags}
     SELECT t.behavior, t.event_name, count(e.customer_id) AS events, count(DISTINCT e.customer_id) AS customers
     FROM tags t LEFT JOIN events e ON e.name = t.event_name AND ${inWindow}
     GROUP BY t.behavior, t.event_name`,
    params,
  );
  // Every touchpoint by device and channel, its behaviour or none: the behaviours' places and the overall mix.
  const places = await db.query<CoverageRows['places'][number]>(
    `WITH ${tags}
     SELECT t.behavior, e.device, e.channel, count(*) AS events
     FROM events e LEFT JOIN tags t ON t.event_name = e.name
     WHERE ${inWindow}
     GROUP BY t.behavior, e.device, e.channel`,
    params,
  );
  return { names, places };
}
