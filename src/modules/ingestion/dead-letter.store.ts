import type { Queryable } from '../../platform/db/database.ts';

export interface DeadLetter {
  deadLetterId: string;
  receivedAt: Date;
  reason: string;
  message: unknown;
  replayedAt: Date | null;
}

interface DeadLetterRow {
  dead_letter_id: string;
  received_at: Date;
  reason: string;
  message: unknown;
  replayed_at: Date | null;
}

const COLUMNS = 'dead_letter_id, received_at, reason, message, replayed_at';

function toDeadLetter(row: DeadLetterRow): DeadLetter {
  return {
    deadLetterId: row.dead_letter_id,
    receivedAt: row.received_at,
    reason: row.reason,
    message: row.message,
    replayedAt: row.replayed_at,
  };
}

export async function findDeadLetters(
  db: Queryable,
  workspaceId: number,
  limit: number,
): Promise<DeadLetter[]> {
  const rows = await db.query<DeadLetterRow>(
    `SELECT ${COLUMNS} FROM dead_letters WHERE workspace_id = $1 ORDER BY received_at DESC, dead_letter_id LIMIT $2`,
    [workspaceId, limit],
  );
  return rows.map(toDeadLetter);
}

export async function findDeadLetter(
  db: Queryable,
  workspaceId: number,
  deadLetterId: string,
): Promise<DeadLetter | null> {
  const [row] = await db.query<DeadLetterRow>(
    `SELECT ${COLUMNS} FROM dead_letters WHERE workspace_id = $1 AND dead_letter_id = $2`,
    [workspaceId, deadLetterId],
  );
  return row ? toDeadLetter(row) : null;
}

export async function markReplayed(
  db: Queryable,
  workspaceId: number,
  deadLetterId: string,
  at: Date,
): Promise<void> {
  await db.query('UPDATE dead_letters SET replayed_at = $3 WHERE workspace_id = $1 AND dead_letter_id = $2', [
    workspaceId,
    deadLetterId,
    at,
  ]);
}
