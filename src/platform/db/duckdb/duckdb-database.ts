/**
 * The embedded engine: one DuckDB file per data directory, held by this process alone.
 * A small pool of connections lets reads run side by side; a transaction or an append keeps one connection.
 */
import {
  type DuckDBConnection,
  DuckDBDataChunk,
  DuckDBInstance,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
  type DuckDBValueConverter,
  type JS,
  JSDuckDBValueConverter,
  JSToDuckDBValueConverter,
  LIST,
  listValue,
  timestampValue,
  VARCHAR,
} from '@duckdb/node-api';
import { AppError } from '../../errors/app-error.ts';
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

const POOL_SIZE = 4;
const CHECKPOINT_THRESHOLD = '256MB';
/** DuckDB's vector size: the most rows one data chunk holds. */
const CHUNK_ROWS = 2048;

export async function openDuckDB(file: string): Promise<Database> {
  // DuckDB checkpoints when its WAL reaches 16 MB by default: under steady ingestion that is every few
  // seconds, and each stalls the writes. A larger WAL costs a longer replay after a crash, nothing else.
  const instance = await DuckDBInstance.create(file, { checkpoint_threshold: CHECKPOINT_THRESHOLD });
  return countChanges(new DuckDBDatabase(instance));
}

class DuckDBDatabase implements EngineDatabase {
  readonly engine = 'duckdb' as const;
  private readonly pool: ConnectionPool;
  private readonly columnNames = new Map<string, Promise<string[]>>();

  constructor(private readonly instance: DuckDBInstance) {
    this.pool = new ConnectionPool(instance, POOL_SIZE);
  }

  query<T extends object = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.pool.use((connection) => runQuery<T>(connection, sql, params));
  }

  queryMatrix(sql: string, params: readonly unknown[] = []): Promise<NumberMatrix> {
    return this.pool.use(async (connection) => {
      try {
        return await readMatrix(connection, sql, params);
      } catch (error) {
        throw asQueryError(error);
      }
    });
  }

  exec(sql: string): Promise<void> {
    // Scripts are DDL (migrations): tables may have changed their columns.
    this.columnNames.clear();
    return this.pool.use(async (connection) => {
      await connection.run(sql);
    });
  }

  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.pool.use((connection) =>
      inTransaction(connection, () =>
        work({
          query: (sql, params = []) => runQuery(connection, sql, params),
          exec: async (sql) => {
            this.columnNames.clear();
            await connection.run(sql);
          },
          append: async (table, columns, rows) =>
            appendRows(connection, table, await this.columnNamesOf(connection, table), columns, rows),
        }),
      ),
    );
  }

  append(table: string, columns: readonly string[], rows: AppendRows): Promise<number> {
    return this.pool.use((connection) =>
      inTransaction(connection, async () =>
        appendRows(connection, table, await this.columnNamesOf(connection, table), columns, rows),
      ),
    );
  }

  /** A table's columns in order; read once, as ingestion appends to the same tables on every write. */
  private columnNamesOf(connection: DuckDBConnection, table: string): Promise<string[]> {
    let names = this.columnNames.get(table);
    if (!names) {
      names = runQuery<{ column_name: string }>(
        connection,
        `SELECT column_name FROM information_schema.columns
          WHERE table_name = $1 AND table_schema = current_schema()
          ORDER BY ordinal_position`,
        [table],
      ).then((rows) => {
        if (rows.length === 0) throw new AppError('QUERY_FAILED', `Table ${table} does not exist.`);
        return rows.map((row) => row.column_name);
      });
      names.catch(() => this.columnNames.delete(table));
      this.columnNames.set(table, names);
    }
    return names;
  }

  async close(): Promise<void> {
    await this.pool.drain();
    this.instance.closeSync();
  }
}

