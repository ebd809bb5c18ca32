/**
 * Loads a demo world into a workspace the way a real customer's data would come in, never by writing tables
 * directly: the catalogue and the history through bulk import, and the last days through the tracking API
 * over HTTP, as a live site's SDK sends them.
 */
import { createReadStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { createImportService, type ImportSummary } from '../imports/index.ts';
import { createIngestService } from '../ingestion/index.ts';
import { createLifecycleService } from '../lifecycle/index.ts';
import { createWorkspaceService } from '../workspaces/index.ts';
import { type DemoOptions, type Manifest, worldFiles, writeWorld } from './write-world.ts';

/** Messages per tracking request, and requests in flight, about what a busy site's SDKs send. */
const LIVE_BATCH = 250;
const LIVE_REQUESTS = 4;

export interface LoadProgress {
  generated(events: number, simulatedDays: number): void;
  importing(kind: string): void;
  /** `done`: the share of the file read so far. */
  imported(kind: string, rows: number, done: number): void;
}

export interface LiveSummary {
  accepted: number;
  rejected: number;
}

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
  events: ImportSummary;
  live: LiveSummary;
  analyses: AnalysisRun[];
}> {
  const directory = path.join(deps.config.dataDir, 'demo');
  await mkdir(directory, { recursive: true });
  const files = worldFiles(path.join(directory, `world-${options.seed}-${options.customers}.ndjson`));
  const manifest = await writeWorld(files, options, progress.generated);
  const imports = createImportService({ ...deps, ingest: createIngestService(deps) });
  const run = async (kind: 'products' | 'content' | 'events', file: string) => {
    const size = (await stat(file)).size;
    progress.importing(kind);
    return imports.run(
      workspaceId,
      kind,
      { file, gzipped: false },
      { format: 'ndjson' },
      {
        progress: (counts) => progress.imported(kind, counts.rows, (counts.bytesRead ?? 0) / size),
      },
    );
  };
  await run('products', files.products);
  await run('content', files.content);
  const events = await run('events', files.events);
  progress.importing('live');
  const { key } = await createWorkspaceService(deps).createKey(workspaceId, {
    kind: 'write',
    name: 'demo world: live site',
  });
  const live = await sendLive(trackingUrl, key, files.live, manifest.live.messages, (sent, done) =>
    progress.imported('live', sent, done),
  );
  progress.importing('analyses');
  const analyses = await runAnalyses(deps, workspaceId);
  return { manifest, manifestFile: files.manifest, events, live, analyses };
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
  const post = async (batch: unknown[]) => {
    const response = await fetch(`${url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({ batch, sentAt: new Date().toISOString() }),
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
  const send = async (batch: unknown[]) => {
    const request = post(batch).finally(() => inFlight.delete(request));
    inFlight.add(request);
    if (inFlight.size >= LIVE_REQUESTS) await Promise.race(inFlight);
  };
  let batch: unknown[] = [];
  for await (const line of createInterface({
    input: createReadStream(file),
    crlfDelay: Number.POSITIVE_INFINITY,
  })) {
    if (line === '') continue;
    batch.push(JSON.parse(line));
    if (batch.length === LIVE_BATCH) {
      await send(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await send(batch);
  await Promise.all(inFlight);
  return summary;
}
