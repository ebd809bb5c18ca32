/** Journeys: paths through touchpoints, the path to purchase, micro-moments and retention cohorts. */
import type { Database } from '../../platform/db/database.ts';
import { createKeptFacts, createKeptReads, readKey } from '../../platform/db/kept-reads.ts';
import { ONE_LANE, type PassLanes } from '../../platform/workers/pass-lanes.ts';
import { refuseUnknownEvents } from '../funnels/index.ts';
import type { CustomerFilter, LifecycleService } from '../lifecycle/index.ts';
import { queryCohortRetention, queryLastMonth } from './cohort-retention.query.ts';
import { computeCohortMatrix } from './compute-cohort-matrix.ts';
import { computeJourneyPaths, countJourneyPaths } from './compute-journey-paths.ts';
import {
  countPathToPurchase,
  PURCHASE_PASS,
  type PurchasePaths,
  toPurchasePaths,
} from './compute-path-to-purchase.ts';
import { COHORTS_PASS, type HeldCohorts, readHeldCohorts } from './held-cohorts.ts';
import { createMomentCounts } from './held-moments.ts';
import { type HeldTouches, holdAnchor, PATHS_PASS, readHeldTouches } from './held-touches.ts';
import { audienceOf, queryJourneyPaths } from './journey-paths.query.ts';
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
import { queryPurchasePaths } from './path-to-purchase.query.ts';

/** Customers' paths to purchase held at most (one per workspace and set of parameters). */
const HELD_PURCHASE_PATHS = 4;
/** Workspaces whose touchpoints are held for journey paths. */
const HELD_TOUCHES = 2;
/** Buyers' active months held at most (one per workspace and measure). */
const HELD_COHORTS = 4;
/** Small facts held: each workspace's last month of orders or of events. */
const HELD_FACTS = 8;

/**
 * `keepReads`: in a server, the moments of all time (held-moments.ts), every touchpoint for journey paths
 * (held-touches.ts), every customer's path to purchase (compute-path-to-purchase.ts) and every buyer's
 * active months (held-cohorts.ts) are held for the next range or audience. `lanes`: where the passes over
 * them run.
 */
export function createJourneyService(deps: {
  db: Database;
  lifecycle: LifecycleService;
  keepReads?: boolean;
  lanes?: PassLanes;
}) {
  const { db, lifecycle } = deps;
  const lanes = deps.lanes ?? ONE_LANE;
  const momentCounts = createMomentCounts(db, lifecycle, deps.keepReads ?? false, lanes);
  const touches = createKeptReads<HeldTouches>(db, HELD_TOUCHES, deps.keepReads ?? false);
  const purchasePaths = createKeptReads<PurchasePaths>(db, HELD_PURCHASE_PATHS, deps.keepReads ?? false);
  const cohorts = createKeptReads<HeldCohorts>(db, HELD_COHORTS, deps.keepReads ?? false);
  const fact = createKeptFacts(db, HELD_FACTS, deps.keepReads ?? false);

  /** Cohorts by first purchase month from every buyer's months held where kept, else read for the query. */
  async function cohortRows(workspaceId: number, query: CohortQuery) {
    if (!cohorts.keeps || query.cohort !== 'firstPurchaseMonth')
      return queryCohortRetention(db, workspaceId, query);
    const { measure } = query;
    const [held, kept] = await Promise.all([
      cohorts.get(readKey({ workspaceId, measure }), () => readHeldCohorts(db, workspaceId, measure)),
      lifecycle.customersKept(workspaceId, audienceOf(query)),
    ]);
    return lanes.run(COHORTS_PASS, held, query, kept);
  }

  return {
    async paths(workspaceId: number, query: PathQuery): Promise<Sankey> {
      // An anchor event no one ever did is a typo; a channel is a label, not checked. An event found stays
      // known until the data changes: one scan of the events fewer for each new filter.
      if (query.by === 'event') {
        const anchor = query.start
          ? { name: query.start, field: 'start' }
          : { name: query.end!, field: 'end' };
        await fact({ workspaceId, knownEvent: anchor.name }, () =>
          refuseUnknownEvents(db, workspaceId, [anchor]),
        );
      }
      await lifecycle.refuseUnknownSavedSegment(workspaceId, query.savedSegment);
      await lifecycle.ensureRefreshed(workspaceId);
      if (!touches.keeps) return computeJourneyPaths(query, await queryJourneyPaths(db, workspaceId, query));
      const [held, members] = await Promise.all([
        touches.get(readKey({ workspaceId }), () => readHeldTouches(db, workspaceId)),
        lifecycle.customersKept(workspaceId, audienceOf(query)),
      ]);
      // Where customers first met the anchor is made here, where it is then held for the next walk.
      holdAnchor(held, query);
      const paths = await lanes.run(PATHS_PASS, held, query, members);
      return computeJourneyPaths(query, countJourneyPaths(paths, query));
    },

    async pathToPurchase(workspaceId: number, query: PathToPurchaseQuery): Promise<PathToPurchase> {
      await lifecycle.refuseUnknownSavedSegment(workspaceId, query.savedSegment);
      await lifecycle.ensureRefreshed(workspaceId);
      const read = async (audience: CustomerFilter | null) =>
        toPurchasePaths(await queryPurchasePaths(db, workspaceId, query, audience));
      if (!purchasePaths.keeps) return countPathToPurchase(await read(query), null);
      const { depth, by, ignore } = query;
      const [paths, members] = await Promise.all([
        purchasePaths.get(readKey({ workspaceId, depth, by, ignore }), () => read(null)),
        lifecycle.customersKept(workspaceId, query),
      ]);
      return lanes.run(PURCHASE_PASS, paths, members);
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
        cohortRows(workspaceId, query),
        fact({ workspaceId, lastMonthOf: query.measure }, () =>
          queryLastMonth(db, workspaceId, query.measure),
        ),
      ]);
      return computeCohortMatrix(query, rows, lastMonth);
    },
  };
}

export type JourneyService = ReturnType<typeof createJourneyService>;

/** Keys in order with their numbers as numbers ("9" before "10"); one collator, not one per comparison. */
const NUMERIC = new Intl.Collator('en', { numeric: true });

function shapeMicroMoments(rows: MomentRow[]): MicroMomentReport {
  const byIntent = rows.filter((row) => row.stage === null && row.channel === null && row.hour === null);
  const moments = byIntent.reduce((sum, row) => sum + row.moments, 0);
  const onMobile = byIntent.reduce((sum, row) => sum + row.on_mobile, 0);
  const intentOrder = (row: { intent: string }) => INTENTS.indexOf(row.intent as (typeof INTENTS)[number]);
  const countBy = (pick: (row: MomentRow) => string | number | null) =>
    rows
      .filter((row) => pick(row) !== null)
      .map((row) => ({ key: String(pick(row)), intent: row.intent, moments: row.moments }))
      .sort((a, b) => NUMERIC.compare(a.key, b.key) || a.intent.localeCompare(b.intent));
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
