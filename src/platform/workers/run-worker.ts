/**
 * Starting a worker thread on one of Agora's TypeScript modules, and asking it for one answer at a time or
 * reading what it says.
 */
import { Worker } from 'node:worker_threads';
import { AppError } from '../errors/app-error.ts';

const BOOT = new URL('./worker-boot.mjs', import.meta.url);

export function startWorker(entry: URL, data: Record<string, unknown>): Worker {
  return new Worker(BOOT, { workerData: { ...data, entry: entry.href } });
}

/** Sends `request` and waits for the worker's next message; a crash or exit becomes a rejection. */
export function ask<T>(worker: Worker, request: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (message: T) => {
      cleanup();
      resolve(message);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`the worker thread exited with code ${code}`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(request);
  });
}

/**
 * What the worker says, in order, until its last word (`isLast`). A worker that stops without it (killed, out
 * of memory) fails the reading instead of leaving it waiting. The worker is stopped when the reading ends.
 * Listening starts at once, not at the first read: a worker's messages that nobody listens to are lost.
 */
export function messagesFrom<T>(
  worker: Worker,
  isLast: (message: T) => boolean,
  name: string,
): AsyncGenerator<T> {
  const waiting: T[] = [];
  let wake: (() => void) | null = null;
  let failure: Error | null = null;
  worker.on('message', (message: T) => {
    waiting.push(message);
    wake?.();
  });
  worker.on('error', (error) => {
    failure = error;
    wake?.();
  });
  worker.on('exit', (code) => {
    failure ??= new AppError('INTERNAL', `${name} stopped (exit code ${code}).`);
    wake?.();
  });
  return (async function* read() {
    try {
      for (;;) {
        if (waiting.length === 0 && !failure) await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
        // What it said before it stopped comes first: its last word may be among it.
        const message = waiting.shift();
        if (message === undefined) throw failure!;
        yield message;
        if (isLast(message)) return;
      }
    } finally {
      await worker.terminate();
    }
  })();
}
