import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  describeEachEngine,
  testDatabaseUrl,
  testEngines,
} from '../../../test/engines.ts';
import { loadMigrations, migrate } from './migrate.ts';
import { openPostgres } from './postgres/postgres-database.ts';

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'agora-migrations-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function writeMigrations(files: Record<string, string>): Promise<string> {
  const folder = await mkdtemp(path.join(directory, 'set-'));
  for (const [name, sql] of Object.entries(files)) await writeFile(path.join(folder, name), sql);
  return folder;
}

it('joins the shared file of a version with the engine’s own file and skips the other engine’s', async () => {
  const folder = await writeMigrations({
    '0001_start.sql': 'CREATE TABLE a (x INTEGER);',
    '0001_start.postgres.sql': 'CREATE INDEX a_x ON a (x);',
    '0001_start.duckdb.sql': '-- nothing extra',
    '0002_more.sql': 'CREATE TABLE b (y INTEGER);',
    'README.md': 'not a migration',
  });
  const postgres = await loadMigrations('postgres', folder);
  expect(postgres.map((m) => [m.version, m.name, m.sql])).toEqual([
    [1, 'start', 'CREATE TABLE a (x INTEGER);\nCREATE INDEX a_x ON a (x);'],
    [2, 'more', 'CREATE TABLE b (y INTEGER);\n'],
  ]);
  const duckdb = await loadMigrations('duckdb', folder);
  expect(duckdb[0]!.sql).toBe('CREATE TABLE a (x INTEGER);\n-- nothing extra');
});

describeEachEngine(
  'migrations',
  ({ db }) => {
    it('applies the project’s migrations in order, records them, and applies nothing the second time', async () => {
      const first = await migrate(db());
      const versions = first.applied.map((m) => m.version);
      expect(versions.length).toBeGreaterThan(0);
      expect(versions).toEqual([...versions].sort((a, b) => a - b));
      expect(first.migrations.every((m) => m.appliedAt instanceof Date)).toBe(true);

      const second = await migrate(db());
      expect(second.applied).toEqual([]);
      const recorded = await db().query('SELECT version FROM schema_migrations ORDER BY version');
      expect(recorded.map((row) => row.version)).toEqual(versions);
    });

    it('leaves the database as it was when a migration fails part-way', async () => {
      const folder = await writeMigrations({
        '0001_good.sql': 'CREATE TABLE fail_test_good (x INTEGER);',
        '0002_bad.sql': 'CREATE TABLE fail_test_half (x INTEGER);\nINSERT INTO no_such_table VALUES (1);',
      });
      await db().exec('DROP TABLE IF EXISTS schema_migrations');

      const attempt = migrate(db(), folder);
      await expect(attempt).rejects.toMatchObject({ code: 'MIGRATION_FAILED' });
      await expect(attempt).rejects.toThrow(
        /^Migration 0002_bad failed: .*The database was left as it was before it/,
      );

      const recorded = await db().query('SELECT version FROM schema_migrations ORDER BY version');
      expect(recorded).toEqual([{ version: 1 }]);
      await expect(db().query('SELECT * FROM fail_test_good')).resolves.toEqual([]);
      await expect(db().query('SELECT * FROM fail_test_half')).rejects.toMatchObject({
        code: 'QUERY_FAILED',
      });
    });

    it('refuses to run when an applied migration was edited afterwards', async () => {
      await db().exec('DROP TABLE IF EXISTS schema_migrations; DROP TABLE IF EXISTS edited_table');
      const original = await writeMigrations({ '0001_edit.sql': 'CREATE TABLE edited_table (x INTEGER);' });
      await migrate(db(), original);
      const edited = await writeMigrations({ '0001_edit.sql': 'CREATE TABLE edited_table (x BIGINT);' });
      await expect(migrate(db(), edited)).rejects.toThrow(
        'Migration 0001_edit was changed after it was applied. Restore its original text and put the change in a new migration.',
      );
    });
  },
  { migrated: false },
);

describe.runIf(testEngines.includes('postgres'))(
  'migrations from several instances at once [postgres]',
  () => {
    it('applies each migration exactly once when six instances start together on an empty database', async () => {
      const test = await createTestDatabase('postgres');
      const instances = await Promise.all(
        Array.from({ length: 6 }, () =>
          openPostgres({ connectionString: testDatabaseUrl!, schema: test.location, poolSize: 2 }),
        ),
      );
      try {
        const results = await Promise.all(instances.map((instance) => migrate(instance)));
        const appliedVersions = results.flatMap((result) =>
          result.applied.map((migration) => migration.version),
        );
        const allVersions = results[0]!.migrations.map((migration) => migration.version);
        expect(appliedVersions.sort((a, b) => a - b)).toEqual(allVersions);
        expect(
          results.every((result) => result.migrations.every((migration) => migration.appliedAt !== null)),
        ).toBe(true);
      } finally {
        await Promise.all(instances.map((instance) => instance.close()));
        await test.drop();
      }
    });
  },
);
