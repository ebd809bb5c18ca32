/**
 * The lifecycle engine: stage entries kept up to date with the event stream (lifecycle-refresh.ts), and
 * the reports that read them.
 */
import type { Queryable } from '../../platform/db/database.ts';
import { createKeptFacts, createKeptReads, readKey } from '../../platform/db/kept-reads.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { ONE_LANE, type PassLanes } from '../../platform/workers/pass-lanes.ts';
import {
  countAccounts,
  engagedMembersPerBuyingAccount,
  queryAccountMembers,
  queryCommitteeMembers,
  queryPathToPurchaseBySegment,
} from './buying-committee.query.ts';
import { computeBuyingCommittees } from './compute-buying-committee.ts';
import { computeLifecycleFunnel } from './compute-lifecycle-funnel.ts';
import {
  type Audience,
  FUNNEL_PASS,
  groupsOf,
  type HeldCustomers,
  keepCustomers,
  readHeldCustomers,
  readSegmentMembers,
} from './held-customers.ts';
import { type HeldEntries, readHeldEntries, TREND_PASS } from './held-trend.ts';
import type {
  AccountCommittee,
  AccountPage,
  CustomerLifecycle,
  LifecycleQuery,
  LifecycleReport,
  LifecycleRules,
  LifecycleTrend,
  SegmentComparison,
  Stage,
  TrendQuery,
} from './lifecycle.schema.ts';
import { STAGES } from './lifecycle.schema.ts';
import { createLifecycleRefresher, DEFAULT_RULES, type LifecycleDeps } from './lifecycle-refresh.ts';
import {
  type CustomerFilter,
  queryCustomersKept,
  queryLifecycleReport,
  queryLifecycleTrend,
} from './lifecycle-report.query.ts';

const DAY_MS = 86_400_000;

/** Workspaces whose stage entries, and whose customers, are held. */
const HELD_WORKSPACES = 4;
/** Saved segments whose members are held for filters. */
const HELD_SEGMENTS = 16;
/** Filters whose customers are held: a page asks for several answers under the same filter at once. */
const HELD_AUDIENCES = 8;
/** Small facts held (a workspace's refresh state and latest time seen, saved segments found). */
const HELD_FACTS = 64;

/**
 * `keepReads`: in a server, every stage entry is held for the next trend (held-trend.ts), and every
 * customer's stages and what they are filtered by for the next funnel and filter (held-customers.ts).
 * `lanes`: where the passes over them run.
 */
