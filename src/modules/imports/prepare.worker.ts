/**
 * The worker thread of a file import: reads the file, parses and prepares each batch (prepare-batch.ts)
 * and hands it over when the main thread asks, with the next one already being prepared.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { createGunzip } from 'node:zlib';
import { errorPayload } from '../../platform/errors/app-error.ts';
import { compileRules } from '../ingestion/index.ts';
import type { FileJob, PrepareReply } from './import.service.ts';
import { type PreparedBatch, prepareBatch } from './prepare-batch.ts';
import { readBatches } from './read-records.ts';

const job = workerData as FileJob;
const file = createReadStream(job.file);
const input: Readable = job.gzipped ? file.pipe(createGunzip()) : file;
const batches = readBatches(input, { ...job.options, batchSize: job.batchSize });
const context = { receivedAt: new Date(job.receivedAt), rules: compileRules(job.rules) };

async function produce(): Promise<PrepareReply> {
  try {
    const next = await batches.next();
    if (next.done) return { done: true };
    const batch: PreparedBatch = prepareBatch(job.kind, next.value, context);
    batch.bytesRead = file.bytesRead;
    return { batch };
  } catch (error) {
    return {
      error: errorPayload(error),
    };
  }
}

let ahead = produce();
parentPort!.on('message', async () => {
  const reply = await ahead;
  parentPort!.postMessage(reply);
  if ('batch' in reply) ahead = produce();
  else parentPort!.close();
});
