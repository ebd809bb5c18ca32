/** Event names a query asks for, checked against the events the workspace has. */
import type { Queryable } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors/app-error.ts';

/** A name no event ever had is a typo far more often than a question meant to have no answer: 400. */
export async function refuseUnknownEvents(
  db: Queryable,
  workspaceId: number,
  named: { name: string; field: string }[],
): Promise<void> {
  const found = await Promise.all(
    named.map(async ({ name }) => {
      const rows = await db.query(
        'SELECT 1 AS found FROM events WHERE workspace_id = $1 AND name = $2 LIMIT 1',
        [workspaceId, name],
      );
      return rows.length > 0;
    }),
  );
  const missing = named.find((_, index) => !found[index]);
  if (!missing) return;
  const alike = await db.query<{ name: string }>(
    'SELECT DISTINCT name FROM events WHERE workspace_id = $1 AND lower(name) = lower($2) LIMIT 3',
    [workspaceId, missing.name],
  );
  const hint = alike.length
    ? ` Event names are case-sensitive: did you mean ${alike.map((row) => `"${row.name}"`).join(' or ')}?`
    : ' Check the spelling against the names in GET /api/events, e.g. "Product Viewed".';
  throw new AppError(
    'INVALID_INPUT',
    `${missing.field}: no event is named "${missing.name}" in this workspace.${hint}`,
    {
      details: { field: missing.field },
    },
  );
}