export function createLifecycleService(deps: LifecycleDeps & { keepReads?: boolean; lanes?: PassLanes }) {
  const { db, clock } = deps;
  const lanes = deps.lanes ?? ONE_LANE;
  const refresher = createLifecycleRefresher(deps);
  const entries = createKeptReads<HeldEntries>(db, HELD_WORKSPACES, deps.keepReads ?? false);
  const customers = createKeptReads<HeldCustomers>(db, HELD_WORKSPACES, deps.keepReads ?? false);
  const segmentMembers = createKeptReads<Int32Array>(db, HELD_SEGMENTS, deps.keepReads ?? false);
  const audiences = createKeptReads<Audience | null>(db, HELD_AUDIENCES, deps.keepReads ?? false);
  const fact = createKeptFacts(db, HELD_FACTS, deps.keepReads ?? false);
  const heldCustomers = (workspaceId: number) =>
    customers.get(readKey({ workspaceId }), () => readHeldCustomers(db, workspaceId));

  /** The customers a filter keeps (null: everyone), from every customer's facts held where kept. */
  async function customersKept(workspaceId: number, filter: CustomerFilter): Promise<Audience | null> {
    if (!customers.keeps) return queryCustomersKept(db, workspaceId, filter);
    const { from, to, segment, channel, device, persona, savedSegment } = filter;
    const key = readKey({ workspaceId, from, to, segment, channel, device, persona, savedSegment });
    return audiences.get(key, async () => {
      const [held, members] = await Promise.all([
        heldCustomers(workspaceId),
        savedSegment
          ? segmentMembers.get(readKey({ workspaceId, savedSegment }), () =>
              readSegmentMembers(db, workspaceId, savedSegment),
            )
          : null,
      ]);
      return keepCustomers(held, filter, members);
    });
  }

  /** The funnel's rows: counted from every customer held where kept, else read for this filter alone. */
  async function reportRows(workspaceId: number, query: LifecycleQuery, lapsedBefore: Date) {
    if (!customers.keeps) return queryLifecycleReport(db, workspaceId, query, lapsedBefore);
    const [held, kept] = await Promise.all([heldCustomers(workspaceId), customersKept(workspaceId, query)]);
    // The breakdown's groups are made here, where they are then held with the customers for the next pass.
    groupsOf(held, query.breakdown);
    return lanes.run(FUNNEL_PASS, held, query.breakdown, kept, lapsedBefore);
  }

  /** The trend's rows: counted from every stage entry held where kept, else read for this filter alone. */
  async function trendRows(workspaceId: number, query: TrendQuery) {
    if (!entries.keeps) return queryLifecycleTrend(db, workspaceId, query);
    const { interval, asOf, ...audience } = query;
    const [held, kept] = await Promise.all([
      entries.get(readKey({ workspaceId }), () => readHeldEntries(db, workspaceId)),
      customersKept(workspaceId, audience),
    ]);
    return lanes.run(TREND_PASS, held, interval, kept);
  }
  const { refresh, readState, writeState } = refresher;
  /** The refresh state, refreshing first if the stages were never refreshed. */
  const ensureRefreshed = (workspaceId: number) =>
    fact({ workspaceId, fact: 'state' }, () => refresher.ensureRefreshed(workspaceId));

  async function updateRules(workspaceId: number, rules: LifecycleRules): Promise<LifecycleRules> {
    const state = await readState(workspaceId);
    await writeState(db, workspaceId, {
      lapsedAfterDays: rules.lapsedAfterDays,
      refreshedThrough: state?.refreshed_through ?? null,
      taxonomySignature: state?.taxonomy_signature ?? null,
      arrivalsSince: state?.arrivals_since ?? null,
      arrivalsCounted: state?.arrivals_counted ?? null,
    });
    return { lapsedAfterDays: rules.lapsedAfterDays };
  }

  async function defaultAsOf(workspaceId: number): Promise<Date | null> {
    const [row] = await fact({ workspaceId, fact: 'last seen' }, () =>
      db.query<{ latest: Date | null }>(
        'SELECT max(last_seen_at) AS latest FROM customer_lifecycle WHERE workspace_id = $1',
        [workspaceId],
      ),
    );
    const latest = row?.latest ?? null;
    const now = clock.now();
    return latest && latest < now ? latest : latest ? now : null;
  }

  /** A filter by a saved segment that does not exist is a typo, not a question whose answer is empty. */
  async function refuseUnknownSavedSegment(workspaceId: number, slug: string | undefined): Promise<void> {
    if (!slug) return;
    const found = await fact({ workspaceId, savedSegment: slug }, () =>
      db.query('SELECT 1 AS found FROM segments WHERE workspace_id = $1 AND slug = $2', [workspaceId, slug]),
    );
    if (found.length === 0)
      throw new AppError(
        'INVALID_INPUT',
        `savedSegment: no saved segment is named "${slug}"; GET /api/segments lists them.`,
      );
  }

  return {
    refresh,
    ensureRefreshed,
    refuseUnknownSavedSegment,
    customersKept,

    async report(workspaceId: number, query: LifecycleQuery): Promise<LifecycleReport> {
      await refuseUnknownSavedSegment(workspaceId, query.savedSegment);
      const state = await ensureRefreshed(workspaceId);
      const asOf = query.asOf ?? (await defaultAsOf(workspaceId));
      const lapsedBefore = new Date((asOf ?? clock.now()).getTime() - state.lapsed_after_days * DAY_MS);
      const rows = await reportRows(workspaceId, query, lapsedBefore);
      return {
        breakdown: query.breakdown,
        asOf,
        lapsedAfterDays: state.lapsed_after_days,
        refreshedThrough: state.refreshed_through,
        groups: computeLifecycleFunnel(rows),
      };
    },

    async trend(workspaceId: number, query: TrendQuery): Promise<LifecycleTrend> {
      await refuseUnknownSavedSegment(workspaceId, query.savedSegment);
      await ensureRefreshed(workspaceId);
      // Every stage in every period, 0 where no one entered it, so that a chart's lines do not break.
      const periods = new Map<number, Record<Stage, number>>();
      for (const row of await trendRows(workspaceId, query)) {
        const start = row.period_start.getTime();
        const entered = periods.get(start) ?? Object.fromEntries(STAGES.map((stage) => [stage, 0]));
        entered[row.stage] = row.entered;
        periods.set(start, entered as Record<Stage, number>);
      }
      return {
        interval: query.interval,
        periods: [...periods].map(([start, entered]) => ({ start: new Date(start), entered })),
      };
    },

    async customer(workspaceId: number, customerId: number): Promise<CustomerLifecycle> {
      const state = await ensureRefreshed(workspaceId);
      const live = await liveCustomerId(db, workspaceId, customerId);
      const [row] = await db.query<{ stage: Stage; last_seen_at: Date }>(
        'SELECT stage, last_seen_at FROM customer_lifecycle WHERE workspace_id = $1 AND customer_id = $2',
        [workspaceId, live],
      );
      const history = await db.query<{
        stage: Stage;
        entered_at: Date;
        event_name: string;
        channel: string | null;
        device: string | null;
        message_id: string | null;
      }>(
        `SELECT stage, entered_at, event_name, channel, device, message_id FROM stage_entries
         WHERE workspace_id = $1 AND customer_id = $2`,
        [workspaceId, live],
      );
      const asOf = (await defaultAsOf(workspaceId)) ?? clock.now();
      const quietFor = row ? asOf.getTime() - row.last_seen_at.getTime() : 0;
      return {
        customerId: live,
        stage: row?.stage ?? null,
        lapsed:
          !!row &&
          (row.stage === 'action' || row.stage === 'loyalty') &&
          quietFor > state.lapsed_after_days * DAY_MS,
        lastSeenAt: row?.last_seen_at ?? null,
        history: history.sort(inStageOrder).map((entry) => ({
          stage: entry.stage,
          enteredAt: entry.entered_at,
          eventName: entry.event_name,
          channel: entry.channel,
          device: entry.device,
          messageId: entry.message_id,
        })),
      };
    },

    async accounts(workspaceId: number, page: { limit: number; offset: number }): Promise<AccountPage> {
      await ensureRefreshed(workspaceId);
      const [total, members] = await Promise.all([
        countAccounts(db, workspaceId),
        queryAccountMembers(db, workspaceId, page),
      ]);
      return { total, accounts: computeBuyingCommittees(members) };
    },

    async account(workspaceId: number, accountId: number): Promise<AccountCommittee> {
      await ensureRefreshed(workspaceId);
      const members = await queryCommitteeMembers(db, workspaceId, accountId);
      const [account] = computeBuyingCommittees(members);
      if (!account)
        throw new AppError('NOT_FOUND', `No account ${accountId} with members in this workspace.`);
      return {
        ...account,
        committee: members.map((member) => ({
          customerId: member.customer_id,
          buyingRole: member.buying_role,
          title: member.title,
          email: member.email,
          stage: member.stage,
          lastSeenAt: member.last_seen_at,
        })),
      };
    },

    async compareSegments(workspaceId: number): Promise<SegmentComparison> {
      await ensureRefreshed(workspaceId);
      const rows = await queryPathToPurchaseBySegment(db, workspaceId);
      const committee = await engagedMembersPerBuyingAccount(db, workspaceId);
      return {
        segments: rows.map((row) => ({
          segment: row.segment,
          buyers: row.buyers,
          meanDaysToPurchase: row.mean_days,
          medianDaysToPurchase: row.median_days,
          p90DaysToPurchase: row.p90_days,
          meanTouchesToPurchase: row.mean_touches,
          medianTouchesToPurchase: row.median_touches,
          informationSeekingShare: row.touches ? (row.info_touches ?? 0) / row.touches : null,
          peoplePerPurchase: row.segment === 'b2c' ? 1 : committee,
        })),
      };
    },

    async rules(workspaceId: number): Promise<LifecycleRules> {
      const state = await readState(workspaceId);
      return { lapsedAfterDays: state?.lapsed_after_days ?? DEFAULT_RULES.lapsedAfterDays };
    },

    updateRules,

    /** Agora's own lifecycle rules again. */
    resetRules: (workspaceId: number) => updateRules(workspaceId, DEFAULT_RULES),

    startRefreshing: refresher.startRefreshing,
  };
}

export type LifecycleService = ReturnType<typeof createLifecycleService>;

const inStageOrder = (a: { stage: Stage }, b: { stage: Stage }) =>
  STAGES.indexOf(a.stage) - STAGES.indexOf(b.stage);

/** The customer a merged one became; the id itself otherwise. */
async function liveCustomerId(db: Queryable, workspaceId: number, customerId: number): Promise<number> {
  const [row] = await db.query<{ customer_id: number; merged_into: number | null }>(
    'SELECT customer_id, merged_into FROM customers WHERE workspace_id = $1 AND customer_id = $2',
    [workspaceId, customerId],
  );
  if (!row) throw new AppError('NOT_FOUND', `No customer ${customerId} in this workspace.`);
  return row.merged_into ?? row.customer_id;
}
