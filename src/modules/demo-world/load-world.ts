/**
 * Loads a demo world into a workspace the way a real customer's data would come in, never by writing tables
 * directly: the catalogue and the history through bulk import, and the last days through the tracking API
 * over HTTP, as a live site's SDK sends them.
 */
import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Deps } from '../../deps.ts';
import { AppError, appErrorFrom } from '../../platform/errors/app-error.ts';
import { messagesFrom, startWorker } from '../../platform/workers/run-worker.ts';
import { createImportService, type ImportCounts } from '../imports/index.ts';
import { createIngestService } from '../ingestion/index.ts';
import { createLifecycleService } from '../lifecycle/index.ts';
import { createWorkspaceService } from '../workspaces/index.ts';
import {
  type DemoOptions,
  type GenerationEvent,
  type Manifest,
  type WorldFiles,
  worldFiles,
} from './write-world.ts';

/**
 * Messages per tracking request (and bytes, well under the API's 500 KB), and requests in flight: what the
 * SDKs of a busy site send at once.
 */
const LIVE_BATCH = 500;
const LIVE_BATCH_BYTES = 400_000;
const LIVE_REQUESTS = 8;

export interface LoadProgress {
  generated(events: number, simulatedDays: number): void;
  /** History rows imported so far, over every part. */
  imported(rows: number): void;
  /** The live days, sent through the tracking API: `done` is the share sent. */
  sending(messages: number, done: number): void;
  analysing(): void;
}

export interface LiveSummary {
  accepted: number;
  rejected: number;
}

/** Messages per history part: one is imported while the next is being simulated on a worker thread. */
const PART_MESSAGES = 100_000;
const GENERATE_WORKER = new URL('./generate.worker.ts', import.meta.url);

/** `trackingUrl`: where Agora's tracking API listens (the server being loaded). */
export async function loadDemoWorld(
  deps: Deps,
  workspaceId: number,
  options: DemoOptions,
  progress: LoadProgress,
  trackingUrl: string,
): Promise<{
  manifest: Manifest;
  manifestFile: string;
  events: ImportCounts;
  live: LiveSummary;
  analyses: AnalysisRun[];
}> {
  const directory = path.join(deps.config.dataDir, 'demo');
  await mkdir(directory, { recursive: true });
  const files = worldFiles(path.join(directory, `world-${options.seed}-${options.customers}.ndjson`));
  const imports = createImportService({ ...deps, ingest: createIngestService(deps) });
  const importFile = (
    kind: 'products' | 'content' | 'costs' | 'events',
    file: string,
    rows = (_rows: number) => {},
  ) =>
    imports.run(
      workspaceId,
      kind,
      { file, gzipped: false },
      { format: 'ndjson' },
      { progress: (counts) => rows(counts.rows) },
    );
  const events: ImportCounts = { rows: 0, accepted: 0, rejected: 0 };
  let manifest: Manifest | undefined;
  for await (const event of generateOnWorker(files, options)) {
    if (event.type === 'progress') progress.generated(event.events, event.days);
    else if (event.type === 'catalogue') {
      await importFile('products', files.products);
      await importFile('content', files.content);
      await importFile('costs', files.costs);
    } else if (event.type === 'part') {
      const before = events.rows;
      const part = await importFile('events', event.file, (rows) => progress.imported(before + rows));
      events.rows += part.rows;
      events.accepted += part.accepted;
      events.rejected += part.rejected;
    } else if (event.type === 'done') manifest = event.manifest;
    else throw appErrorFrom(event.error);
  }
  const { key } = await createWorkspaceService(deps).createKey(workspaceId, {
    kind: 'write',
    name: 'demo world: live site',
  });
  const live = await sendLive(trackingUrl, key, files.live, manifest!.live.messages, progress.sending);
  progress.analysing();
  const analyses = await runAnalyses(deps, workspaceId);
  return { manifest: manifest!, manifestFile: files.manifest, events, live, analyses };
}

/** The world simulated and written on a worker thread, its announcements in the order they were made. */
function generateOnWorker(files: WorldFiles, options: DemoOptions): AsyncGenerator<GenerationEvent> {
  return messagesFrom<GenerationEvent>(
    startWorker(GENERATE_WORKER, { files, options, partMessages: PART_MESSAGES }),
    (event) => event.type === 'done' || event.type === 'error',
    "The demo world's generator",
  );
}

export interface AnalysisRun {
  name: string;
  summary: string;
  seconds: number;
}

/** Every analysis Agora has, run once on the loaded world so that the console opens on answers. */
async function runAnalyses(deps: Deps, workspaceId: number): Promise<AnalysisRun[]> {
  const lifecycle = await createLifecycleService(deps).refresh(workspaceId, { full: true });
  return [
    {
      name: 'lifecycle',
      summary: `stages of ${lifecycle.customers.toLocaleString('en-US')} customers`,
      seconds: lifecycle.seconds,
    },
  ];
}

/** The live days as SDKs send them: `{batch, sentAt}` to /v1/batch with the write key, a few at a time. */
async function sendLive(
  url: string,
  writeKey: string,
  file: string,
  total: number,
  sent: (messages: number, done: number) => void,
): Promise<LiveSummary> {
  const summary: LiveSummary = { accepted: 0, rejected: 0 };
  const authorization = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
  const inFlight = new Set<Promise<void>>();
  let count = 0;
  // The file's lines are JSON messages already: the body is put together from them, not parsed again.
  const post = async (batch: string[]) => {
    const response = await fetch(`${url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: `{"batch":[${batch.join(',')}],"sentAt":"${new Date().toISOString()}"}`,
    });
    if (!response.ok)
      throw new AppError(
        'INTERNAL',
        `Agora's tracking API answered ${response.status}: ${await response.text()}`,
      );
    const answer = (await response.json()) as { accepted: number; rejected: unknown[] };
    summary.accepted += answer.accepted;
    summary.rejected += answer.rejected.length;
    count += batch.length;
    sent(count, total === 0 ? 1 : count / total);
  };
  const send = async (batch: string[]) => {
    const request = post(batch).finally(() => inFlight.delete(request));
    inFlight.add(request);
    if (inFlight.size >= LIVE_REQUESTS) await Promise.race(inFlight);
  };
  let batch: string[] = [];
  let bytes = 0;
  for await (const line of createInterface({
    input: createReadStream(file),
    crlfDelay: Number.POSITIVE_INFINITY,
  })) {
    if (line === '') continue;
    const size = Buffer.byteLength(line);
    if (batch.length === LIVE_BATCH || bytes + size > LIVE_BATCH_BYTES) {
      await send(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(line);
    bytes += size;
  }
  if (batch.length > 0) await send(batch);
  await Promise.all(inFlight);
  return summary;
}
