/**
 * Loads a demo world into a workspace the way a real customer's data would come in: the catalogue and the
 * event stream through bulk import (the same validation, identity resolution and classification as the
 * tracking API), never by writing tables directly.
 */
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Deps } from '../../deps.ts';
import { createImportService, type ImportSummary } from '../imports/index.ts';
import { createIngestService } from '../ingestion/index.ts';
import { type DemoOptions, type Manifest, worldFiles, writeWorld } from './write-world.ts';

export interface LoadProgress {
  generated(events: number, simulatedDays: number): void;
  importing(kind: string): void;
  /** `done`: the share of the file read so far. */
  imported(kind: string, rows: number, done: number): void;
}

export async function loadDemoWorld(
  deps: Deps,
  workspaceId: number,
  options: DemoOptions,
  progress: LoadProgress,
): Promise<{ manifest: Manifest; manifestFile: string; events: ImportSummary }> {
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
  return { manifest, manifestFile: files.manifest, events };
}
