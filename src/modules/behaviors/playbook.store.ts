/** The playbook as a workspace edited it, and its tracked initiatives (migration 0010). */
import type { Queryable } from '../../platform/db/database.ts';
import type { Initiative, InitiativeInput, Strategy, StrategyInput } from './behaviors.schema.ts';
import { DEFAULT_PLAYBOOK } from './default-playbook.ts';

const parse = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;

/** The defaults, with the workspace's edits, removals and additions applied; in the defaults' order, then added by id. */
export async function listStrategies(db: Queryable, workspaceId: number): Promise<Strategy[]> {
  const rows = await db.query<{ strategy_id: string; definition: unknown; removed: boolean }>(
    'SELECT strategy_id, definition, removed FROM playbook_strategies WHERE workspace_id = $1 ORDER BY strategy_id',
    [workspaceId],
  );
  const edits = new Map(rows.map((row) => [row.strategy_id, row]));
  const strategies: Strategy[] = [];
  for (const [id, strategy] of Object.entries(DEFAULT_PLAYBOOK)) {
    const edit = edits.get(id);
    if (edit?.removed) continue;
    strategies.push(
      edit
        ? { id, origin: 'edited', ...parse<StrategyInput>(edit.definition) }
        : { id, origin: 'default', ...strategy },
    );
  }
  for (const row of rows)
    if (!(row.strategy_id in DEFAULT_PLAYBOOK) && !row.removed)
      strategies.push({ id: row.strategy_id, origin: 'added', ...parse<StrategyInput>(row.definition) });
  return strategies;
}

export async function saveStrategy(
  db: Queryable,
  workspaceId: number,
  id: string,
  strategy: StrategyInput,
  now: Date,
): Promise<void> {
  await db.query(
    `INSERT INTO playbook_strategies (workspace_id, strategy_id, definition, removed, updated_at)
     VALUES ($1, $2, CAST($3 AS JSON), FALSE, $4)
     ON CONFLICT (workspace_id, strategy_id) DO UPDATE SET definition = excluded.definition, removed = FALSE,
       updated_at = excluded.updated_at`,
    [workspaceId, id, JSON.stringify(strategy), now],
  );
}

/** A default strategy is hidden (a row says so); an added one is deleted. */
export async function removeStrategy(
  db: Queryable,
  workspaceId: number,
  id: string,
  now: Date,
): Promise<void> {
  if (id in DEFAULT_PLAYBOOK)
    await db.query(
      `INSERT INTO playbook_strategies (workspace_id, strategy_id, definition, removed, updated_at)
       VALUES ($1, $2, NULL, TRUE, $3)
       ON CONFLICT (workspace_id, strategy_id) DO UPDATE SET definition = NULL, removed = TRUE, updated_at = excluded.updated_at`,
      [workspaceId, id, now],
    );
  else
    await db.query('DELETE FROM playbook_strategies WHERE workspace_id = $1 AND strategy_id = $2', [
      workspaceId,
      id,
    ]);
}

type InitiativeRow = Omit<Initiative, 'before' | 'after' | 'days'>;

export async function insertInitiative(
  db: Queryable,
  workspaceId: number,
  strategy: Strategy,
  input: InitiativeInput,
  now: Date,
): Promise<number> {
  const [row] = await db.query<{ initiative_id: number }>(
    `INSERT INTO behavior_initiatives (workspace_id, strategy_id, behavior, kpi, started_at, ended_at, note, created_at)
     VALUES ($1, $2, $3, CAST($4 AS JSON), $5, $6, $7, $8) RETURNING initiative_id`,
    [
      workspaceId,
      strategy.id,
      strategy.behavior,
      JSON.stringify(strategy.kpi),
      input.startedAt ?? now,
      input.endedAt ?? null,
      input.note ?? null,
      now,
    ],
  );
  return Number(row!.initiative_id);
}

export async function listInitiatives(db: Queryable, workspaceId: number): Promise<InitiativeRow[]> {
  const rows = await db.query<{
    initiative_id: number;
    strategy_id: string;
    behavior: Initiative['behavior'];
    kpi: unknown;
    started_at: Date;
    ended_at: Date | null;
    note: string | null;
  }>(
    `SELECT initiative_id, strategy_id, behavior, kpi, started_at, ended_at, note FROM behavior_initiatives
     WHERE workspace_id = $1 ORDER BY started_at, initiative_id`,
    [workspaceId],
  );
  return rows.map((row) => ({
    initiativeId: Number(row.initiative_id),
    strategyId: row.strategy_id,
    behavior: row.behavior,
    kpi: parse<Initiative['kpi']>(row.kpi),
    startedAt: new Date(row.started_at),
    endedAt: row.ended_at ? new Date(row.ended_at) : null,
    note: row.note,
  }));
}
