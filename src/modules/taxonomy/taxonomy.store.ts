import type { Queryable } from '../../platform/db/database.ts';
import { DEFAULT_TAXONOMY } from './default-taxonomy.ts';
import type { Occurrence, TaxonomyRule, TaxonomyRuleInput, TaxonomyRuleKey } from './taxonomy.schema.ts';

interface TaxonomyRow {
  event_name: string;
  occurrence: Occurrence;
  behavior: TaxonomyRule['behavior'];
  funnel_signal: TaxonomyRule['funnelSignal'];
  micro_moment: TaxonomyRule['microMoment'];
  is_default: boolean;
  updated_at: Date;
}

const COLUMNS = 'event_name, occurrence, behavior, funnel_signal, micro_moment, is_default, updated_at';

function toRule(row: TaxonomyRow): TaxonomyRule {
  return {
    eventName: row.event_name,
    occurrence: row.occurrence,
    behavior: row.behavior,
    funnelSignal: row.funnel_signal,
    microMoment: row.micro_moment,
    isDefault: row.is_default,
    updatedAt: row.updated_at,
  };
}

/** Replaces a workspace's taxonomy with the defaults. */
export async function resetTaxonomy(tx: Queryable, workspaceId: number, now: Date): Promise<void> {
  await tx.query('DELETE FROM event_taxonomy WHERE workspace_id = $1', [workspaceId]);
  for (const rule of DEFAULT_TAXONOMY) {
    await tx.query(
      `INSERT INTO event_taxonomy (workspace_id, ${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, true, $7)`,
      [workspaceId, rule.eventName, rule.occurrence, rule.behavior, rule.funnelSignal, rule.microMoment, now],
    );
  }
}

export async function listTaxonomy(db: Queryable, workspaceId: number): Promise<TaxonomyRule[]> {
  const rows = await db.query<TaxonomyRow>(
    `SELECT ${COLUMNS} FROM event_taxonomy WHERE workspace_id = $1 ORDER BY event_name, occurrence`,
    [workspaceId],
  );
  return rows.map(toRule);
}

export async function upsertTaxonomyRule(
  db: Queryable,
  workspaceId: number,
  key: TaxonomyRuleKey,
  input: TaxonomyRuleInput,
  now: Date,
): Promise<TaxonomyRule> {
  const [row] = await db.query<TaxonomyRow>(
    `INSERT INTO event_taxonomy (workspace_id, ${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, false, $7)
     ON CONFLICT (workspace_id, event_name, occurrence) DO UPDATE SET
       behavior = excluded.behavior, funnel_signal = excluded.funnel_signal,
       micro_moment = excluded.micro_moment, is_default = false, updated_at = excluded.updated_at
     RETURNING ${COLUMNS}`,
    [workspaceId, key.eventName, key.occurrence, input.behavior, input.funnelSignal, input.microMoment, now],
  );
  return toRule(row!);
}

/** Returns whether a rule was there to delete. */
export async function deleteTaxonomyRule(
  db: Queryable,
  workspaceId: number,
  key: TaxonomyRuleKey,
): Promise<boolean> {
  const deleted = await db.query(
    `DELETE FROM event_taxonomy WHERE workspace_id = $1 AND event_name = $2 AND occurrence = $3 RETURNING event_name`,
    [workspaceId, key.eventName, key.occurrence],
  );
  return deleted.length > 0;
}
