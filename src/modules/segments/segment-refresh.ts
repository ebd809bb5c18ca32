/**
 * One refresh of a saved segment, in one transaction: the members its rules select now are staged; those
 * no longer selected are deleted and the new ones inserted (anti-joins, fast on both engines); the size is
 * added to its history; and, when the segment has a webhook, the joins and leaves are queued as deliveries
 * of at most DELIVERY_SIZE customers each. A refresh that fails leaves the previous members as they were.
 */
import type { Queryable } from '../../platform/db/database.ts';

export const DELIVERY_SIZE = 1000;

export interface RefreshedMembers {
  members: number;
  joined: number;
  left: number;
  deliveries: number;
}

interface Changed {
  customer_id: number;
  user_id: string | null;
  email: string | null;
}

export async function refreshSegmentMembers(
  tx: Queryable,
  segment: { workspaceId: number; segmentId: number; slug: string; name: string; webhookUrl: string | null },
  members: { sql: string; params: unknown[] },
  now: Date,
): Promise<RefreshedMembers> {
  const { workspaceId, segmentId } = segment;
  const keys = [workspaceId, segmentId];
  await tx.query('DELETE FROM segment_staging WHERE workspace_id = $1 AND segment_id = $2', keys);
  // The segment id is an integer read from the database; the members' SQL binds the workspace as $1.
  await tx.query(
    `INSERT INTO segment_staging (workspace_id, segment_id, customer_id)
     SELECT $1, ${Number(segmentId)}, customer_id FROM (${members.sql}) AS selected`,
    members.params,
  );
  const notStored = `NOT EXISTS (SELECT 1 FROM segment_members m WHERE m.workspace_id = $1 AND m.segment_id = $2 AND m.customer_id = s.customer_id)`;
  const notStaged = `NOT EXISTS (SELECT 1 FROM segment_staging s WHERE s.workspace_id = $1 AND s.segment_id = $2 AND s.customer_id = m.customer_id)`;
  const webhook = segment.webhookUrl !== null;
  // A webhook needs the leavers' identities, read before they are deleted.
  const leavers = webhook ? await withIdentities(tx, 'segment_members m', notStaged, keys) : [];
  const left = await tx.query<{ customer_id: number }>(
    `DELETE FROM segment_members m WHERE m.workspace_id = $1 AND m.segment_id = $2 AND ${notStaged}
     RETURNING m.customer_id`,
    keys,
  );
  const joined = await tx.query<{ customer_id: number }>(
    `INSERT INTO segment_members (workspace_id, segment_id, customer_id, joined_at)
     SELECT s.workspace_id, s.segment_id, s.customer_id, $3 FROM segment_staging s
     WHERE s.workspace_id = $1 AND s.segment_id = $2 AND ${notStored}
     RETURNING customer_id`,
    [...keys, now],
  );
  // Those who joined are the members whose joined_at is this refresh's.
  const joiners = webhook
    ? await withIdentities(tx, 'segment_members m', 'm.joined_at = $3', [...keys, now])
    : [];
  await tx.query('DELETE FROM segment_staging WHERE workspace_id = $1 AND segment_id = $2', keys);
  const [count] = await tx.query<{ n: number }>(
    'SELECT count(*) AS n FROM segment_members WHERE workspace_id = $1 AND segment_id = $2',
    keys,
  );
  const size = Number(count!.n);
  await tx.query(
    `INSERT INTO segment_sizes (workspace_id, segment_id, refreshed_at, members, joined, left_segment)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [...keys, now, size, joined.length, left.length],
  );
  await tx.query(
    'UPDATE segments SET members = $3, refreshed_at = $4 WHERE workspace_id = $1 AND segment_id = $2',
    [...keys, size, now],
  );
  const deliveries = webhook ? await queueDeliveries(tx, segment, joiners, leavers, now) : 0;
  return { members: size, joined: joined.length, left: left.length, deliveries };
}

/** The customers of `from` the condition keeps, with the identities a receiving system matches them by. */
function withIdentities(
  tx: Queryable,
  from: string,
  condition: string,
  params: unknown[],
): Promise<Changed[]> {
  const alias = from.split(' ')[1]!;
  return tx.query<Changed>(
    `SELECT ${alias}.customer_id,
       min(CASE WHEN i.kind = 'user' THEN i.value END) AS user_id,
       min(CASE WHEN i.kind = 'email' THEN i.value END) AS email
     FROM ${from}
     LEFT JOIN identities i ON i.workspace_id = ${alias}.workspace_id AND i.customer_id = ${alias}.customer_id
       AND i.kind IN ('user', 'email')
     WHERE ${alias}.workspace_id = $1 AND ${alias}.segment_id = $2 AND ${condition}
     GROUP BY ${alias}.customer_id
     ORDER BY ${alias}.customer_id`,
    params,
  );
}

async function queueDeliveries(
  tx: Queryable,
  segment: { workspaceId: number; segmentId: number; slug: string; name: string; webhookUrl: string | null },
  joined: Changed[],
  left: Changed[],
  now: Date,
): Promise<number> {
  const changes = [
    ...joined.map((row) => ({ change: 'joined' as const, row })),
    ...left.map((row) => ({ change: 'left' as const, row })),
  ];
  let deliveries = 0;
  for (let start = 0; start < changes.length; start += DELIVERY_SIZE) {
    const part = changes.slice(start, start + DELIVERY_SIZE);
    const customers = (change: 'joined' | 'left') =>
      part
        .filter((item) => item.change === change)
        .map(({ row }) => ({ customerId: row.customer_id, userId: row.user_id, email: row.email }));
    const payload = {
      segment: { slug: segment.slug, name: segment.name },
      refreshedAt: now.toISOString(),
      joined: customers('joined'),
      left: customers('left'),
    };
    await tx.query(
      `INSERT INTO segment_deliveries (workspace_id, segment_id, url, payload, customers, status, attempts,
         next_attempt_at, created_at)
       VALUES ($1, $2, $3, CAST($4 AS JSON), $5, 'pending', 0, $6, $6)`,
      [segment.workspaceId, segment.segmentId, segment.webhookUrl, JSON.stringify(payload), part.length, now],
    );
    deliveries += 1;
  }
  return deliveries;
}
