/**
 * The lifecycle engine: keeps each customer's stage entries up to date with the event stream (a refresh
 * reads the events of the customers whose events arrived since the last one), and answers the reports.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Queryable } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import type { Logger } from '../../platform/log.ts';
import {
  countAccounts,
  queryAccountMembers,
  queryPathToPurchaseBySegment,
} from './buying-committee.query.ts';
import { computeBuyingCommittees } from './compute-buying-committee.ts';
import { computeLifecycleFunnel } from './compute-lifecycle-funnel.ts';
import type {
  AccountLifecycle,
  AccountPage,
  CustomerLifecycle,
  LifecycleQuery,
  LifecycleReport,
  LifecycleRules,
  LifecycleTrend,
  RefreshResult,
  SegmentComparison,
  Stage,
  TrendQuery,
} from './lifecycle.schema.ts';
import { STAGES } from './lifecycle.schema.ts';
import { queryLifecycleReport, queryLifecycleTrend } from './lifecycle-report.query.ts';
import { refreshLifecycleRows } from './refresh-lifecycle.query.ts';

export interface LifecycleDeps {
  db: Database;
  clock: Clock;
  log: Logger;
}

export const DEFAULT_RULES: LifecycleRules = { lapsedAfterDays: 90 };

/**
 * Events are found by when they arrived; one that arrived just before a refresh may commit just after it,
 * so each refresh looks this far behind the last one's start (re-reading a customer is harmless). A write
 * waits seconds at most: the tracking API answers 429 rather than queue for longer.
 */
const ARRIVAL_OVERLAP_MS = 2 * 60_000;
const DAY_MS = 86_400_000;

/**
 * One refresh at a time per workspace and database, whichever service asks (the server's timer, a request,
 * a demo being loaded into the server): two would delete and insert the same rows at once.
 */
const refreshes = new WeakMap<Database, Map<number, Promise<RefreshResult>>>();

function refreshesOf(db: Database): Map<number, Promise<RefreshResult>> {
  let running = refreshes.get(db);
  if (!running) {
    running = new Map();
    refreshes.set(db, running);
  }
  return running;
}

interface StateRow {
  lapsed_after_days: number;
  refreshed_through: Date | null;
  taxonomy_signature: string | null;
}

