/**
 * Keeping stage entries up to date: a refresh rebuilds the customers whose events arrived since the last
 * one (all of them the first time, or after a taxonomy edit), one at a time per workspace.
 */

import { createHash } from 'node:crypto';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Queryable } from '../../platform/db/database.ts';
import type { Logger } from '../../platform/log.ts';
import { repeatEvery } from '../../platform/workers/repeat-every.ts';
import type { LifecycleRules, RefreshResult } from './lifecycle.schema.ts';
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

export interface StateRow {
  lapsed_after_days: number;
  refreshed_through: Date | null;
  taxonomy_signature: string | null;
  arrivals_since: Date | null;
  arrivals_counted: number | null;
}

export interface State {
  lapsedAfterDays: number;
  refreshedThrough: Date | null;
  taxonomySignature: string | null;
  /** The events received since `arrivalsSince` when the last refresh read them; null before any. */
  arrivalsSince: Date | null;
  arrivalsCounted: number | null;
}

export function createLifecycleRefresher(deps: LifecycleDeps) {
  const { db, clock } = deps;
  const running = refreshesOf(db);

  async function readState(workspaceId: number, from: Queryable = db): Promise<StateRow | null> {
    const [row] = await from.query<StateRow>(
      `SELECT lapsed_after_days, refreshed_through, taxonomy_signature, arrivals_since, arrivals_counted
       FROM lifecycle_state WHERE workspace_id = $1`,
      [workspaceId],
    );
    return row ?? null;
  }

  async function writeState(tx: Queryable, workspaceId: number, state: State): Promise<void> {
    await tx.query(
      `INSERT INTO lifecycle_state (workspace_id, lapsed_after_days, refreshed_through, taxonomy_signature,
         arrivals_since, arrivals_counted, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (workspace_id) DO UPDATE SET lapsed_after_days = excluded.lapsed_after_days,
         refreshed_through = excluded.refreshed_through, taxonomy_signature = excluded.taxonomy_signature,
         arrivals_since = excluded.arrivals_since, arrivals_counted = excluded.arrivals_counted,
         updated_at = excluded.updated_at`,
      [
        workspaceId,
        state.lapsedAfterDays,
        state.refreshedThrough,
        state.taxonomySignature,
        state.arrivalsSince,
        state.arrivalsCounted,
        clock.now(),
      ],
    );
  }

  async function countArrivals(tx: Queryable, workspaceId: number, since: Date): Promise<number> {
    const [row] = await tx.query<{ n: number | bigint }>(
      'SELECT count(*) AS n FROM events WHERE workspace_id = $1 AND received_at >= $2',
      [workspaceId, since],
    );
    return Number(row?.n ?? 0);
  }

  /** Changes whenever the rules the refresh reads change: stages must then be rebuilt whole. */
  async function taxonomySignature(tx: Queryable, workspaceId: number): Promise<string> {
    const rules = await tx.query(
      `SELECT event_name, occurrence, funnel_signal, behavior FROM event_taxonomy
       WHERE workspace_id = $1 ORDER BY event_name, occurrence`,
      [workspaceId],
    );
    return createHash('sha256').update(JSON.stringify(rules)).digest('hex');
  }

  async function changedCustomers(tx: Queryable, workspaceId: number, since: Date): Promise<number[]> {
    const rows = await tx.query<{ customer_id: number }>(
      'SELECT DISTINCT customer_id FROM events WHERE workspace_id = $1 AND received_at >= $2',
      [workspaceId, since],
    );
    return rows.map((row) => row.customer_id);
  }

  /**
   * Nothing to refresh: the rules are those of the last refresh and the events it saw arrive are all there
   * are. Read outside the transaction, which writes: a refresh with nothing to do changes nothing, so the
   * answers the API keeps until the data changes (platform/http/answer-cache.ts) stay kept between the
   * timer's turns — also in the two minutes after the last event, which each refresh looks back over.
   */
  async function upToDate(workspaceId: number): Promise<boolean> {
    const state = await readState(workspaceId);
    if (
      !state?.refreshed_through ||
      !state.arrivals_since ||
      state.taxonomy_signature !== (await taxonomySignature(db, workspaceId))
    )
      return false;
    return (await countArrivals(db, workspaceId, state.arrivals_since)) === Number(state.arrivals_counted);
  }

  async function runRefresh(workspaceId: number, full: boolean, wait: boolean): Promise<RefreshResult> {
    const started = performance.now();
    const refreshedThrough = clock.now();
    if (!full && (await upToDate(workspaceId)))
      return {
        mode: 'incremental',
        customers: 0,
        refreshedThrough,
        seconds: (performance.now() - started) / 1000,
      };
    const customers = await db.transaction(async (tx) => {
      if (db.engine === 'postgres' && !(await holdRefreshLock(tx, workspaceId, wait))) return null;
      // Read under the lock: what another instance refreshed meanwhile is not done again.
      const state = await readState(workspaceId, tx);
      // Counted before the customers are read: an event committed in between is refreshed and counted next
      // time (one refresh more), never the other way round (one missed).
      const arrivalsSince = new Date(refreshedThrough.getTime() - ARRIVAL_OVERLAP_MS);
      const arrivalsCounted = await countArrivals(tx, workspaceId, arrivalsSince);
      const signature = await taxonomySignature(tx, workspaceId);
      const whole = full || !state?.refreshed_through || state.taxonomy_signature !== signature;
      const customers = whole
        ? ('all' as const)
        : await changedCustomers(
            tx,
            workspaceId,
            new Date(state!.refreshed_through!.getTime() - ARRIVAL_OVERLAP_MS),
          );
      if (customers === 'all' || customers.length > 0)
        await refreshLifecycleRows(tx, workspaceId, customers, refreshedThrough);
      await forgetMergedCustomers(tx, workspaceId);
      await writeState(tx, workspaceId, {
        lapsedAfterDays: state?.lapsed_after_days ?? DEFAULT_RULES.lapsedAfterDays,
        refreshedThrough,
        taxonomySignature: signature,
        arrivalsSince,
        arrivalsCounted,
      });
      return customers;
    });
    // A rebuild replaces every row: PostgreSQL's planner must not keep planning for the tables as they
    // were (right after a first load, as if empty: nested loops over thousands of rows).
    if (customers === 'all' && db.engine === 'postgres')
      await db.exec('ANALYZE stage_entries; ANALYZE customer_lifecycle; ANALYZE events');
    if (customers === null)
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

  /**
   * `wait: false` (the timer's): on PostgreSQL, skip the turn if another instance is refreshing the
   * workspace; otherwise wait for it.
   */
  function refresh(
    workspaceId: number,
    options: { full?: boolean; wait?: boolean } = {},
  ): Promise<RefreshResult> {
    const previous = running.get(workspaceId) ?? Promise.resolve(null);
    const next = previous
      .catch(() => null)
      .then(() => runRefresh(workspaceId, options.full ?? false, options.wait ?? true))
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

  return {
    refresh,
    ensureRefreshed,
    readState,
    writeState,

    /** Refreshes every workspace now and then, each run after the last one ended; returns the stopper. */
    /** `afterRefresh` runs after each workspace's turn: derived data that reads the stages refreshes next. */
    startRefreshing(
      everyMs: number,
      afterRefresh: (workspaceId: number, result: RefreshResult) => Promise<unknown> = async () => {},
    ): () => Promise<void> {
      return repeatEvery(
        everyMs,
        () => refreshAll(afterRefresh),
        (error) => deps.log.error({ err: error }, 'lifecycle refresh failed'),
      );
    },
  };

  async function refreshAll(
    afterRefresh: (workspaceId: number, result: RefreshResult) => Promise<unknown>,
  ): Promise<void> {
    const workspaces = await db.query<{ workspace_id: number }>('SELECT workspace_id FROM workspaces');
    for (const { workspace_id } of workspaces)
      await afterRefresh(workspace_id, await refresh(workspace_id, { wait: false }));
  }
}

export type LifecycleRefresher = ReturnType<typeof createLifecycleRefresher>;

/**
 * Several Agora instances on one PostgreSQL database refresh one at a time per workspace: a timer's turn is
 * skipped while another refreshes, an asked-for refresh waits. A DuckDB file has one process, which
 * refreshes one at a time already. The lock is the schema's (one database may hold several Agoras, one per
 * schema) and the workspace's.
 */
export const REFRESH_LOCK = "hashtext('agora lifecycle ' || current_schema()), CAST($1 AS INTEGER)";

async function holdRefreshLock(tx: Queryable, workspaceId: number, wait: boolean): Promise<boolean> {
  if (wait) {
    await tx.query(`SELECT 1 AS held FROM (SELECT pg_advisory_xact_lock(${REFRESH_LOCK})) AS locked`, [
      workspaceId,
    ]);
    return true;
  }
  const [row] = await tx.query<{ locked: boolean }>(
    `SELECT pg_try_advisory_xact_lock(${REFRESH_LOCK}) AS locked`,
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
