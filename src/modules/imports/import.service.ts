/**
 * Runs an import: reads the file a batch at a time, turns each record into tracking messages or catalogue
 * rows, and writes them while the next batch is being prepared — on a worker thread when the import reads
 * a file of its own, so that parsing and validation use the second core. A line that cannot be imported
 * is reported with its line number, column and reason, and never stops the others. Re-running the same
 * file changes nothing: events are recognised by their messageId (given, or taken from their content) at
 * the times they happened, and everything else is an upsert.
 */
import type { Readable } from 'node:stream';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { AppError, appErrorFrom, messageOf } from '../../platform/errors/app-error.ts';
import { ask, startWorker } from '../../platform/workers/run-worker.ts';
import type { IngestService, TouchpointRules } from '../ingestion/index.ts';
import { upsertAccounts, upsertContent, upsertCosts, upsertProducts } from './catalogue.store.ts';
import type { AccountRow, ContentRow, CostRow, ImportKind, ProductRow } from './import-kinds.ts';
import { fieldOfReason, type PreparedBatch, prepareBatch } from './prepare-batch.ts';
import { type ImportFormat, type LineProblem, readBatches } from './read-records.ts';

/** Records per write: large enough that each write's fixed costs are shared, small enough to stay responsive. */
const BATCH_SIZE = 5000;
const PREPARE_WORKER = new URL('./prepare.worker.ts', import.meta.url);

export interface ImportOptions {
  format: ImportFormat;
  mapping?: Readonly<Record<string, string>> | undefined;
  delimiter?: string | undefined;
}

/** What to import: a stream (an upload), or a file the import reads on a worker thread. */
export type ImportSource = Readable | { file: string; gzipped: boolean };

export interface ImportCounts {
  /** Records read, blank lines and the CSV header aside. */
  rows: number;
  /** Imported now, or by an earlier run of the same file. */
  accepted: number;
  rejected: number;
  /** Bytes of the file read so far, when the import reads the file itself. */
  bytesRead?: number | undefined;
}

export interface ImportSummary extends ImportCounts {
  kind: ImportKind;
  seconds: number;
}

export interface ImportListener {
  progress?(counts: ImportCounts): void;
  problem?(problem: LineProblem): void;
}

/** What the worker thread needs to prepare the batches of a file (prepare.worker.ts). */
export interface FileJob {
  file: string;
  gzipped: boolean;
  kind: ImportKind;
  options: ImportOptions;
  rules: TouchpointRules;
  receivedAt: string;
  batchSize: number;
}

export type PrepareReply =
  | { batch: PreparedBatch }
  | { done: true }
  | { error: { code: string; message: string } };

export type ImportService = ReturnType<typeof createImportService>;

