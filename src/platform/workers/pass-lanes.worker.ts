// A worker lane of pass-lanes.ts: runs each pass it is sent, by its module and name, and answers with what
// it returns, or that it failed (the main thread then runs it again itself, where its error keeps its kind).
// A module is loaded on its first pass; the next import of it is the one already loaded. It says when it
// listens: until then no pass is sent to it.
import { parentPort } from 'node:worker_threads';
import { fromMessage } from './pass-lanes.ts';

parentPort!.on('message', async (message: { module: string; name: string; args: unknown[] }) => {
  try {
    const run = (await import(message.module))[message.name] as (...args: unknown[]) => unknown;
    parentPort!.postMessage({ result: run(...message.args.map(fromMessage)) });
  } catch {
    parentPort!.postMessage({ failed: true });
  }
});
parentPort!.postMessage({ ready: true });
