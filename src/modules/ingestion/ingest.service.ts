/**
 * Takes tracking messages in: validates and classifies each, and hands the valid ones to the database's
 * writer (ingest-writer.ts). A refused message never stops the others; it is answered by index and kept
 * in the dead-letter list.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { type DeadLetter, findDeadLetter, findDeadLetters, markReplayed } from './dead-letter.store.ts';
import { type IngestDeps, writerFor } from './ingest-writer.ts';
import { type Envelope, type NormalizedMessage, normalizeMessage } from './normalize-message.ts';
import { createTouchpointRulesService } from './touchpoint-rules.service.ts';

export { BUYING_ROLES } from './ingest-writer.ts';

export interface IngestResult {
  /** Messages stored now or already stored by an earlier try. */
  accepted: number;
  rejected: Array<{ index: number; reason: string }>;
}

export type IngestService = ReturnType<typeof createIngestService>;

export function createIngestService(deps: IngestDeps) {
  const { db } = deps;
  const touchpointRules = deps.touchpointRules ?? createTouchpointRulesService(deps);
  const writer = writerFor(deps);

  const service = {
    /** Stores what is valid; refused messages are answered and, unless told otherwise, kept as dead letters. */
    async ingest(
      workspaceId: number,
      raws: readonly unknown[],
      batch: Omit<Envelope, 'receivedAt'> = {},
      { keepRefused = true } = {},
    ): Promise<IngestResult> {
      const envelope: Envelope = {
        ...batch,
        receivedAt: deps.clock.now(),
        rules: await touchpointRules.compiledFor(workspaceId),
      };
      const rejected: IngestResult['rejected'] = [];
      const valid: Array<{ index: number; message: NormalizedMessage }> = [];
      raws.forEach((raw, index) => {
        const result = normalizeMessage(raw, envelope);
        if (result.ok) valid.push({ index, message: result.message });
        else rejected.push({ index, reason: result.reason });
      });
      const refused = await writer.write(
        workspaceId,
        valid.map((entry) => entry.message),
      );
      for (const { position, reason } of refused) rejected.push({ index: valid[position]!.index, reason });
      rejected.sort((a, b) => a.index - b.index);
      if (keepRefused) await keepDeadLetters(db, workspaceId, envelope.receivedAt, rejected, raws);
      return { accepted: raws.length - rejected.length, rejected };
    },

    /**
     * Stores messages normalised elsewhere (an import prepares them on a worker thread); answers the
     * refused ones by position.
     */
    storeNormalized(workspaceId: number, messages: NormalizedMessage[]) {
      return writer.write(workspaceId, messages);
    },

    /** The rules that classify this workspace's touchpoints. */
    touchpointRules,

    /** Waits until everything taken in so far is written: before the database closes. */
    idle: () => writer.idle(),

    listDeadLetters(workspaceId: number, limit: number): Promise<DeadLetter[]> {
      return findDeadLetters(db, workspaceId, limit);
    },

    /**
     * Sends a dead letter through ingestion again, as it was or as corrected by the admin. Stored: it is
     * marked replayed. Refused again: it stays as it was, and the answer says why.
     */
    async replayDeadLetter(
      workspaceId: number,
      deadLetterId: string,
      correction?: unknown,
    ): Promise<IngestResult> {
      const letter = await findDeadLetter(db, workspaceId, deadLetterId);
      if (!letter)
        throw new AppError('NOT_FOUND', `There is no dead letter ${deadLetterId} in this workspace.`);
      if (letter.replayedAt)
        throw new AppError('CONFLICT', `Dead letter ${deadLetterId} was replayed already.`);
      const result = await service.ingest(
        workspaceId,
        [correction ?? letter.message],
        {},
        { keepRefused: false },
      );
      if (result.accepted === 1) await markReplayed(db, workspaceId, deadLetterId, deps.clock.now());
      return result;
    },
  };
  return service;
}

async function keepDeadLetters(
  db: Database,
  workspaceId: number,
  receivedAt: Date,
  rejected: IngestResult['rejected'],
  raws: readonly unknown[],
): Promise<void> {
  if (rejected.length === 0) return;
  await db.append(
    'dead_letters',
    ['workspace_id', 'dead_letter_id', 'received_at', 'reason', 'message', 'replayed_at'],
    rejected.map(({ index, reason }) => [
      workspaceId,
      randomUUID(),
      receivedAt,
      reason,
      JSON.stringify(raws[index] ?? null),
      null,
    ]),
  );
}
