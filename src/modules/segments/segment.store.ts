/** Saved segments and what their refreshes left: members, sizes over time, webhook deliveries (migration 0006). */
import type { Queryable } from '../../platform/db/database.ts';
import type { Delivery, Member, Segment, SegmentInput, SizeHistory } from './segment.schema.ts';

interface SegmentRow {
  segment_id: number;
  slug: string;
  name: string;
  description: string | null;
  rules: string | object;
  webhook_url: string | null;
  refresh_minutes: number;
  members: number | null;
  refreshed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const SEGMENT_COLUMNS =
  'segment_id, slug, name, description, rules, webhook_url, refresh_minutes, members, refreshed_at, created_at, updated_at';

/** JSON comes back parsed from PostgreSQL and as text from DuckDB. */
export const parseJson = (value: string | object): unknown =>
  typeof value === 'string' ? JSON.parse(value) : value;

const toSegment = (row: SegmentRow): Segment => ({
  segmentId: row.segment_id,
  slug: row.slug,
  name: row.name,
  description: row.description,
  rules: parseJson(row.rules),
  webhookUrl: row.webhook_url,
  refreshMinutes: row.refresh_minutes,
  members: row.members,
  refreshedAt: row.refreshed_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export async function listSegments(db: Queryable, workspaceId: number): Promise<Segment[]> {
  const rows = await db.query<SegmentRow>(
    `SELECT ${SEGMENT_COLUMNS} FROM segments WHERE workspace_id = $1 ORDER BY slug`,
    [workspaceId],
  );
  return rows.map(toSegment);
}

export async function findSegment(db: Queryable, workspaceId: number, slug: string): Promise<Segment | null> {
  const [row] = await db.query<SegmentRow>(
    `SELECT ${SEGMENT_COLUMNS} FROM segments WHERE workspace_id = $1 AND slug = $2`,
    [workspaceId, slug],
  );
  return row ? toSegment(row) : null;
}

/** Creates the segment, or replaces the definition of the one with this slug (its members stay until refreshed). */
export async function upsertSegment(
  db: Queryable,
  workspaceId: number,
  slug: string,
  input: SegmentInput,
  now: Date,
): Promise<Segment> {
  const [row] = await db.query<SegmentRow>(
    `INSERT INTO segments (workspace_id, slug, name, description, rules, webhook_url, refresh_minutes, created_at, updated_at)
     VALUES ($1, $2, $3, $4, CAST($5 AS JSON), $6, $7, $8, $8)
     ON CONFLICT (workspace_id, slug) DO UPDATE SET name = excluded.name, description = excluded.description,
       rules = excluded.rules, webhook_url = excluded.webhook_url, refresh_minutes = excluded.refresh_minutes,
       updated_at = excluded.updated_at
     RETURNING ${SEGMENT_COLUMNS}`,
    [
      workspaceId,
      slug,
      input.name,
      input.description ?? null,
      JSON.stringify(input.rules),
      input.webhookUrl ?? null,
      input.refreshMinutes,
      now,
    ],
  );
  return toSegment(row!);
}

/** Deletes the segment with its members and history; pending deliveries are kept in the log as failed. */
export async function deleteSegment(db: Queryable, workspaceId: number, segmentId: number): Promise<void> {
  for (const table of ['segment_members', 'segment_staging', 'segment_sizes'])
    await db.query(`DELETE FROM ${table} WHERE workspace_id = $1 AND segment_id = $2`, [
      workspaceId,
      segmentId,
    ]);
  await db.query(
    `UPDATE segment_deliveries SET status = 'failed', last_error = 'the segment was deleted'
     WHERE workspace_id = $1 AND segment_id = $2 AND status = 'pending'`,
    [workspaceId, segmentId],
  );
  await db.query('DELETE FROM segments WHERE workspace_id = $1 AND segment_id = $2', [
    workspaceId,
    segmentId,
  ]);
}

/** Who the customers are, for lists: their user id, email and lifecycle stage. */
export async function describeMembers(
  db: Queryable,
  workspaceId: number,
  customerIds: number[],
): Promise<Map<number, Member>> {
  if (customerIds.length === 0) return new Map();
  // Ids are integers read from the database, safe to write into the statement.
  const rows = await db.query<{
    customer_id: number;
    user_id: string | null;
    email: string | null;
    stage: string | null;
  }>(
    `SELECT c.customer_id, l.stage,
       (SELECT min(i.value) FROM identities i WHERE i.workspace_id = c.workspace_id AND i.customer_id = c.customer_id AND i.kind = 'user') AS user_id,
       (SELECT min(i.value) FROM identities i WHERE i.workspace_id = c.workspace_id AND i.customer_id = c.customer_id AND i.kind = 'email') AS email
     FROM customers c
     LEFT JOIN customer_lifecycle l ON l.workspace_id = c.workspace_id AND l.customer_id = c.customer_id
     WHERE c.workspace_id = $1 AND c.customer_id IN (${customerIds.join(', ')})`,
    [workspaceId],
  );
  return new Map(
    rows.map((row) => [
      row.customer_id,
      { customerId: row.customer_id, userId: row.user_id, email: row.email, stage: row.stage },
    ]),
  );
}

export async function queryStoredMembers(
  db: Queryable,
  workspaceId: number,
  segmentId: number,
  page: { limit: number; offset: number },
): Promise<Array<{ customerId: number; joinedAt: Date }>> {
  const rows = await db.query<{ customer_id: number; joined_at: Date }>(
    `SELECT customer_id, joined_at FROM segment_members WHERE workspace_id = $1 AND segment_id = $2
     ORDER BY customer_id LIMIT $3 OFFSET $4`,
    [workspaceId, segmentId, page.limit, page.offset],
  );
  return rows.map((row) => ({ customerId: row.customer_id, joinedAt: row.joined_at }));
}

/** Every member, in order of customer id, a batch at a time (for exports). */
export async function* streamStoredMembers(
  db: Queryable,
  workspaceId: number,
  segmentId: number,
  batch = 5000,
): AsyncGenerator<Array<{ customerId: number; joinedAt: Date }>> {
  for (let after = 0; ; ) {
    const rows = await db.query<{ customer_id: number; joined_at: Date }>(
      `SELECT customer_id, joined_at FROM segment_members
       WHERE workspace_id = $1 AND segment_id = $2 AND customer_id > $3
       ORDER BY customer_id LIMIT $4`,
      [workspaceId, segmentId, after, batch],
    );
    if (rows.length === 0) return;
    yield rows.map((row) => ({ customerId: row.customer_id, joinedAt: row.joined_at }));
    after = rows[rows.length - 1]!.customer_id;
  }
}

export async function querySizeHistory(
  db: Queryable,
  workspaceId: number,
  segmentId: number,
): Promise<SizeHistory> {
  const rows = await db.query<{ refreshed_at: Date; members: number; joined: number; left_segment: number }>(
    `SELECT refreshed_at, members, joined, left_segment FROM segment_sizes
     WHERE workspace_id = $1 AND segment_id = $2 ORDER BY refreshed_at`,
    [workspaceId, segmentId],
  );
  return {
    sizes: rows.map((row) => ({
      refreshedAt: row.refreshed_at,
      members: row.members,
      joined: row.joined,
      left: row.left_segment,
    })),
  };
}

export async function listDeliveries(
  db: Queryable,
  workspaceId: number,
  segmentId: number,
  limit: number,
): Promise<Delivery[]> {
  const rows = await db.query<{
    delivery_id: number;
    url: string;
    customers: number;
    status: Delivery['status'];
    attempts: number;
    next_attempt_at: Date;
    last_status: number | null;
    last_error: string | null;
    created_at: Date;
    delivered_at: Date | null;
  }>(
    `SELECT delivery_id, url, customers, status, attempts, next_attempt_at, last_status, last_error, created_at, delivered_at
     FROM segment_deliveries WHERE workspace_id = $1 AND segment_id = $2 ORDER BY delivery_id DESC LIMIT $3`,
    [workspaceId, segmentId, limit],
  );
  return rows.map((row) => ({
    deliveryId: row.delivery_id,
    url: row.url,
    customers: row.customers,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastStatus: row.last_status,
    lastError: row.last_error,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
  }));
}
