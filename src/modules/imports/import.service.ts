/**
 * Runs an import: reads the file a batch at a time, turns each record into tracking messages or catalogue
 * rows, and writes them while the next batch is being read. A line that cannot be imported is reported
 * with its line number, column and reason, and never stops the others. Re-running the same file changes
 * nothing: events are recognised by their messageId (given, or taken from their content) at the times they
 * happened, and everything else is an upsert.
 */
import type { Readable } from 'node:stream';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { AppError, messageOf } from '../../platform/errors/app-error.ts';
import type { IngestService } from '../ingestion/index.ts';
import { upsertAccounts, upsertContent, upsertProducts } from './catalogue.store.ts';
import {
  type AccountRow,
  type ContentRow,
  type ImportKind,
  MESSAGE_KINDS,
  type ProductRow,
  ROW_SCHEMAS,
  type RowKind,
} from './import-kinds.ts';
import {
  type ImportFormat,
  isProblem,
  type LineProblem,
  readBatches,
  type SourceRecord,
} from './read-records.ts';

/** Records per write: large enough that each write's fixed costs are shared, small enough to stay responsive. */
const BATCH_SIZE = 5000;

export interface ImportOptions {
  format: ImportFormat;
  mapping?: Readonly<Record<string, string>> | undefined;
  delimiter?: string | undefined;
}

export interface ImportCounts {
  /** Records read, blank lines and the CSV header aside. */
  rows: number;
  /** Imported now, or by an earlier run of the same file. */
  accepted: number;
  rejected: number;
}

export interface ImportSummary extends ImportCounts {
  kind: ImportKind;
  seconds: number;
}

export interface ImportListener {
  progress?(counts: ImportCounts): void;
  problem?(problem: LineProblem): void;
}

type Prepared = { problems: LineProblem[]; write(): Promise<LineProblem[]> };

export type ImportService = ReturnType<typeof createImportService>;

export function createImportService(deps: { db: Database; clock: Clock; ingest: IngestService }) {
  return {
    async run(
      workspaceId: number,
      kind: ImportKind,
      input: Readable,
      options: ImportOptions,
      listener: ImportListener = {},
    ): Promise<ImportSummary> {
      const started = performance.now();
      const counts: ImportCounts = { rows: 0, accepted: 0, rejected: 0 };
      const columnOf = fileColumnNamer(kind, options.mapping ?? {});
      const report = (problems: LineProblem[]) => {
        for (const problem of problems) listener.problem?.({ ...problem, column: columnOf(problem.column) });
      };
      let lastLine = 0;
      let writing: Promise<void> = Promise.resolve();
      try {
        for await (const batch of readBatches(input, { ...options, batchSize: BATCH_SIZE })) {
          const records = batch.filter((item) => !isProblem(item)) as SourceRecord[];
          const prepared = prepare(kind, workspaceId, records);
          await writing;
          const early = [...batch.filter(isProblem), ...prepared.problems];
          counts.rows += batch.length;
          counts.rejected += early.length;
          const end = batch.at(-1)?.line ?? lastLine;
          writing = prepared.write().then((refused) => {
            // In line order, so that the error report reads like the file.
            report([...early, ...refused].sort((a, b) => a.line - b.line));
            counts.rejected += new Set(refused.map((problem) => problem.line)).size;
            counts.accepted = counts.rows - counts.rejected;
            lastLine = end;
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

  function prepare(kind: ImportKind, workspaceId: number, records: SourceRecord[]): Prepared {
    const messageKind = MESSAGE_KINDS[kind];
    if (messageKind) {
      const problems: LineProblem[] = [];
      const messages: unknown[] = [];
      const lines: number[] = [];
      for (const { line, record } of records) {
        const converted = messageKind.convert(record);
        if ('reason' in converted) problems.push({ line, column: converted.field, reason: converted.reason });
        else
          for (const message of converted.messages) {
            messages.push(message);
            lines.push(line);
          }
      }
      return {
        problems,
        write: async () => {
          if (messages.length === 0) return [];
          const result = await deps.ingest.ingest(
            workspaceId,
            messages,
            { origin: 'import', recordEvent: messageKind.recordEvent },
            { keepRefused: false },
          );
          return result.rejected.map(({ index, reason }) => ({
            line: lines[index]!,
            ...fieldOfReason(reason),
          }));
        },
      };
    }
    return prepareRows(kind as RowKind, workspaceId, records);
  }

  function prepareRows(kind: RowKind, workspaceId: number, records: SourceRecord[]): Prepared {
    const schema = ROW_SCHEMAS[kind];
    const problems: LineProblem[] = [];
    const rows: unknown[] = [];
    for (const { line, record } of records) {
      const parsed = schema.safeParse(record);
      if (parsed.success) rows.push(parsed.data);
      else {
        const issue = parsed.error.issues[0]!;
        problems.push({ line, column: String(issue.path[0] ?? ''), reason: issue.message });
      }
    }
    return {
      problems,
      write: async () => {
        if (rows.length === 0) return [];
        const now = deps.clock.now();
        await deps.db.transaction(async (tx) => {
          if (kind === 'accounts') await upsertAccounts(tx, workspaceId, rows as AccountRow[], now);
          if (kind === 'products') await upsertProducts(tx, workspaceId, rows as ProductRow[], now);
          if (kind === 'content') await upsertContent(tx, workspaceId, rows as ContentRow[], now);
        });
        return [];
      },
    };
  }
}

/** Ingestion names the field at fault first ("timestamp: Invalid ISO datetime"), when there is one. */
function fieldOfReason(reason: string): { column: string; reason: string } {
  const match = /^([\w.[\]]+): (.+)$/s.exec(reason);
  return match ? { column: match[1]!, reason: match[2]! } : { column: '', reason };
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
