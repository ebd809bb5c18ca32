/**
 * B2B reads: each account's members with their stage (an account stands where its furthest member stands),
 * and B2B against B2C on the path to a first purchase.
 */
import type { Queryable } from '../../platform/db/database.ts';
import { daysBetween } from '../../platform/db/portable-sql.ts';
import type { Stage } from './lifecycle.schema.ts';

export interface MemberRow {
  account_id: number;
  account_name: string | null;
  external_id: string | null;
  customer_id: number;
  buying_role: string | null;
  stage: Stage | null;
  last_seen_at: Date | null;
}

/** The members of a page of accounts (ordered by id). */
export async function queryAccountMembers(
  db: Queryable,
  workspaceId: number,
  page: { limit: number; offset: number },
): Promise<MemberRow[]> {
  return db.query<MemberRow>(
    `SELECT a.account_id, a.name AS account_name, a.external_id, m.customer_id, m.buying_role, l.stage, l.last_seen_at
     FROM accounts a
     JOIN (SELECT account_id FROM accounts WHERE workspace_id = $1 ORDER BY account_id LIMIT $2 OFFSET $3) AS chosen
       ON chosen.account_id = a.account_id
     JOIN account_memberships m ON m.workspace_id = a.workspace_id AND m.account_id = a.account_id
     LEFT JOIN customer_lifecycle l ON l.workspace_id = m.workspace_id AND l.customer_id = m.customer_id
     WHERE a.workspace_id = $1
     ORDER BY a.account_id, m.customer_id`,
    [workspaceId, page.limit, page.offset],
  );
}

export interface CommitteeMemberRow extends MemberRow {
  title: string | null;
  /** An email the member is known by (the first in order), to tell the members apart. */
  email: string | null;
}

/** One account's members, ordered by customer id: role, title, stage and an email each. */
export async function queryCommitteeMembers(
  db: Queryable,
  workspaceId: number,
  accountId: number,
): Promise<CommitteeMemberRow[]> {
  return db.query<CommitteeMemberRow>(
    `SELECT a.account_id, a.name AS account_name, a.external_id, m.customer_id, m.buying_role, m.title,
       l.stage, l.last_seen_at,
       (SELECT min(i.value) FROM identities i
        WHERE i.workspace_id = m.workspace_id AND i.customer_id = m.customer_id AND i.kind = 'email') AS email
     FROM accounts a
     JOIN account_memberships m ON m.workspace_id = a.workspace_id AND m.account_id = a.account_id
     LEFT JOIN customer_lifecycle l ON l.workspace_id = m.workspace_id AND l.customer_id = m.customer_id
     WHERE a.workspace_id = $1 AND a.account_id = $2
     ORDER BY m.customer_id`,
    [workspaceId, accountId],
  );
}

export async function countAccounts(db: Queryable, workspaceId: number): Promise<number> {
  const [row] = await db.query<{ n: number }>('SELECT count(*) AS n FROM accounts WHERE workspace_id = $1', [
    workspaceId,
  ]);
  return row?.n ?? 0;
}

export interface PathToPurchaseRow {
  segment: 'b2b' | 'b2c';
  buyers: number;
  mean_days: number | null;
  median_days: number | null;
  p90_days: number | null;
  mean_touches: number | null;
  median_touches: number | null;
  touches: number | null;
  info_touches: number | null;
}

const DAYS_TO_PURCHASE = daysBetween('l.awareness_at', 'l.action_at');

/** Per segment, over the customers who bought: days and touchpoints from first touch to first purchase. */
export async function queryPathToPurchaseBySegment(
  db: Queryable,
  workspaceId: number,
): Promise<PathToPurchaseRow[]> {
  return db.query<PathToPurchaseRow>(
    `SELECT CASE WHEN b2b.customer_id IS NULL THEN 'b2c' ELSE 'b2b' END AS segment,
       count(*) AS buyers,
       CAST(avg(${DAYS_TO_PURCHASE}) AS DOUBLE PRECISION) AS mean_days,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY ${DAYS_TO_PURCHASE}) AS median_days,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY ${DAYS_TO_PURCHASE}) AS p90_days,
       CAST(avg(l.touches_before_action) AS DOUBLE PRECISION) AS mean_touches,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY l.touches_before_action) AS median_touches,
       CAST(sum(l.touches_before_action) AS BIGINT) AS touches,
       CAST(sum(l.info_touches_before_action) AS BIGINT) AS info_touches
     FROM customer_lifecycle l
     LEFT JOIN (SELECT DISTINCT customer_id FROM account_memberships WHERE workspace_id = $1) AS b2b
       ON b2b.customer_id = l.customer_id
     WHERE l.workspace_id = $1 AND l.action_at IS NOT NULL
     GROUP BY CASE WHEN b2b.customer_id IS NULL THEN 'b2c' ELSE 'b2b' END
     ORDER BY segment`,
    [workspaceId],
  );
}

/** B2B: the members who entered the funnel, on average over the accounts where someone bought. */
export async function engagedMembersPerBuyingAccount(
  db: Queryable,
  workspaceId: number,
): Promise<number | null> {
  const [row] = await db.query<{ people: number | null }>(
    `SELECT CAST(avg(engaged) AS DOUBLE PRECISION) AS people FROM (
       SELECT m.account_id, count(l.customer_id) AS engaged
       FROM account_memberships m
       JOIN customer_lifecycle l ON l.workspace_id = m.workspace_id AND l.customer_id = m.customer_id
       WHERE m.workspace_id = $1
       GROUP BY m.account_id
       HAVING count(l.action_at) > 0
     ) AS buying_accounts`,
    [workspaceId],
  );
  return row?.people ?? null;
}
