/** `agora demo` as a user runs it: the world written to files, and loaded through Agora's own import. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../src/modules/demo-world/index.ts';
import type { Database } from '../src/platform/db/database.ts';
import { openDuckDB } from '../src/platform/db/duckdb/duckdb-database.ts';
import { agora } from './cli.ts';
import { createTestDatabase, postgresUrlForSchema, type TestDatabase, testEngines } from './engines.ts';

const WORLD = ['--customers', '300', '--seed', '5'];

describe('agora demo', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'agora-demo-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes the world, its catalogue and its manifest with --out', async () => {
    const run = await agora(['demo', ...WORLD, '--out', path.join(dir, 'world.ndjson')], {});
    expect(run.code).toBe(0);
    const manifest = JSON.parse(await readFile(path.join(dir, 'world.manifest.json'), 'utf8')) as Manifest;
    const lines = async (file: string) => (await readFile(path.join(dir, file), 'utf8')).trim().split('\n');
    const history = await lines('world.ndjson');
    const live = await lines('world.live.ndjson');
    const events = [...history, ...live];
    expect(manifest).toMatchObject({ seed: 5, customers: 300 });
    expect(manifest.realized.events).toBe(events.length);
    expect(manifest.live.messages).toBe(live.length);
    expect(JSON.parse(history.at(-1)!).timestamp < manifest.live.from).toBe(true);
    expect(JSON.parse(live[0]!).timestamp >= manifest.live.from).toBe(true);
    const { influencer, other } = manifest.social.realized.friends;
    // The 300 drawn, and the friends they referred.
    expect(Object.keys(manifest.customerPersonas)).toHaveLength(300 + influencer.arrived + other.arrived);
    expect(run.stdout).toContain(`Wrote ${events.length.toLocaleString('en-US')} events`);
  });

  it('explains an --out path it cannot write, before doing any work', async () => {
    const run = await agora(['demo', ...WORLD, '--out', path.join(dir, 'missing', 'world.ndjson')], {});
    expect(run).toMatchObject({
      code: 2,
      stderr: `agora: Cannot write ${path.join(dir, 'missing', 'world.ndjson')} (ENOENT); choose another --out path.\n`,
    });
  });

  for (const engine of testEngines) {
    it(`loads the world with --no-serve on ${engine}: one customer per person, every order and account`, async () => {
      const dataDir = path.join(dir, `data-${engine}`);
      const postgres: TestDatabase | null =
        engine === 'postgres' ? await createTestDatabase('postgres') : null;
      const env: Record<string, string> = postgres
        ? { AGORA_DATA_DIR: dataDir, DATABASE_URL: postgresUrlForSchema(postgres.location) }
        : { AGORA_DATA_DIR: dataDir };
      try {
        const run = await agora(['demo', ...WORLD, '--no-serve'], env);
        expect(run.code).toBe(0);
        const manifest = JSON.parse(
          await readFile(path.join(dataDir, 'demo', 'world-5-300.manifest.json'), 'utf8'),
        ) as Manifest;
        expect(run.stdout).toContain(
          `Loaded ${manifest.realized.events.toLocaleString('en-US')} events ` +
            `(${manifest.live.messages.toLocaleString('en-US')} of them through the tracking API)`,
        );
        const db: Database = postgres ? postgres.db : await openDuckDB(path.join(dataDir, 'agora.duckdb'));
        try {
          const count = async (sql: string) => (await db.query<{ n: number }>(sql))[0]!.n;
          // Anonymous visits, sign-ups, orders and social posts of one person resolve to one customer.
          expect(await count('SELECT count(*) AS n FROM customers WHERE merged_into IS NULL')).toBe(
            Object.keys(manifest.customerPersonas).length,
          );
          expect(
            await count(`SELECT count(*) AS n FROM events e WHERE e.name IN ('Social Mention Posted', 'User Followed')
                AND NOT EXISTS (SELECT 1 FROM identities i WHERE i.customer_id = e.customer_id AND i.kind = 'user')`),
          ).toBe(0);
          expect(await count("SELECT count(*) AS n FROM events WHERE name = 'Social Mention Posted'")).toBe(
            Object.values(manifest.voice.realized.sentiment.mentions).reduce((a, b) => a + b, 0),
          );
          expect(await count('SELECT count(*) AS n FROM events')).toBe(manifest.realized.events);
          // The last days came through the tracking API, keeping their times (its clock-skew correction).
          expect(manifest.live.messages).toBeGreaterThan(0);
          expect(
            await count(
              `SELECT count(*) AS n FROM events WHERE occurred_at >= CAST('${manifest.live.from}' AS TIMESTAMP)`,
            ),
          ).toBe(manifest.live.messages);
          const orders = Object.values(manifest.realized.purchases).reduce((sum, p) => sum + p.orders, 0);
          expect(await count('SELECT count(*) AS n FROM orders')).toBe(orders);
          expect(await count('SELECT count(*) AS n FROM accounts')).toBe(manifest.realized.accounts);
          expect(await count('SELECT count(*) AS n FROM products')).toBe(60);
        } finally {
          if (!postgres) await db.close();
        }
      } finally {
        await postgres?.drop();
      }
    });
  }
});
