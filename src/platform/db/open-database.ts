import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { AppError, messageOf } from '../errors/app-error.ts';
import type { Database } from './database.ts';
import { openDuckDB } from './duckdb/duckdb-database.ts';
import { openPostgres } from './postgres/postgres-database.ts';

export interface StorageConfig {
  dataDir: string;
  databaseUrl?: string | undefined;
}

/** The DuckDB file of a data directory. */
export function duckDBFile(dataDir: string): string {
  return path.join(dataDir, 'agora.duckdb');
}

/** PostgreSQL when a DATABASE_URL is set, otherwise the DuckDB file in the data directory. */
export async function openDatabase(config: StorageConfig): Promise<Database> {
  if (config.databaseUrl) return openPostgres({ connectionString: config.databaseUrl });
  await ensureWritableDirectory(config.dataDir);
  const file = duckDBFile(config.dataDir);
  try {
    return await openDuckDB(file);
  } catch (error) {
    const message = messageOf(error);
    const holder = /PID (\d+)/.exec(message)?.[1];
    if (/lock/i.test(message)) {
      throw new AppError(
        'DATABASE_LOCKED',
        `The database ${file} is in use by another process${holder ? ` (PID ${holder})` : ''}. ` +
          'Stop that process, or use another data directory with AGORA_DATA_DIR or --data-dir.',
        { cause: error },
      );
    }
    throw new AppError('DATABASE_UNAVAILABLE', `Cannot open the database ${file}: ${message}`, {
      cause: error,
    });
  }
}

export async function ensureWritableDirectory(dataDir: string): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true });
    await access(dataDir, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? messageOf(error);
    throw new AppError(
      'DATA_DIR_UNWRITABLE',
      `Cannot write to the data directory ${dataDir} (${code}). ` +
        'Choose another with AGORA_DATA_DIR or --data-dir, or fix its permissions.',
      { cause: error },
    );
  }
}
