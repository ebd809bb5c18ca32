/**
 * The worker thread that simulates and writes a demo world while the main thread imports it: it announces
 * the catalogue, each complete part of the history, progress, and at the end the manifest.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { errorPayload } from '../../platform/errors/app-error.ts';
import { type DemoOptions, type GenerationEvent, type WorldFiles, writeWorld } from './write-world.ts';

const job = workerData as { files: WorldFiles; options: DemoOptions; partMessages: number };
const post = (event: GenerationEvent) => parentPort!.postMessage(event);

try {
  const manifest = await writeWorld(job.files, job.options, {
    progress: (events, days) => post({ type: 'progress', events, days }),
    catalogue: () => post({ type: 'catalogue' }),
    historyPart: { messages: job.partMessages, written: (file) => post({ type: 'part', file }) },
  });
  post({ type: 'done', manifest });
} catch (error) {
  post({ type: 'error', error: errorPayload(error) });
}
