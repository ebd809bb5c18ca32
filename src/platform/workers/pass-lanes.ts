/**
 * Held passes on worker lanes. A page asks for its calls at once, and each call's answer is a pass over what
 * the server holds (db/kept-reads.ts); on one thread the page waits for the sum of them, and so does every
 * answer already kept that is asked meanwhile (a kept answer waited 0.65 s behind passes at 500,000
 * customers). Here each pass goes to the first of the worker threads that is free, one per core, and the
 * server's own thread only serves: what is kept is answered at once, and two cores share a page's passes.
 * What a pass reads is held on shared memory (shared-arrays.ts), so a worker sent it reads the same memory,
 * not a copy.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { tallyWork } from '../work-time.ts';
import { IdMask } from './id-mask.ts';
import { startWorker } from './run-worker.ts';

/** A pass either lane can run: `run`, exported under its own name from the module at `module`. */
export interface Pass<A extends unknown[], R> {
  module: string;
  name: string;
  run: (...args: A) => R;
}

/** The modules of every pass made so far: each worker loads them all ahead (pass-lanes.worker.ts). */
const passModules = new Set<string>();

/** `module`: the module's import.meta.url, where the worker finds `run` by its name. */
export function pass<A extends unknown[], R>(module: string, run: (...args: A) => R): Pass<A, R> {
  passModules.add(module);
  return { module, name: run.name, run };
}

export interface PassLanes {
  run<A extends unknown[], R>(pass: Pass<A, R>, ...args: A): Promise<R>;
  close(): Promise<void>;
}

/** Every pass on the thread that asks: a CLI verb, a test. */
export const ONE_LANE: PassLanes = {
  run: async (pass, ...args) => pass.run(...args),
  close: async () => {},
};

/** An array not on shared memory larger than this would be copied to the worker: the pass runs here. */
const MOST_COPIED = 1 << 20;

/** A lane's answer to a pass: its result and how long the worker ran it, or that it failed. */
interface LaneAnswer {
  result?: unknown;
  ms?: number;
  failed?: boolean;
}

/** A worker thread that runs one pass at a time. */
interface Lane {
  worker: Worker;
  /** What to do with its answer to the pass it runs: null while it runs none. */
  running: ((message: LaneAnswer) => void) | null;
}

/**
 * `workers`: how many lanes, by default one per core; they start on the first pass. `ready`: starts them,
 * and says when every worker takes passes (a fraction of a second; passes asked before wait for them). `answered`: how many passes the workers have answered (the rest
 * ran here: their arguments could not be sent, or the worker failed them).
 */
export function startPassLanes(
  workers = Math.max(2, availableParallelism()),
): PassLanes & { ready: Promise<void>; answered(): number } {
  const free: Lane[] = [];
  // Passes waiting for a free lane, first asked first; each is given a lane, or null when none is left.
  const queue: Array<(lane: Lane | null) => void> = [];
  let [alive, starting, answered] = [workers, workers, 0];
  let isReady = () => {};
  const ready = new Promise<void>((resolve) => (isReady = resolve));
  const release = (lane: Lane) => {
    lane.running = null;
    const next = queue.shift();
    if (next) next(lane);
    else free.push(lane);
  };
  const start = () => {
    const lane: Lane = {
      worker: startWorker(new URL('./pass-lanes.worker.ts', import.meta.url), {
        modules: [...passModules],
      }),
      running: null,
    };
    lane.worker.on('message', (message: LaneAnswer & { ready?: true }) => {
      if (!message.ready) return lane.running?.(message);
      if (--starting === 0) isReady();
      release(lane);
    });
    // A lane that stops hands its pass back to be run here; when none is left, every pass runs here.
    let stopped = false;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      if (free.includes(lane)) free.splice(free.indexOf(lane), 1);
      lane.running?.({ failed: true });
      lane.running = null;
      if (starting > 0 && --starting === 0) isReady();
      if (--alive === 0) for (const next of queue.splice(0)) next(null);
    };
    lane.worker.on('error', stop);
    lane.worker.on('exit', stop);
    // Listening would keep a process alive that has nothing else to do: a server closes its lanes itself.
    lane.worker.unref();
    return lane;
  };
  // The workers start when first needed: a server (or a test's) that runs no pass starts none.
  let lanes: Lane[] | null = null;
  const boot = () => {
    lanes ??= Array.from({ length: workers }, start);
    return ready;
  };
  const freeLane = (): Promise<Lane | null> | Lane | null => {
    boot();
    if (alive === 0) return null;
    return free.shift() ?? new Promise((resolve) => queue.push(resolve));
  };
  return {
    async run(pass, ...args) {
      if (!shareable(args, 0)) return pass.run(...args);
      const startedAt = performance.now();
      const lane = await freeLane();
      if (!lane) return pass.run(...args);
      const begunAt = performance.now();
      const message = await new Promise<LaneAnswer>((resolve) => {
        lane.running = resolve;
        try {
          lane.worker.postMessage({ module: pass.module, name: pass.name, args: args.map(toMessage) });
        } catch {
          // A pass whose arguments cannot be sent (a function, say) runs here.
          resolve({ failed: true });
        }
      });
      if (lane.running) release(lane);
      tallyWork('passes', startedAt, begunAt, performance.now(), message.ms);
      // A pass the worker failed is run here, where its error (an AppError, say) keeps its kind.
      if (message.failed) return pass.run(...args);
      answered++;
      return message.result as ReturnType<typeof pass.run>;
    },
    get ready() {
      return boot();
    },
    answered: () => answered,
    async close() {
      // Each lane stops as it ends (above): what it runs or is asked meanwhile runs here.
      if (!lanes) [lanes, alive] = [[], 0];
      await Promise.all(lanes.map((lane) => lane.worker.terminate()));
    },
  };
}

/** A mask's class is lost on the way: it goes as its bytes. */
export const toMessage = (arg: unknown) => (arg instanceof IdMask ? { idMask: arg.kept } : arg);
export const fromMessage = (arg: unknown) =>
  arg && typeof arg === 'object' && 'idMask' in arg ? new IdMask(arg.idMask as Uint8Array) : arg;

/** Whether nothing large in `value` would be copied: every large typed array in it is on shared memory. */
function shareable(value: unknown, depth: number): boolean {
  if (depth > 3 || value === null || typeof value !== 'object') return true;
  if (ArrayBuffer.isView(value))
    return value.byteLength <= MOST_COPIED || value.buffer instanceof SharedArrayBuffer;
  if (value instanceof IdMask) return true;
  const parts = value instanceof Map ? [...value.values()] : Object.values(value);
  // A list of numbers or texts is small here (the held texts); a list of arrays is looked into.
  if (Array.isArray(value) && typeof value[0] !== 'object') return true;
  return parts.every((part) => shareable(part, depth + 1));
}
