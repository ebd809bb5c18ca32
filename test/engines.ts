/**
 * Runs a suite once per storage engine: DuckDB always, PostgreSQL when AGORA_TEST_DATABASE_URL is set
 * (CI always sets it). Each PostgreSQL suite works in a schema of its own, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import type { Database, Engine } from '../src/platform/db/database.ts';
import { openDuckDB } from '../src/platform/db/duckdb/duckdb-database.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { openPostgres } from '../src/platform/db/postgres/postgres-database.ts';

export const testDatabaseUrl = process.env.AGORA_TEST_DATABASE_URL || undefined;
export const testEngines: Engine[] = testDatabaseUrl ? ['duckdb', 'postgres'] : ['duckdb'];

export interface TestDatabase {
  db: Database;
  /** Where the engine keeps its data: the DuckDB directory, or the PostgreSQL schema. */
  location: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(engine: Engine): Promise<TestDatabase> {
  if (engine === 'duckdb') {
    const directory = await mkdtemp(path.join(tmpdir(), 'agora-test-'));
    const db = await openDuckDB(path.join(directory, 'agora.duckdb'));
    return {
      db,
      location: directory,
      drop: async () => {
        await db.close();
        await rm(directory, { recursive: true, force: true });
      },
    };
  }
  const schema = `agora_test_${randomBytes(6).toString('hex')}`;
  await withAdminClient((client) => client.query(`CREATE SCHEMA ${schema}`));
  const db = await openPostgres({ connectionString: testDatabaseUrl!, schema, poolSize: 4 });
  return {
    db,
    location: schema,
    drop: async () => {
      await db.close();
      await withAdminClient((client) => client.query(`DROP SCHEMA ${schema} CASCADE`));
    },
  };
}

/** A DATABASE_URL for the agora CLI or server that works inside a test schema. */
export function postgresUrlForSchema(schema: string): string {
  const url = new URL(testDatabaseUrl!);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

async function withAdminClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testDatabaseUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface EngineSuite {
  engine: Engine;
  /** The suite's database, opened (and migrated unless asked not to) before its tests. */
  db(): Database;
  location(): string;
}

export function describeEachEngine(
  name: string,
  define: (suite: EngineSuite) => void,
  options: { migrated?: boolean } = {},
): void {
  for (const engine of testEngines) {
    describe(`${name} [${engine}]`, () => {
      let test: TestDatabase | undefined;
      beforeAll(async () => {
        test = await createTestDatabase(engine);
        if (options.migrated !== false) await migrate(test.db);
      });
      afterAll(async () => {
        await test?.drop();
      });
      define({ engine, db: () => test!.db, location: () => test!.location });
    });
  }
}
