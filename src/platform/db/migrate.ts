/**
 * Versioned SQL migrations, applied in order, each in its own transaction, and recorded in schema_migrations.
 *
 * A migration is `NNNN_name.sql` (both engines) and optionally `NNNN_name.duckdb.sql` / `NNNN_name.postgres.sql`
 * (run after the shared file on that engine only) for the few places where the dialects differ.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError, messageOf } from '../errors/app-error.ts';
import type { Database, Engine, Queryable } from './database.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

const FILE_NAME = /^(\d{4})_([a-z0-9_]+?)(?:\.(duckdb|postgres))?\.sql$/;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationStatus {
  version: number;
  name: string;
  appliedAt: Date | null;
}

export interface MigrateResult {
  applied: MigrationStatus[];
  migrations: MigrationStatus[];
}

/** Reads the migrations of a directory for one engine, in version order. */
export async function loadMigrations(engine: Engine, directory = MIGRATIONS_DIR): Promise<Migration[]> {
  const byVersion = new Map<number, { name: string; shared?: string; own?: string }>();
  for (const file of (await readdir(directory)).sort()) {
    const match = FILE_NAME.exec(file);
    if (!match) continue;
    const [, versionText, name, fileEngine] = match;
    if (fileEngine && fileEngine !== engine) continue;
    const version = Number(versionText);
    const entry = byVersion.get(version) ?? { name: name! };
    if (entry.name !== name) {
      throw new AppError(
        'MIGRATION_FAILED',
        `Two migrations share version ${versionText}: ${entry.name} and ${name}.`,
      );
    }
    const sql = await readFile(path.join(directory, file), 'utf8');
    if (fileEngine) entry.own = sql;
    else entry.shared = sql;
    byVersion.set(version, entry);
  }
  return [...byVersion.entries()]
    .sort(([a], [b]) => a - b)
    .map(([version, { name, shared = '', own = '' }]) => {
      const sql = `${shared}\n${own}`;
      return { version, name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

export async function migrate(db: Database, directory = MIGRATIONS_DIR): Promise<MigrateResult> {
  const migrations = await loadMigrations(db.engine, directory);
  await db.transaction(async (tx) => {
    await lockMigrations(db, tx);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      checksum TEXT NOT NULL,
      applied_at TIMESTAMP NOT NULL
    )`);
  });
  const applied: MigrationStatus[] = [];
  for (const migration of migrations) {
    const appliedAt = await db.transaction(async (tx) => {
      await lockMigrations(db, tx);
      if (await isApplied(tx, migration)) return null;
      return applyMigration(tx, migration);
    });
    if (appliedAt) applied.push({ version: migration.version, name: migration.name, appliedAt });
  }
  return { applied, migrations: await migrationStatus(db, migrations) };
}

/**
 * Several app instances may start at once on one PostgreSQL: each migration step holds a transaction-scoped
 * advisory lock, so one instance applies it and the others wait, then find it applied. A DuckDB file has
 * one process, so it needs none.
 */
async function lockMigrations(db: Database, tx: Queryable): Promise<void> {
  if (db.engine === 'postgres') await tx.query('SELECT pg_advisory_xact_lock(727274001) AS locked');
}

async function isApplied(tx: Queryable, migration: Migration): Promise<boolean> {
  const [record] = await tx.query<{ checksum: string }>(
    'SELECT checksum FROM schema_migrations WHERE version = $1',
    [migration.version],
  );
  if (!record) return false;
  if (record.checksum !== migration.checksum) {
    throw new AppError(
      'MIGRATION_FAILED',
      `Migration ${label(migration)} was changed after it was applied. ` +
        'Restore its original text and put the change in a new migration.',
    );
  }
  return true;
}

async function applyMigration(tx: Queryable, migration: Migration): Promise<Date> {
  const appliedAt = new Date();
  try {
    await tx.exec(migration.sql);
  } catch (error) {
    throw new AppError(
      'MIGRATION_FAILED',
      `Migration ${label(migration)} failed: ${messageOf(error)}. ` +
        'The database was left as it was before it; fix the migration and run `agora migrate` again.',
      { cause: error },
    );
  }
  await tx.query(
    'INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)',
    [migration.version, migration.name, migration.checksum, appliedAt],
  );
  return appliedAt;
}

/** The project's own migrations ship with the code: read once per engine, not on every /ready probe. */
const projectMigrations = new Map<Engine, Promise<Migration[]>>();

export async function migrationStatus(db: Database, migrations?: Migration[]): Promise<MigrationStatus[]> {
  let known = migrations;
  if (!known) {
    if (!projectMigrations.has(db.engine)) projectMigrations.set(db.engine, loadMigrations(db.engine));
    known = await projectMigrations.get(db.engine)!;
  }
  const rows = await db.query<{ version: number; applied_at: Date }>(
    'SELECT version, applied_at FROM schema_migrations ORDER BY version',
  );
  const appliedAt = new Map(rows.map((row) => [row.version, row.applied_at]));
  return known.map((migration) => ({
    version: migration.version,
    name: migration.name,
    appliedAt: appliedAt.get(migration.version) ?? null,
  }));
}

function label(migration: Migration): string {
  return `${String(migration.version).padStart(4, '0')}_${migration.name}`;
}
