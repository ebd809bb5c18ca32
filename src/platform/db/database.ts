/**
 * The storage interface every module uses: one SQL text with `$1` parameters for both engines,
 * and values in one JS shape whichever engine answered (see docs/architecture.md).
 *
 * Value shape of rows read back:
 *   integers of any width and NUMERIC/DECIMAL → number; TIMESTAMP → Date (stored as UTC);
 *   DATE → 'YYYY-MM-DD' string; JSON → parsed value; arrays → JS arrays; NULL → null.
 * Parameters accept the same shapes; a plain object or array given for a JSON column is serialised by the caller
 * with `JSON.stringify` (arrays as parameters bind as SQL lists).
 */
import { AppError, messageOf } from '../errors/app-error.ts';

export type Engine = 'duckdb' | 'postgres';

export type Row = Record<string, unknown>;

export interface Queryable {
  /** Runs one statement with positional `$1…$n` parameters and returns its rows. */
  query<T extends object = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a script of one or more statements without parameters (DDL, migrations). */
  exec(sql: string): Promise<void>;
}

/** Rows for a bulk append: each row holds one value per named column, in the same order. */
export type AppendRows = Iterable<readonly unknown[]> | AsyncIterable<readonly unknown[]>;

export interface Transaction extends Queryable {
  /** Database.append, inside this transaction. */
  append(table: string, columns: readonly string[], rows: AppendRows): Promise<number>;
}

/** A numeric result as one row-major array: `rows × columns.length` values, NULL as NaN. */
export interface NumberMatrix {
  columns: string[];
  rows: number;
  values: Float64Array;
}

/** Column `offset` of a matrix, written into `array` (as long as the matrix has rows), which it returns. */
export function matrixColumn<T extends { [index: number]: number }>(
  matrix: NumberMatrix,
  offset: number,
  array: T,
): T {
  const width = matrix.columns.length;
  for (let i = 0; i < matrix.rows; i++) array[i] = matrix.values[i * width + offset]!;
  return array;
}

export interface Database extends Queryable {
  readonly engine: Engine;
  /**
   * Runs a query whose every column is a number (or NULL) and returns its rows as one typed array: for wide
   * numeric results (features for a model), where building an object per row costs more than the query.
   */
  queryMatrix(sql: string, params?: readonly unknown[]): Promise<NumberMatrix>;
  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  /**
   * Appends rows through the engine's fast path (DuckDB appender, PostgreSQL COPY), in a transaction of its own.
   * Name every column: one left out is NULL on DuckDB (its appender writes whole rows) but takes its DEFAULT
   * on PostgreSQL. Timestamps may be Dates or text JavaScript's Date can read. Returns the number of rows.
   * A key that exists already fails the whole append.
   */
  append(table: string, columns: readonly string[], rows: AppendRows): Promise<number>;
  close(): Promise<void>;
  /**
   * How many statements that may change data this database has finished running in this process (see
   * change-counter.ts): while it stays the same, an answer read from the database stays true.
   */
  readonly changes: number;
  /**
   * Of those, the changes to what analyses read: all but those to who may sign in and with what (users, their
   * sessions and failed attempts, API keys). A sign-in must not make every analysis read its data again.
   */
  readonly dataChanges: number;
}

/** What an engine implements; countChanges adds the counts of changes. */
export type EngineDatabase = Omit<Database, 'changes' | 'dataChanges'>;

/** Wraps a driver's error as QUERY_FAILED, keeping the driver's message (it names the failing SQL part). */
export function asQueryError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  return new AppError('QUERY_FAILED', messageOf(error), { cause: error });
}
