/** Journeys: paths through touchpoints, the path to purchase, micro-moments and retention cohorts. */
import type { Database } from '../../platform/db/database.ts';
import { refuseUnknownEvents } from '../funnels/index.ts';
import type { LifecycleService } from '../lifecycle/index.ts';
import { queryCohortRetention, queryLastMonth } from './cohort-retention.query.ts';
import { computeCohortMatrix } from './compute-cohort-matrix.ts';
import { computeJourneyPaths } from './compute-journey-paths.ts';
import { createMomentCounts } from './held-moments.ts';
import { PATH_SEPARATOR, queryJourneyPaths } from './journey-paths.query.ts';
import type {
  CohortMatrix,
  CohortQuery,
  MicroMomentQuery,
  MicroMomentReport,
  PathQuery,
  PathToPurchase,
  PathToPurchaseQuery,
  Sankey,
} from './journeys.schema.ts';
import { INTENTS, type MomentRow } from './micro-moments.query.ts';
import {
  DAY_BUCKETS,
  type DistributionRow,
  queryPurchaseDistributions,
  queryPurchaseSequences,
  queryTouchpointReach,
  TOUCHPOINT_BUCKETS,
} from './path-to-purchase.query.ts';

/** `keepReads`: in a server, the moments of all time are held for the next range or audience (held-moments.ts). */
export function createJourneyService(deps: {
  db: Database;
  lifecycle: LifecycleService;
  keepReads?: boolean;
}) {
  const { db, lifecycle } = deps;
  const momentCounts = createMomentCounts(db, deps.keepReads ?? false);
  return {
    async paths(workspaceId: number, query: PathQuery): Promise<Sankey> {
      // An anchor event no one ever did is a typo; a channel is a label, not checked.
      if (query.by === 'event')
        await refuseUnknownEvents(db, workspaceId, [
          query.start ? { name: query.start, field: 'start' } : { name: query.end!, field: 'end' },
        ]);
      await lifecycle.refuseUnknownSavedSegment(workspaceId, query.savedSegment);
      await lifecycle.ensureRefreshed(workspaceId);
      return computeJourneyPaths(query, await queryJourneyPaths(db, workspaceId, query));
    },

    async pathToPurchase(workspaceId: number, query: PathToPurchaseQuery): Promise<PathToPurchase> {
      await lifecycle.refuseUnknownSavedSegment(workspaceId, query.savedSegment);
      await lifecycle.ensureRefreshed(workspaceId);
      const [distributions, sequences, reach] = await Promise.all([
        queryPurchaseDistributions(db, workspaceId, query),
        queryPurchaseSequences(db, workspaceId, query),
        queryTouchpointReach(db, workspaceId, query),
      ]);
      const touchpoints = distributions.find((row) => row.measure === 'touchpoints')!;
      const days = distributions.find((row) => row.measure === 'days')!;
      const { buyers, non_buyers: nonBuyers } = touchpoints;
      return {
        buyers,
        nonBuyers,
        touchpointsToPurchase: distribution(touchpoints, bucketLabels(TOUCHPOINT_BUCKETS, true)),
        daysToPurchase: distribution(days, bucketLabels(DAY_BUCKETS, false)),
        sequences: sequences.map((row) => ({
          path: row.path.split(PATH_SEPARATOR),
          customers: row.customers,
        })),
        touchpoints: reach
          .map((row) => {
            const convertingShare = buyers ? row.converting / buyers : 0;
            const nonConvertingShare = nonBuyers ? row.non_converting / nonBuyers : 0;
            return {
              name: row.label,
              convertingShare,
              nonConvertingShare,
              ratio: nonConvertingShare ? convertingShare / nonConvertingShare : null,
            };
          })
          .sort((a, b) => b.convertingShare - a.convertingShare || a.name.localeCompare(b.name)),
      };
    },

    async microMoments(workspaceId: number, query: MicroMomentQuery): Promise<MicroMomentReport> {
      await lifecycle.refuseUnknownSavedSegment(workspaceId, query.savedSegment);
      await lifecycle.ensureRefreshed(workspaceId);
      return shapeMicroMoments(await momentCounts(workspaceId, query));
    },

    async cohorts(workspaceId: number, query: CohortQuery): Promise<CohortMatrix> {
      await lifecycle.refuseUnknownSavedSegment(workspaceId, query.savedSegment);
      await lifecycle.ensureRefreshed(workspaceId);
      const [rows, lastMonth] = await Promise.all([
        queryCohortRetention(db, workspaceId, query),
        queryLastMonth(db, workspaceId, query.measure),
      ]);
      return computeCohortMatrix(query, rows, lastMonth);
    },
  };
}

export type JourneyService = ReturnType<typeof createJourneyService>;

/** "0", "1", … "6–10", "51+" for counts; "under 1", "1–7", … "180+" for days. */
function bucketLabels(lowers: number[], counts: boolean): string[] {
  return lowers.map((lower, index) => {
    const next = lowers[index + 1];
    if (next === undefined) return `${lower}+`;
    if (!counts) return lower === 0 ? `under ${next}` : `${lower}–${next}`;
    return next === lower + 1 ? String(lower) : `${lower}–${next - 1}`;
  });
}

function distribution(row: DistributionRow, labels: string[]): PathToPurchase['daysToPurchase'] {
  return {
    mean: row.mean,
    median: row.median,
    p90: row.p90,
    buckets: labels.map((label, index) => ({ label, customers: Number(row[`bucket_${index}`]) })),
  };
}

function shapeMicroMoments(rows: MomentRow[]): MicroMomentReport {
  const byIntent = rows.filter((row) => row.stage === null && row.channel === null && row.hour === null);
  const moments = byIntent.reduce((sum, row) => sum + row.moments, 0);
  const onMobile = byIntent.reduce((sum, row) => sum + row.on_mobile, 0);
  const intentOrder = (row: { intent: string }) => INTENTS.indexOf(row.intent as (typeof INTENTS)[number]);
  const countBy = (pick: (row: MomentRow) => string | number | null) =>
    rows
      .filter((row) => pick(row) !== null)
      .map((row) => ({ key: String(pick(row)), intent: row.intent, moments: row.moments }))
      .sort(
        (a, b) => a.key.localeCompare(b.key, 'en', { numeric: true }) || a.intent.localeCompare(b.intent),
      );
  return {
    moments,
    mobileShare: moments ? onMobile / moments : null,
    byIntent: byIntent
      .map((row) => ({ intent: row.intent, moments: row.moments, customers: row.customers }))
      .sort((a, b) => intentOrder(a) - intentOrder(b)),
    byStage: countBy((row) => row.stage),
    byChannel: countBy((row) => row.channel),
    byHour: countBy((row) => row.hour),
    beforeConversion: byIntent
      .map((row) => ({
        intent: row.intent,
        moments: row.moments,
        converted: row.converted,
        share: row.moments ? row.converted / row.moments : 0,
      }))
      .sort((a, b) => intentOrder(a) - intentOrder(b)),
  };
}
