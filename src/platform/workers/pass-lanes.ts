/**
 * Held passes on two lanes. A page asks for its calls at once, and each call's answer is a pass over what the
 * server holds (db/kept-reads.ts); on one thread the page waits for the sum of them (the Funnel & journeys
 * page's five took 0.53 s at 500,000 customers under a saved segment). Here a worker thread takes a pass
 * whenever it has none and this thread runs the next, so that two cores answer a page. What a pass reads is
 * held on shared memory (shared-arrays.ts), so a worker sent it reads the same memory, not a copy.
 */
import { IdMask } from './id-mask.ts';
import { startWorker } from './run-worker.ts';

/** A pass either lane can run: `run`, exported under its own name from the module at `module`. */
export interface Pass<A extends unknown[], R> {
  module: string;
  name: string;
  run: (...args: A) => R;
}

/** `module`: the module's import.meta.url, where the worker finds `run` by its name. */
export function pass<A extends unknown[], R>(module: string, run: (...args: A) => R): Pass<A, R> {
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

interface Waiting {
  resolve(result: unknown): void;
  /** The pass run on this thread instead: when the worker fails it or stops. */
  runHere(): void;
}

/**
 * `ready`: when the worker takes passes; until then (a fraction of a second) every pass runs here.
 * `answered`: how many passes the worker has answered (the rest ran here).
 */
export function startPassLanes(): PassLanes & { ready: Promise<void>; answered(): number } {
  const worker = startWorker(new URL('./pass-lanes.worker.ts', import.meta.url), {});
  const waiting = new Map<number, Waiting>();
  let [next, answered] = [0, 0];
  let [ready, stopped] = [false, false];
  let isReady = () => {};
  const readiness = new Promise<void>((resolve) => (isReady = resolve));
  // A pass the worker failed is run here, where its error (an AppError, say) keeps its kind.
  worker.on('message', (message: { id: number; result?: unknown; failed?: boolean; ready?: true }) => {
    if (message.ready) {
      ready = true;
      return isReady();
    }
    const found = waiting.get(message.id)!;
    waiting.delete(message.id);
    if (message.failed) return found.runHere();
    answered++;
    found.resolve(message.result);
  });
  const stop = () => {
    stopped = true;
    isReady();
    for (const found of waiting.values()) found.runHere();
    waiting.clear();
  };
  worker.on('error', stop);
  worker.on('exit', stop);
  // Passes run here one at a time, each after the event loop has looked at the worker's answers.
  let turns = Promise.resolve();
  // Listening would keep a process alive that has nothing else to do: a server closes its lanes itself.
  worker.unref();
  return {
    async run(pass, ...args) {
      if (!ready || !shareable(args, 0)) return pass.run(...args);
      if (waiting.size > 0) {
        // The worker is busy: wait for a turn here. Passes asked together (a page's calls, a report's parts)
        // then share the lanes: whichever comes when the worker has answered goes to it.
        const turn = turns.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
        turns = turn;
        await turn;
      }
      if (stopped || waiting.size > 0) return pass.run(...args);
      const id = next++;
      return new Promise((resolve, reject) => {
        const runHere = () => {
          try {
            resolve(pass.run(...args));
          } catch (error) {
            reject(error);
          }
        };
        waiting.set(id, { resolve: resolve as (result: unknown) => void, runHere });
        try {
          worker.postMessage({ id, module: pass.module, name: pass.name, args: args.map(toMessage) });
        } catch {
          // A pass whose arguments cannot be sent (a function, say) runs here.
          waiting.delete(id);
          runHere();
        }
      });
    },
    ready: readiness,
    answered: () => answered,
    async close() {
      stopped = true;
      await worker.terminate();
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
