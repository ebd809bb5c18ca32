/**
 * Statements over many rows, written in slices so that a large batch stays within the engines' parameter
 * limits: INSERT … VALUES, and UPDATE … FROM (VALUES …) for changing many rows in one statement each.
 */
import type { Queryable } from './database.ts';

const ROWS_PER_STATEMENT = 200;

/** `sqlHead` VALUES (…), (…) `sqlTail`. */
export async function insertRows(
  db: Queryable,
  sqlHead: string,
  sqlTail: string,
  rows: readonly unknown[][],
): Promise<void> {
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const params: unknown[] = [];
    const tuples = rows.slice(start, start + ROWS_PER_STATEMENT).map((row) => {
      const placeholders = row.map((value) => {
        params.push(value);
        return `$${params.length}`;
      });
      return `(${placeholders.join(', ')})`;
    });
    await db.query(`${sqlHead} VALUES ${tuples.join(', ')} ${sqlTail}`, params);
  }
}

/**
 * UPDATE `table` SET `set` FROM (VALUES …) AS changed(columns) WHERE workspace_id = $1 AND `match`. Each
 * value is cast to its column's type, as a VALUES list gives PostgreSQL no other way to know it.
 */
export async function updateRows(
  db: Queryable,
  workspaceId: number,
  statement: {
    table: string;
    columns: ReadonlyArray<[name: string, type: string]>;
    set: string;
    match: string;
  },
  rows: readonly unknown[][],
): Promise<void> {
  const names = statement.columns.map(([name]) => name).join(', ');
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const params: unknown[] = [workspaceId];
    const tuples = rows.slice(start, start + ROWS_PER_STATEMENT).map((row) => {
      const casts = row.map((value, index) => {
        params.push(value);
        return `CAST($${params.length} AS ${statement.columns[index]![1]})`;
      });
      return `(${casts.join(', ')})`;
    });
    await db.query(
      `UPDATE ${statement.table} SET ${statement.set}
         FROM (VALUES ${tuples.join(', ')}) AS changed(${names})
        WHERE ${statement.table}.workspace_id = $1 AND ${statement.match}`,
      params,
    );
  }
}
