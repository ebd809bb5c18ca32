/** Custom funnels: any ordered event steps, checked against the workspace's events, then counted. */
import type { Database, Queryable } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { computeFunnelConversion } from './compute-funnel-conversion.ts';
import type { FunnelQuery, FunnelResult } from './funnel.schema.ts';
import { queryFunnelSteps } from './funnel-steps.query.ts';

export function createFunnelService(deps: { db: Database }) {
  return {
    async run(workspaceId: number, query: FunnelQuery): Promise<FunnelResult> {
      await refuseUnknownEvents(deps.db, workspaceId, query);
      return computeFunnelConversion(query, await queryFunnelSteps(deps.db, workspaceId, query));
    },
  };
}

export type FunnelService = ReturnType<typeof createFunnelService>;

/** A step no event ever had is a typo far more often than a funnel meant to be empty. */
async function refuseUnknownEvents(db: Queryable, workspaceId: number, query: FunnelQuery): Promise<void> {
  const named = [
    ...query.steps.map((name, index) => ({ name, field: `steps[${index}]` })),
    ...query.exclude.map((exclusion, index) => ({ name: exclusion.event, field: `exclude[${index}].event` })),
  ];
  const found = await Promise.all(
    named.map(async ({ name }) => {
      const rows = await db.query(
        'SELECT 1 AS found FROM events WHERE workspace_id = $1 AND name = $2 LIMIT 1',
        [workspaceId, name],
      );
      return rows.length > 0;
    }),
  );
  const missing = named.find((_, index) => !found[index]);
  if (!missing) return;
  const alike = await db.query<{ name: string }>(
    'SELECT DISTINCT name FROM events WHERE workspace_id = $1 AND lower(name) = lower($2) LIMIT 3',
    [workspaceId, missing.name],
  );
  const hint = alike.length
    ? ` Event names are case-sensitive: did you mean ${alike.map((row) => `"${row.name}"`).join(' or ')}?`
    : ' Check the spelling against the names in GET /api/events, e.g. "Product Viewed".';
  throw new AppError(
    'INVALID_INPUT',
    `${missing.field}: no event is named "${missing.name}" in this workspace.${hint}`,
    {
      details: { field: missing.field },
    },
  );
}