async function inTransaction<T>(connection: DuckDBConnection, work: () => Promise<T>): Promise<T> {
  await connection.run('BEGIN TRANSACTION');
  try {
    const result = await work();
    await connection.run('COMMIT');
    return result;
  } catch (error) {
    await connection.run('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

async function runQuery<T extends object>(
  connection: DuckDBConnection,
  givenSql: string,
  givenParams: readonly unknown[],
): Promise<T[]> {
  const { sql, params } = withListsAsText(givenSql, givenParams);
  // DuckDB infers a parameter's type from its value, which an empty array does not have.
  const types = params.map((value) =>
    Array.isArray(value) && value.length === 0 ? LIST(VARCHAR) : undefined,
  );
  const reader = await connection.runAndReadAll(sql, params.map(toDuckDBParameter), types as DuckDBType[]);
  const rows = reader.convertRowObjects(toAgoraValue);
  // Value converters see the vector's type, which has lost the JSON alias; the result's column types keep it.
  const jsonColumns = reader.columnNames().filter((_, index) => reader.columnType(index).alias === 'JSON');
  for (const column of jsonColumns) {
    for (const row of rows) {
      const text = row[column];
      if (typeof text === 'string') row[column] = JSON.parse(text);
    }
  }
  return rows as T[];
}

/** Reads the result chunk by chunk straight from its vectors: no value objects, no row objects. */
async function readMatrix(
  connection: DuckDBConnection,
  sql: string,
  params: readonly unknown[],
): Promise<NumberMatrix> {
  const result = await connection.run(sql, params.map(toDuckDBParameter));
  const columns = result.columnNames();
  const width = columns.length;
  let values = new Float64Array(CHUNK_ROWS * width);
  let rows = 0;
  for (
    let chunk = await result.fetchChunk();
    chunk && chunk.rowCount > 0;
    chunk = await result.fetchChunk()
  ) {
    if ((rows + chunk.rowCount) * width > values.length) {
      const grown = new Float64Array(Math.max(values.length * 2, (rows + chunk.rowCount) * width));
      grown.set(values);
      values = grown;
    }
    for (let j = 0; j < width; j++) {
      const vector = chunk.getColumnVector(j);
      for (let r = 0; r < chunk.rowCount; r++) {
        const value = vector.getItem(r);
        values[(rows + r) * width + j] = value === null ? Number.NaN : Number(value);
      }
    }
    rows += chunk.rowCount;
  }
  return { columns, rows, values: values.slice(0, rows * width) };
}

const SEPARATOR = '\u001f';

/**
 * Binding a list parameter costs the driver one value object per item: about 15 ms for 5,000 ids, several
 * times per ingestion round. The same list sent as one text, split by DuckDB itself, takes 2–3 ms. So a
 * non-empty list used only as `CAST($n AS TEXT[])` or `CAST($n AS BIGINT[])` (the form every module writes)
 * goes as text, unless an item holds the separator.
 */
function withListsAsText(sql: string, params: readonly unknown[]): { sql: string; params: unknown[] } {
  const rewritten = [...params];
  let text = sql;
  params.forEach((value, index) => {
    if (!Array.isArray(value) || value.length === 0) return;
    const number = index + 1;
    const casts = new RegExp(`CAST\\(\\$${number} AS (TEXT|BIGINT)\\[\\]\\)`, 'gi');
    const uses = text.match(new RegExp(`\\$${number}(?!\\d)`, 'g'))?.length ?? 0;
    const castUses = text.match(casts)?.length ?? 0;
    if (castUses === 0 || castUses !== uses) return;
    const items = value.map(String);
    if (items.some((item) => item.includes(SEPARATOR))) return;
    rewritten[index] = items.join(SEPARATOR);
    text = text.replace(casts, (_match, type: string) =>
      type.toUpperCase() === 'TEXT'
        ? `string_split($${number}, chr(31))`
        : `CAST(string_split($${number}, chr(31)) AS BIGINT[])`,
    );
  });
  return { sql: text, params: rewritten };
}

function toDuckDBParameter(value: unknown): DuckDBValue {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return timestampValue(BigInt(value.getTime()) * 1000n);
  if (Array.isArray(value)) return listValue(value.map(toDuckDBParameter));
  return value as DuckDBValue;
}

/** Reads DuckDB values into Agora's one value shape (see database.ts). */
const toAgoraValue: DuckDBValueConverter<JS> = (value, type, converter) => {
  if (value === null) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.UHUGEINT:
      return Number(value as bigint);
    case DuckDBTypeId.DATE:
      return String(value);
    default:
      return JSDuckDBValueConverter(value, type, converter);
  }
};

/** `names`: the table's columns in order, which the appender fills whole. */
async function appendRows(
  connection: DuckDBConnection,
  table: string,
  names: readonly string[],
  columns: readonly string[],
  rows: AppendRows,
): Promise<number> {
  for (const column of columns) {
    if (!names.includes(column))
      throw new AppError('QUERY_FAILED', `Table ${table} has no column "${column}".`);
  }
  const appender = await connection.createAppender(table);
  const layout: ChunkLayout = {
    types: names.map((_, index) => appender.columnType(index)),
    sources: names.map((name) => columns.indexOf(name)),
    converters: names.map((name, index) => columnConverter(name, appender.columnType(index))),
  };
  let count = 0;
  const batch: (readonly unknown[])[] = [];
  const appendBatch = () => {
    appender.appendDataChunk(buildChunk(layout, batch));
    count += batch.length;
    batch.length = 0;
  };
  try {
    // A plain iterable is read without awaiting each row: a million microtasks cost more than the append.
    if (Symbol.iterator in rows) {
      for (const row of rows) if (batch.push(row) === CHUNK_ROWS) appendBatch();
    } else {
      for await (const row of rows) if (batch.push(row) === CHUNK_ROWS) appendBatch();
    }
    if (batch.length > 0) appendBatch();
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  return count;
}

interface ChunkLayout {
  types: DuckDBType[];
  /** For each table column, its position in the caller's rows, or -1 when the caller did not name it. */
  sources: number[];
  converters: Array<(value: unknown) => DuckDBValue>;
}

/** Fills a data chunk column by column with values already in DuckDB's form: the appender's fastest path. */
function buildChunk(layout: ChunkLayout, rows: readonly (readonly unknown[])[]): DuckDBDataChunk {
  const columns = layout.types.map((_, index) => {
    const source = layout.sources[index]!;
    const convert = layout.converters[index]!;
    const values = new Array<DuckDBValue>(rows.length);
    for (let row = 0; row < rows.length; row++) {
      const value = source < 0 ? null : rows[row]![source];
      values[row] = value === null || value === undefined ? null : convert(value);
    }
    return values;
  });
  const chunk = DuckDBDataChunk.create(layout.types, rows.length);
  chunk.setColumns(columns);
  return chunk;
}

/** How a JS value becomes a DuckDB value for one column, chosen once per column. */
function columnConverter(column: string, type: DuckDBType): (value: unknown) => DuckDBValue {
  if (type.alias === 'JSON') return (value) => (typeof value === 'string' ? value : JSON.stringify(value));
  switch (type.typeId) {
    case DuckDBTypeId.VARCHAR:
      return (value) => String(value);
    case DuckDBTypeId.BIGINT:
      return (value) => {
        if (typeof value === 'bigint') return value;
        if (Number.isInteger(value)) return BigInt(value as number);
        throw new AppError(
          'QUERY_FAILED',
          `Column ${column} takes whole numbers; got ${JSON.stringify(value)}.`,
        );
      };
    case DuckDBTypeId.TIMESTAMP:
      return (value) => {
        const time = (value instanceof Date ? value : new Date(value as string)).getTime();
        if (Number.isNaN(time))
          throw new AppError(
            'QUERY_FAILED',
            `Column ${column} takes timestamps; got ${JSON.stringify(value)}.`,
          );
        return timestampValue(BigInt(time) * 1000n);
      };
    case DuckDBTypeId.DATE:
      return (value) =>
        JSToDuckDBValueConverter(
          typeof value === 'string' ? new Date(`${value}T00:00:00Z`) : (value as Date),
          type,
          JSToDuckDBValueConverter,
        );
    default:
      return (value) => JSToDuckDBValueConverter(value as JS, type, JSToDuckDBValueConverter);
  }
}

/** A fixed number of connections, each used by one caller at a time. */
class ConnectionPool {
  private readonly idle: DuckDBConnection[] = [];
  private readonly waiting: Array<(connection: DuckDBConnection) => void> = [];
  private readonly drainWaiters: Array<() => void> = [];
  private created = 0;
  private closed = false;

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly size: number,
  ) {}

  async use<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const startedAt = performance.now();
    const connection = await this.acquire();
    const connectedAt = performance.now();
    try {
      return await work(connection);
    } catch (error) {
      throw asQueryError(error);
    } finally {
      this.release(connection);
      tallyWork('statements', startedAt, connectedAt, performance.now());
    }
  }

  /** Refuses new work, lets queued and running work finish, then closes every connection. */
  async drain(): Promise<void> {
    this.closed = true;
    while (this.idle.length < this.created) {
      await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    }
    for (const connection of this.idle.splice(0)) connection.closeSync();
  }

  private async acquire(): Promise<DuckDBConnection> {
    if (this.closed)
      throw new AppError('DATABASE_UNAVAILABLE', 'The database is closed; Agora is shutting down.');
    const idle = this.idle.pop();
    if (idle) return idle;
    if (this.created < this.size) {
      this.created += 1;
      return this.instance.connect();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(connection: DuckDBConnection): void {
    const next = this.waiting.shift();
    if (next) {
      next(connection);
      return;
    }
    this.idle.push(connection);
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }
}
