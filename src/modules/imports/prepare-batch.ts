/**
 * The CPU half of an import: a batch of read records turned into normalised tracking messages or checked
 * catalogue rows, with a problem for each line that cannot be imported. Pure and made of plain data, so
 * that it can run on a worker thread while the main thread writes the previous batch.
 */
import { type CompiledRules, type NormalizedMessage, normalizeMessage } from '../ingestion/index.ts';
import { type ImportKind, MESSAGE_KINDS, ROW_SCHEMAS, type RowKind } from './import-kinds.ts';
import { isProblem, type LineProblem, type ReadItem } from './read-records.ts';

export interface PreparedBatch {
  /** Records read, good or not. */
  rows: number;
  lastLine: number;
  problems: LineProblem[];
  /** Message kinds: the messages, and the file line of each. */
  messages: NormalizedMessage[];
  messageLines: number[];
  /** Catalogue kinds: the checked rows. */
  catalogue: unknown[];
  /** Bytes of the file read so far, when the reader knows. */
  bytesRead?: number;
}

export function prepareBatch(
  kind: ImportKind,
  batch: readonly ReadItem[],
  context: { receivedAt: Date; rules: CompiledRules },
): PreparedBatch {
  const prepared: PreparedBatch = {
    rows: batch.length,
    lastLine: batch.at(-1)?.line ?? 0,
    problems: [],
    messages: [],
    messageLines: [],
    catalogue: [],
  };
  const messageKind = MESSAGE_KINDS[kind];
  const envelope = {
    receivedAt: context.receivedAt,
    origin: 'import' as const,
    recordEvent: messageKind?.recordEvent ?? false,
    rules: context.rules,
  };
  const schema = messageKind ? null : ROW_SCHEMAS[kind as RowKind];
  for (const item of batch) {
    if (isProblem(item)) {
      prepared.problems.push(item);
      continue;
    }
    const { line, record } = item;
    if (schema) {
      const parsed = schema.safeParse(record);
      if (parsed.success) prepared.catalogue.push(parsed.data);
      else {
        const issue = parsed.error.issues[0]!;
        prepared.problems.push({ line, column: String(issue.path[0] ?? ''), reason: issue.message });
      }
      continue;
    }
    const converted = messageKind!.convert(record);
    if ('reason' in converted) {
      prepared.problems.push({ line, column: converted.field, reason: converted.reason });
      continue;
    }
    for (const raw of converted.messages) {
      const normalized = normalizeMessage(raw, envelope);
      if (normalized.ok) {
        prepared.messages.push(normalized.message);
        prepared.messageLines.push(line);
      } else prepared.problems.push({ line, ...fieldOfReason(normalized.reason) });
    }
  }
  return prepared;
}

/** Ingestion names the field at fault first ("timestamp: Invalid ISO datetime"), when there is one. */
export function fieldOfReason(reason: string): { column: string; reason: string } {
  const match = /^([\w.[\]]+): (.+)$/s.exec(reason);
  return match ? { column: match[1]!, reason: match[2]! } : { column: '', reason };
}
