/**
 * The server engine: PostgreSQL through a `pg` pool. Type parsers bring values to Agora's one shape
 * (see database.ts); bulk appends stream CSV through COPY.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { AppError, messageOf } from '../../errors/app-error.ts';
import { tallyWork } from '../../work-time.ts';
import { countChanges } from '../change-counter.ts';
import {
  type AppendRows,
  asQueryError,
  type Database,
  type EngineDatabase,
  type NumberMatrix,
  type Row,
  type Transaction,
} from '../database.ts';

/** PostgreSQL type OIDs whose default parsing differs from Agora's value shape. */
const OID = {
  int8: 20,
  numeric: 1700,
  date: 1082,
  timestamp: 1114,
  int8Array: 1016,
  numericArray: 1231,
  timestampArray: 1115,
} as const;

const parseNumber = (text: string): number => Number(text);
/** `pg`'s own parser for text[] (OID 1009), which the typings do not list. */
const parseTextArray = (pg.types.getTypeParser as (oid: number) => (text: string) => Array<string | null>)(
  1009,
);
/** TIMESTAMP columns hold UTC; `pg` would read them in the process's local time zone. */
const parseUtcTimestamp = (text: string): Date => new Date(`${text.replace(' ', 'T')}Z`);

function getTypeParser(oid: number, format?: 'text' | 'binary'): (text: string) => unknown {
  switch (oid) {
    case OID.int8:
    case OID.numeric:
      return parseNumber;
    case OID.date:
      return (text) => text;
    case OID.timestamp:
      return parseUtcTimestamp;
    case OID.int8Array:
    case OID.numericArray:
      return (text) => parseTextArray(text).map((item) => (item === null ? null : Number(item)));
    case OID.timestampArray:
      return (text) => parseTextArray(text).map((item) => (item === null ? null : parseUtcTimestamp(item)));
    default:
      return pg.types.getTypeParser(oid, format) as (text: string) => unknown;
  }
}

export interface PostgresOptions {
  connectionString: string;
  /** Schema to work in (tests give each suite its own); defaults to the server's search_path. */
  schema?: string | undefined;
  poolSize?: number | undefined;
}

export async function openPostgres(options: PostgresOptions): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 10,
    types: { getTypeParser } as pg.CustomTypesConfig,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    connectionTimeoutMillis: 5000,
  });
  // An idle client that loses its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new AppError(
      'DATABASE_UNAVAILABLE',
      `Cannot connect to PostgreSQL at ${describeUrl(options.connectionString)} (${messageOf(error)}). ` +
        'Check DATABASE_URL, or unset it to use the embedded database.',
      { cause: error },
    );
  }
  return countChanges(new PostgresDatabase(pool));
}

/** A table is analyzed again once the rows appended to it reach this, then twice as many, and so on. */
const FIRST_ANALYZE_AT = 10_000;

class PostgresDatabase implements EngineDatabase {
  readonly engine = 'postgres' as const;
  private readonly columnTypes = new Map<string, Map<string, string>>();
  private readonly appended = new Map<string, { rows: number; analyzeAt: number }>();
  private analyzing = false;

  constructor(private readonly pool: pg.Pool) {}

