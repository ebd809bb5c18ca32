/**
 * The database's share of one request's time, for its log: how many statements it ran, how long they took, and
 * how long of that they waited for one of the embedded engine's connections (a few long reads can hold them all).
 * A statement counts to the request whose work asked for it, through Node's async context.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface DatabaseTime {
  statements: number;
  /** From asking for a connection to the statement's end. */
  ms: number;
  /** Of `ms`, waiting for a connection of DuckDB's pool (`pg` waits for one inside its query, so within `ms`). */
  waitMs: number;
}

const current = new AsyncLocalStorage<DatabaseTime>();

export const noDatabaseTime = (): DatabaseTime => ({ statements: 0, ms: 0, waitMs: 0 });

/** Runs `work` so that every statement it leads to is added to `time`. */
export function tallyInto<T>(time: DatabaseTime, work: () => T): T {
  return current.run(time, work);
}

/** Adds a statement to the tally of the work that asked for it, if any. */
export function tallyStatement(startedAt: number, connectedAt: number, endedAt: number): void {
  const time = current.getStore();
  if (!time) return;
  time.statements++;
  time.ms += endedAt - startedAt;
  time.waitMs += connectedAt - startedAt;
}