export function createLifecycleService(deps: LifecycleDeps) {
  const { db, clock } = deps;
  const running = refreshesOf(db);

  async function readState(workspaceId: number): Promise<StateRow | null> {
    const [row] = await db.query<StateRow>(
      'SELECT lapsed_after_days, refreshed_through, taxonomy_signature FROM lifecycle_state WHERE workspace_id = $1',
      [workspaceId],
    );
    return row ?? null;
  }

  async function writeState(
    tx: Queryable,
    workspaceId: number,
    state: { lapsedAfterDays: number; refreshedThrough: Date | null; taxonomySignature: string | null },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO lifecycle_state (workspace_id, lapsed_after_days, refreshed_through, taxonomy_signature, updated_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (workspace_id) DO UPDATE SET lapsed_after_days = excluded.lapsed_after_days,
         refreshed_through = excluded.refreshed_through, taxonomy_signature = excluded.taxonomy_signature,
         updated_at = excluded.updated_at`,
      [workspaceId, state.lapsedAfterDays, state.refreshedThrough, state.taxonomySignature, clock.now()],
    );
  }

  /** Changes whenever the rules the refresh reads change: stages must then be rebuilt whole. */
  async function taxonomySignature(workspaceId: number): Promise<string> {
    const rules = await db.query(
      `SELECT event_name, occurrence, funnel_signal, behavior FROM event_taxonomy
       WHERE workspace_id = $1 ORDER BY event_name, occurrence`,
      [workspaceId],
    );
    return createHash('sha256').update(JSON.stringify(rules)).digest('hex');
  }

  async function changedCustomers(workspaceId: number, since: Date): Promise<number[]> {
    const rows = await db.query<{ customer_id: number }>(
      'SELECT DISTINCT customer_id FROM events WHERE workspace_id = $1 AND received_at >= $2',
      [workspaceId, since],
    );
    return rows.map((row) => row.customer_id);
  }

  async function runRefresh(workspaceId: number, full: boolean): Promise<RefreshResult> {
    const started = performance.now();
    const refreshedThrough = clock.now();
    const [state, signature] = await Promise.all([readState(workspaceId), taxonomySignature(workspaceId)]);
    const whole =
      full || !state?.refreshed_through || state.taxonomy_signature !== signature ? ('all' as const) : null;
    const customers =
      whole ??
      (await changedCustomers(
        workspaceId,
        new Date(state!.refreshed_through!.getTime() - ARRIVAL_OVERLAP_MS),
      ));
    const refreshed = await db.transaction(async (tx) => {
      if (db.engine === 'postgres' && !(await holdRefreshLock(tx, workspaceId))) return false;
      if (customers === 'all' || customers.length > 0)
        await refreshLifecycleRows(tx, workspaceId, customers, refreshedThrough);
      await forgetMergedCustomers(tx, workspaceId);
      await writeState(tx, workspaceId, {
        lapsedAfterDays: state?.lapsed_after_days ?? DEFAULT_RULES.lapsedAfterDays,
        refreshedThrough,
        taxonomySignature: signature,
      });
      return true;
    });
    if (!refreshed)
      return {
        mode: 'skipped',
        customers: 0,
        refreshedThrough,
        seconds: (performance.now() - started) / 1000,
      };
    const count = customers === 'all' ? await countLifecycleRows(workspaceId) : customers.length;
    return {
      mode: customers === 'all' ? 'full' : 'incremental',
      customers: count,
      refreshedThrough,
      seconds: (performance.now() - started) / 1000,
    };
  }

  async function countLifecycleRows(workspaceId: number): Promise<number> {
    const [row] = await db.query<{ n: number }>(
      'SELECT count(*) AS n FROM customer_lifecycle WHERE workspace_id = $1',
      [workspaceId],
    );
    return row?.n ?? 0;
  }

  function refresh(workspaceId: number, options: { full?: boolean } = {}): Promise<RefreshResult> {
    const previous = running.get(workspaceId) ?? Promise.resolve(null);
    const next = previous
      .catch(() => null)
      .then(() => runRefresh(workspaceId, options.full ?? false))
      .finally(() => {
        if (running.get(workspaceId) === next) running.delete(workspaceId);
      });
    running.set(workspaceId, next);
    return next;
  }

  /** Reports read stored stages; a workspace never refreshed is refreshed first, so it never looks empty. */
  async function ensureRefreshed(workspaceId: number): Promise<StateRow> {
    const state = await readState(workspaceId);
    if (state?.refreshed_through) return state;
    await refresh(workspaceId);
    return (await readState(workspaceId))!;
  }

  async function defaultAsOf(workspaceId: number): Promise<Date | null> {
    const [row] = await db.query<{ latest: Date | null }>(
      'SELECT max(last_seen_at) AS latest FROM customer_lifecycle WHERE workspace_id = $1',
      [workspaceId],
    );
    const latest = row?.latest ?? null;
    const now = clock.now();
    return latest && latest < now ? latest : latest ? now : null;
  }

  return {
    refresh,
    ensureRefreshed,

    async report(workspaceId: number, query: LifecycleQuery): Promise<LifecycleReport> {
      const state = await ensureRefreshed(workspaceId);
      const asOf = query.asOf ?? (await defaultAsOf(workspaceId));
      const lapsedBefore = new Date((asOf ?? clock.now()).getTime() - state.lapsed_after_days * DAY_MS);
      const rows = await queryLifecycleReport(db, workspaceId, query, lapsedBefore);
      return {
        breakdown: query.breakdown,
        asOf,
        lapsedAfterDays: state.lapsed_after_days,
        refreshedThrough: state.refreshed_through,
        groups: computeLifecycleFunnel(rows),
      };
    },

    async trend(workspaceId: number, query: TrendQuery): Promise<LifecycleTrend> {
      await ensureRefreshed(workspaceId);
      const periods = new Map<number, Partial<Record<Stage, number>>>();
      for (const row of await queryLifecycleTrend(db, workspaceId, query)) {
        const entered = periods.get(row.period_start.getTime()) ?? {};
        entered[row.stage] = row.entered;
        periods.set(row.period_start.getTime(), entered);
      }
      return {
        interval: query.interval,
        periods: [...periods].map(([start, entered]) => ({
          start: new Date(start),
          entered: entered as Record<Stage, number>,
        })),
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

    async account(workspaceId: number, accountId: number): Promise<AccountLifecycle> {
      await ensureRefreshed(workspaceId);
      const [account] = computeBuyingCommittees(
        await queryAccountMembers(db, workspaceId, { ids: [accountId] }),
      );
      if (!account)
        throw new AppError('NOT_FOUND', `No account ${accountId} with members in this workspace.`);
      return account;
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

    async updateRules(workspaceId: number, rules: LifecycleRules): Promise<LifecycleRules> {
      const state = await readState(workspaceId);
      await writeState(db, workspaceId, {
        lapsedAfterDays: rules.lapsedAfterDays,
        refreshedThrough: state?.refreshed_through ?? null,
        taxonomySignature: state?.taxonomy_signature ?? null,
      });
      return rules;
    },

    /** Refreshes every workspace now and then, each run after the last one ended; returns the stopper. */
    startRefreshing(everyMs: number): () => Promise<void> {
      let timer: NodeJS.Timeout | undefined;
      let current: Promise<void> = Promise.resolve();
      let stopped = false;
      const tick = () => {
        current = refreshAll()
          .catch((error: unknown) => deps.log.error({ err: error }, 'lifecycle refresh failed'))
          .finally(() => {
            if (!stopped) timer = setTimeout(tick, everyMs);
          });
      };
      timer = setTimeout(tick, everyMs);
      return async () => {
        stopped = true;
        clearTimeout(timer);
        await current;
      };
    },
  };

  async function refreshAll(): Promise<void> {
    const workspaces = await db.query<{ workspace_id: number }>('SELECT workspace_id FROM workspaces');
    for (const { workspace_id } of workspaces) await refresh(workspace_id);
  }
}

export type LifecycleService = ReturnType<typeof createLifecycleService>;

/**
 * Several Agora instances on one PostgreSQL database each refresh now and then: one at a time per workspace,
 * the others skip (their turn comes). A DuckDB file has one process, which refreshes one at a time already.
 * The first key is Agora's (migrations hold 727274001), the second the workspace.
 */
async function holdRefreshLock(tx: Queryable, workspaceId: number): Promise<boolean> {
  const [row] = await tx.query<{ locked: boolean }>(
    'SELECT pg_try_advisory_xact_lock(727274002, CAST($1 AS INTEGER)) AS locked',
    [workspaceId],
  );
  return row?.locked ?? false;
}

/** A merged customer's events now belong to the survivor, who is refreshed with them; the merged one goes. */
async function forgetMergedCustomers(tx: Queryable, workspaceId: number): Promise<void> {
  for (const table of ['stage_entries', 'customer_lifecycle']) {
    await tx.query(
      `DELETE FROM ${table} WHERE workspace_id = $1 AND customer_id IN (
         SELECT customer_id FROM customers WHERE workspace_id = $1 AND merged_into IS NOT NULL)`,
      [workspaceId],
    );
  }
}

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

async function engagedMembersPerBuyingAccount(db: Queryable, workspaceId: number): Promise<number | null> {
  const [row] = await db.query<{ people: number | null }>(
    `SELECT CAST(avg(engaged) AS DOUBLE PRECISION) AS people FROM (
       SELECT m.account_id, count(l.customer_id) AS engaged
       FROM account_memberships m
       JOIN customer_lifecycle l ON l.workspace_id = m.workspace_id AND l.customer_id = m.customer_id
       WHERE m.workspace_id = $1
       GROUP BY m.account_id
       HAVING count(l.action_at) > 0
     ) AS buying_accounts`,
    [workspaceId],
  );
  return row?.people ?? null;
}
