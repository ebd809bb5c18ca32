// A worker lane of pass-lanes.ts: runs each pass it is sent, by its module and name, and answers with what
// it returns, or that it failed (the main thread then runs it again itself, where its error keeps its kind).
// It says when it listens: until then no pass is sent to it. Then it loads the module of every pass there is
// (workerData.modules), one after another: the first pass of a kind would otherwise wait for tsx to compile
// its module and all it imports (0.2–0.5 s at 500,000 customers, in the first filter's calls). A pass asked
// meanwhile imports its own module at once, or the load already under way.
import { parentPort, workerData } from 'node:worker_threads';
import { fromMessage } from './pass-lanes.ts';

parentPort!.on('message', async (message: { module: string; name: string; args: unknown[] }) => {
  try {
    const run = (await import(message.module))[message.name] as (...args: unknown[]) => unknown;
    const started = performance.now();
    const result = run(...message.args.map(fromMessage));
    parentPort!.postMessage({ result, ms: performance.now() - started });
  } catch {
    parentPort!.postMessage({ failed: true });
  }
});
parentPort!.postMessage({ ready: true });
for (const module of (workerData as { modules: string[] }).modules) await import(module).catch(() => {});
