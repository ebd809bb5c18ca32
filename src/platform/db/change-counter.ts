/**
 * Counts the statements that may have changed data, so that an answer computed from the database can be kept
 * until the data changes (platform/http/answer-cache.ts). A statement counts once it has finished, whether it
 * succeeded or not: an answer read while a change was under way sees the count move and is not kept.
 */
import type { AppendRows, Database, EngineDatabase, NumberMatrix, Row, Transaction } from './database.ts';

/** Statements that only read: SELECT and friends, and a WITH that does not end in a change (PostgreSQL allows one). */
export function onlyReads(sql: string): boolean {
  const text = sql.replace(/^(\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)+/, '');
  const first = /^[a-z]+/i.exec(text)?.[0]?.toUpperCase();
  if (first === 'WITH') return !/\b(INSERT|UPDATE|DELETE|MERGE)\b/i.test(text);
  return (
    first === 'SELECT' ||
    first === 'VALUES' ||
    first === 'SHOW' ||
    first === 'EXPLAIN' ||
    first === 'DESCRIBE'
  );
}

/** Tables of who may sign in and with what, which no analysis reads (Database.dataChanges). */
const ACCESS_TABLES = new Set(['users', 'user_sessions', 'sign_in_failures', 'api_keys']);

/** Whether a statement writes only to a table of ACCESS_TABLES: a plain INSERT, UPDATE or DELETE of one. */
export function changesAccessOnly(sql: string): boolean {
  const written = /^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+([a-z_]+)\b/i.exec(sql)?.[1];
  return written !== undefined && ACCESS_TABLES.has(written.toLowerCase());
}

export function countChanges(engine: EngineDatabase): Database {
  let changes = 0;
  let dataChanges = 0;
  const counted = <T>(work: Promise<T>, data = true): Promise<T> =>
    work.finally(() => {
      changes++;
      if (data) dataChanges++;
    });
  return {
    engine: engine.engine,
    get changes() {
      return changes;
    },
    get dataChanges() {
      return dataChanges;
    },
    query<T extends object = Row>(sql: string, params?: readonly unknown[]): Promise<T[]> {
      const rows = engine.query<T>(sql, params);
      return onlyReads(sql) ? rows : counted(rows, !changesAccessOnly(sql));
    },
    queryMatrix: (sql: string, params?: readonly unknown[]): Promise<NumberMatrix> =>
      engine.queryMatrix(sql, params),
    exec: (sql: string) => counted(engine.exec(sql)),
    transaction: <T>(work: (tx: Transaction) => Promise<T>) => counted(engine.transaction(work)),
    append: (table: string, columns: readonly string[], rows: AppendRows) =>
      counted(engine.append(table, columns, rows), !ACCESS_TABLES.has(table)),
    close: () => engine.close(),
  };
}
