/**
 * Where one request's time went, for its log: the statements it ran on the database and the passes it ran on
 * the worker lanes (workers/pass-lanes.ts), each with how long of it was spent waiting — for one of DuckDB's
 * connections, or for a free lane — as a few long reads or passes can keep every other call waiting.
 * A statement or pass counts to the request whose work asked for it, through Node's async context.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface WorkTally {
  count: number;
  /** From asking for a connection or lane to the end. */
  ms: number;
  /** Of `ms`, waiting for a connection of DuckDB's pool (`pg` waits for one inside its query) or for a lane. */
  waitMs: number;
  /**
   * Of `ms`, the passes' own run on their worker; the rest of a pass's time after its wait is its way there
   * and back, and this thread finding its answer among what else it does.
   */
  runMs: number;
}

export interface WorkTime {
  statements: WorkTally;
  passes: WorkTally;
}

const current = new AsyncLocalStorage<WorkTime>();

const noTally = (): WorkTally => ({ count: 0, ms: 0, waitMs: 0, runMs: 0 });
export const noWorkTime = (): WorkTime => ({ statements: noTally(), passes: noTally() });

/** Runs `work` so that every statement and pass it leads to is added to `time`. */
export function tallyInto<T>(time: WorkTime, work: () => T): T {
  return current.run(time, work);
}

/** Adds a statement or pass to the tally of the work that asked for it, if any. */
export function tallyWork(
  kind: keyof WorkTime,
  startedAt: number,
  begunAt: number,
  endedAt: number,
  runMs = 0,
): void {
  const tally = current.getStore()?.[kind];
  if (!tally) return;
  tally.count++;
  tally.ms += endedAt - startedAt;
  tally.waitMs += begunAt - startedAt;
  tally.runMs += runMs;
}
