/** Custom funnels: any ordered event steps, checked against the workspace's events, then counted. */
import type { Database } from '../../platform/db/database.ts';
import { computeFunnelConversion } from './compute-funnel-conversion.ts';
import type { FunnelQuery, FunnelResult } from './funnel.schema.ts';
import { queryFunnelSteps } from './funnel-steps.query.ts';
import { refuseUnknownEvents } from './known-events.query.ts';

export function createFunnelService(deps: { db: Database }) {
  return {
    async run(workspaceId: number, query: FunnelQuery): Promise<FunnelResult> {
      await refuseUnknownEvents(deps.db, workspaceId, [
        ...query.steps.map((name, index) => ({ name, field: `steps[${index}]` })),
        ...query.exclude.map((exclusion, index) => ({
          name: exclusion.event,
          field: `exclude[${index}].event`,
        })),
      ]);
      return computeFunnelConversion(query, await queryFunnelSteps(deps.db, workspaceId, query));
    },
  };
}

export type FunnelService = ReturnType<typeof createFunnelService>;