  query<T extends object = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return runQuery<T>(this.pool, sql, params);
  }

  async queryMatrix(sql: string, params: readonly unknown[] = []): Promise<NumberMatrix> {
    const rows = await runQuery<Row>(this.pool, sql, params);
    const columns = rows.length > 0 ? Object.keys(rows[0]!) : [];
    const values = new Float64Array(rows.length * columns.length);
    rows.forEach((row, i) => {
      columns.forEach((column, j) => {
        const value = row[column];
        values[i * columns.length + j] = value === null || value === undefined ? Number.NaN : Number(value);
      });
    });
    return { columns, rows: rows.length, values };
  }

  async exec(sql: string): Promise<void> {
    await runQuery(this.pool, sql, []);
  }

  async transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    const client = await this.connect();
    try {
      await client.query('BEGIN');
      const result = await work({
        query: (sql, params = []) => runQuery(client, sql, params),
        exec: async (sql) => {
          await runQuery(client, sql, []);
        },
        append: (table, columns, rows) => this.copyRows(client, table, columns, rows),
      });
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async append(table: string, columns: readonly string[], rows: AppendRows): Promise<number> {
    const client = await this.connect();
    try {
      return await this.copyRows(client, table, columns, rows);
    } finally {
      client.release();
    }
  }

  /**
   * PostgreSQL plans from table statistics that autovacuum refreshes on its own schedule, a minute apart at
   * best: a new table filled by bulk appends is planned as if it were empty, and lookups scan it instead of
   * probing its index (ingestion's messageId check: 57–80 ms instead of 5 per write, measured). So a table is
   * analyzed, in the background, each time the rows this process appended to it double.
   */
  private noteAppended(table: string, rows: number): void {
    const count = this.appended.get(table) ?? { rows: 0, analyzeAt: FIRST_ANALYZE_AT };
    count.rows += rows;
    this.appended.set(table, count);
    if (count.rows < count.analyzeAt || this.analyzing) return;
    count.analyzeAt = count.rows * 2;
    this.analyzing = true;
    runQuery(this.pool, `ANALYZE ${quoteIdentifier(table)}`, [])
      // Stale statistics make queries slower, never wrong: nothing to report.
      .catch(() => undefined)
      .finally(() => {
        this.analyzing = false;
      });
  }

  /** COPY … FROM STDIN as CSV, on this client (so inside its transaction, if it has one). */
  private async copyRows(
    client: pg.PoolClient,
    table: string,
    columns: readonly string[],
    rows: AppendRows,
  ): Promise<number> {
    const types = await this.columnTypesOf(table);
    const columnTypes = columns.map((column) => {
      const type = types.get(column);
      if (!type) throw new AppError('QUERY_FAILED', `Table ${table} has no column "${column}".`);
      return type;
    });
    try {
      const copy = client.query(
        copyFrom(
          `COPY ${quoteIdentifier(table)} (${columns.map(quoteIdentifier).join(', ')}) FROM STDIN WITH (FORMAT csv)`,
        ),
      );
      let count = 0;
      async function* csvChunks(): AsyncGenerator<string> {
        let chunk = '';
        for await (const row of rows) {
          chunk += `${row.map((value, index) => toCsvField(value, columnTypes[index]!)).join(',')}\n`;
          count += 1;
          if (chunk.length >= 256 * 1024) {
            yield chunk;
            chunk = '';
          }
        }
        if (chunk) yield chunk;
      }
      await pipeline(Readable.from(csvChunks()), copy);
      this.noteAppended(table, count);
      return count;
    } catch (error) {
      throw asQueryError(error);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw new AppError('DATABASE_UNAVAILABLE', `Cannot reach PostgreSQL: ${messageOf(error)}`, {
        cause: error,
      });
    }
  }

  private async columnTypesOf(table: string): Promise<Map<string, string>> {
    let types = this.columnTypes.get(table);
    if (!types) {
      const rows = await this.query<{ column_name: string; data_type: string }>(
        `SELECT column_name, data_type FROM information_schema.columns
          WHERE table_name = $1 AND table_schema = current_schema()`,
        [table],
      );
      if (rows.length === 0) throw new AppError('QUERY_FAILED', `Table ${table} does not exist.`);
      types = new Map(rows.map((row) => [row.column_name, row.data_type]));
      this.columnTypes.set(table, types);
    }
    return types;
  }
}

async function runQuery<T extends object>(
  client: pg.Pool | pg.PoolClient,
  sql: string,
  params: readonly unknown[],
): Promise<T[]> {
  // A pool's query waits for a client inside `pg`: its wait is part of the statement's time here.
  const startedAt = performance.now();
  try {
    const result = await client.query(sql, params.map(toPostgresParameter));
    // A multi-statement script answers with one result per statement.
    return Array.isArray(result) ? [] : (result.rows as T[]);
  } catch (error) {
    throw asQueryError(error);
  } finally {
    tallyWork('statements', startedAt, startedAt, performance.now());
  }
}

/** Dates go as UTC ISO text: TIMESTAMP columns hold UTC and `pg` would send local time. */
function toPostgresParameter(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toPostgresParameter);
  return value;
}

/** One CSV field for COPY: unquoted empty is NULL, everything else is quoted. */
function toCsvField(value: unknown, dataType: string): string {
  if (value === undefined || value === null) return '';
  if (dataType === 'json' || dataType === 'jsonb') {
    return quoteCsv(typeof value === 'string' ? value : JSON.stringify(value));
  }
  if (value instanceof Date) return value.toISOString();
  // A timestamp given as text is read as JavaScript reads it, as the DuckDB engine does, then stored in UTC.
  if (dataType === 'timestamp without time zone') return new Date(value as string).toISOString();
  if (Array.isArray(value)) return quoteCsv(toArrayLiteral(value));
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return quoteCsv(String(value));
}

function quoteCsv(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

function toArrayLiteral(items: readonly unknown[]): string {
  const elements = items.map((item) => {
    if (item === null || item === undefined) return 'NULL';
    const text = item instanceof Date ? item.toISOString() : String(item);
    return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  });
  return `{${elements.join(',')}}`;
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** host:port/database of a connection string, without its password. */
export function describeUrl(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return `${url.hostname}:${url.port || 5432}${url.pathname}`;
  } catch {
    return 'the configured address';
  }
}
