/**
 * The worker thread that simulates one shard of a demo world (simulate.ts) and sends its messages as NDJSON
 * lines, a batch at a time, each line beside its time so that the writer can merge the shards by time. It
 * runs at most a few batches ahead of the writer: a slow disk holds the simulation back instead of filling
 * the memory.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { errorPayload } from '../../platform/errors/app-error.ts';
import { type Shard, simulateWorld } from './simulate.ts';
import { countsOf, emptyTally } from './world-tally.ts';
import { type DemoOptions, lineBatches, type ShardEvent } from './write-world.ts';

const job = workerData as { options: DemoOptions; shard: Shard; batch: number; ahead: number };
const post = (event: ShardEvent) => parentPort!.postMessage(event);

let unread = 0;
let read: (() => void) | null = null;
parentPort!.on('message', () => {
  unread -= 1;
  read?.();
});
const caughtUp = () => new Promise<void>((resolve) => (read = resolve));

try {
  const tally = emptyTally();
  for (const batch of lineBatches(simulateWorld(job.options, tally, job.shard), job.batch)) {
    post({ type: 'batch', ...batch });
    unread += 1;
    while (unread >= job.ahead) await caughtUp();
  }
  post({ type: 'done', tally: countsOf(tally) });
} catch (error) {
  post({ type: 'error', error: errorPayload(error) });
}