export function createImportService(deps: { db: Database; clock: Clock; ingest: IngestService }) {
  return {
    async run(
      workspaceId: number,
      kind: ImportKind,
      source: ImportSource,
      options: ImportOptions,
      listener: ImportListener = {},
    ): Promise<ImportSummary> {
      const started = performance.now();
      const counts: ImportCounts = { rows: 0, accepted: 0, rejected: 0 };
      const columnOf = fileColumnNamer(kind, options.mapping ?? {});
      let lastLine = 0;
      let writing: Promise<void> = Promise.resolve();
      try {
        // Each batch is prepared while the one before it is written.
        for await (const prepared of await batchesOf(workspaceId, kind, source, options)) {
          await writing;
          counts.rows += prepared.rows;
          writing = write(workspaceId, kind, prepared).then((refused) => {
            // In line order, so that the error report reads like the file.
            for (const problem of [...prepared.problems, ...refused].sort((a, b) => a.line - b.line))
              listener.problem?.({ ...problem, column: columnOf(problem.column) });
            counts.rejected += new Set(
              [...prepared.problems, ...refused].map((problem) => problem.line),
            ).size;
            counts.accepted = counts.rows - counts.rejected;
            counts.bytesRead = prepared.bytesRead;
            lastLine = prepared.lastLine || lastLine;
            listener.progress?.({ ...counts });
          });
          // Awaited before the next write; until then a failure must not count as unhandled.
          writing.catch(() => {});
        }
        await writing;
      } catch (error) {
        if (error instanceof AppError && error.code === 'INVALID_INPUT') throw error;
        const where = lastLine === 0 ? 'before its first batch was written' : `after line ${lastLine}`;
        throw new AppError(
          'INTERNAL',
          `The import stopped ${where} (${messageOf(error)}). What was imported stays; run the same ` +
            'import again to continue: lines already imported are not imported twice.',
        );
      }
      return { kind, ...counts, seconds: (performance.now() - started) / 1000 };
    },
  };

  async function batchesOf(
    workspaceId: number,
    kind: ImportKind,
    source: ImportSource,
    options: ImportOptions,
  ): Promise<AsyncIterable<PreparedBatch>> {
    const receivedAt = deps.clock.now();
    if ('file' in source) {
      const rules = await deps.ingest.touchpointRules.get(workspaceId);
      return preparedOnWorker({
        ...source,
        kind,
        options,
        rules: { channel: rules.channel, device: rules.device },
        receivedAt: receivedAt.toISOString(),
        batchSize: BATCH_SIZE,
      });
    }
    const rules = await deps.ingest.touchpointRules.compiledFor(workspaceId);
    return (async function* () {
      for await (const batch of readBatches(source, { ...options, batchSize: BATCH_SIZE }))
        yield prepareBatch(kind, batch, { receivedAt, rules });
    })();
  }

  async function write(
    workspaceId: number,
    kind: ImportKind,
    prepared: PreparedBatch,
  ): Promise<LineProblem[]> {
    if (prepared.messages.length > 0) {
      // Stamped as written, not as the import began: the lifecycle refresh finds changed customers by the
      // time their events arrived, and an import may run for many minutes.
      const receivedAt = deps.clock.now();
      for (const message of prepared.messages) message.receivedAt = receivedAt;
      const refused = await deps.ingest.storeNormalized(workspaceId, prepared.messages);
      return refused.map(({ position, reason }) => ({
        line: prepared.messageLines[position]!,
        ...fieldOfReason(reason),
      }));
    }
    if (prepared.catalogue.length > 0) {
      const now = deps.clock.now();
      await deps.db.transaction(async (tx) => {
        if (kind === 'accounts')
          await upsertAccounts(tx, workspaceId, prepared.catalogue as AccountRow[], now);
        if (kind === 'products')
          await upsertProducts(tx, workspaceId, prepared.catalogue as ProductRow[], now);
        if (kind === 'content') await upsertContent(tx, workspaceId, prepared.catalogue as ContentRow[], now);
        if (kind === 'costs') await upsertCosts(tx, workspaceId, prepared.catalogue as CostRow[], now);
      });
    }
    return [];
  }
}

/** The batches of a file, prepared on a worker thread one ahead of the one asked for. */
async function* preparedOnWorker(job: FileJob): AsyncGenerator<PreparedBatch> {
  const worker = startWorker(PREPARE_WORKER, { ...job });
  try {
    for (;;) {
      const reply = await ask<PrepareReply>(worker, 'next');
      if ('done' in reply) return;
      if ('error' in reply) throw appErrorFrom(reply.error);
      yield reply.batch;
    }
  } finally {
    await worker.terminate();
  }
}

/**
 * Reports name a column as the file does: a message field back to the import's column (userId → user_id,
 * traits.plan → plan), then back through --map to the file's own name.
 */
function fileColumnNamer(kind: ImportKind, mapping: Readonly<Record<string, string>>) {
  const fromMessage: Record<string, string> = {
    userId: 'user_id',
    anonymousId: 'anonymous_id',
    groupId: 'account_id',
    'context.groupId': 'account_id',
  };
  return (field: string): string => {
    let column = field;
    if (kind !== 'events') {
      column = fromMessage[column] ?? column.replace(/^(traits|properties)\./, '');
    }
    const top = column.split('.')[0]!;
    return top in mapping ? mapping[top] + column.slice(top.length) : column;
  };
}
