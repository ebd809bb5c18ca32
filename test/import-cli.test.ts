/** `agora import` as a user runs it: on the database itself, and through a server that holds DuckDB. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDB } from '../src/platform/db/duckdb/duckdb-database.ts';
import { agora, exitOf, serve } from './cli.ts';
import { createTestDatabase, postgresUrlForSchema, type TestDatabase, testEngines } from './engines.ts';

const EVENTS = [
  '{"type":"track","event":"Product Viewed","anonymousId":"a-1","timestamp":"2026-04-01T08:00:00Z"}',
  '{"type":"identify","userId":"u-1","anonymousId":"a-1","timestamp":"2026-04-01T08:01:00Z"}',
  '{"type":"track","event":"Product Viewed","userId":"u-1"}',
].join('\n');
const ORDERS = 'order_id,user_id,timestamp,total\nX-1,u-1,2026-04-02,10\nX-2,u-1,2026-04-03,"12,5"\n';

describe('agora import on a DuckDB data directory', () => {
  let dir: string;
  const env = () => ({ AGORA_DATA_DIR: path.join(dir, 'data') });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'agora-import-'));
    await writeFile(path.join(dir, 'events.ndjson.gz'), gzipSync(EVENTS));
    await writeFile(path.join(dir, 'orders.csv'), ORDERS);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('imports without a server, then through the server that holds the file, never twice', async () => {
    const file = path.join(dir, 'events.ndjson.gz');
    const first = await agora(['import', 'events', file, '--json'], env());
    expect(first.code).toBe(3);
    expect(JSON.parse(first.stdout)).toMatchObject({
      kind: 'events',
      rows: 3,
      accepted: 2,
      rejected: 1,
      errors: path.join(dir, 'events.errors.csv'),
    });
    expect(await readFile(path.join(dir, 'events.errors.csv'), 'utf8')).toBe(
      'line,column,reason\n3,timestamp,is missing; an imported event needs the time it happened\n',
    );

    const server = await serve(env());
    const again = await agora(['import', 'events', file, '--json'], env());
    expect(JSON.parse(again.stdout)).toMatchObject({ rows: 3, accepted: 2, rejected: 1 });
    const orders = await agora(['import', 'orders', path.join(dir, 'orders.csv')], env());
    expect(orders.code).toBe(3);
    expect(orders.stdout).toContain(
      `refused:  1 (line, column and reason in ${path.join(dir, 'orders.errors.csv')})`,
    );
    expect(await readFile(path.join(dir, 'orders.errors.csv'), 'utf8')).toBe(
      'line,column,reason\n3,total,must be a number such as 49.90\n',
    );
    // A plain progress line goes to stderr when it is not a terminal.
    expect(orders.stderr).toMatch(/^orders: 100% · 2 rows · [\d,]+ rows\/s · ETA 0 s\n$/);
    const exited = exitOf(server.child);
    server.child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const db = await openDuckDB(path.join(dir, 'data', 'agora.duckdb'));
    try {
      expect(await db.query('SELECT name, count(*) AS n FROM events GROUP BY name ORDER BY name')).toEqual([
        { name: 'Identify', n: 1 },
        { name: 'Order Completed', n: 1 },
        { name: 'Product Viewed', n: 1 },
      ]);
      expect(await db.query('SELECT count(DISTINCT customer_id) AS n FROM events')).toEqual([{ n: 1 }]);
    } finally {
      await db.close();
    }
  });

  it('says so when the error report cannot be written, after importing the good lines', async () => {
    const report = path.join(dir, 'missing', 'report.csv');
    const run = await agora(['import', 'orders', path.join(dir, 'orders.csv'), '--errors', report], env());
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `agora: The import ran, but its 1 refused lines could not be written to ${report} (ENOENT).`,
    );
  });

  it('explains a file it cannot read and a mapping to a missing column', async () => {
    const missing = await agora(['import', 'orders', path.join(dir, 'none.csv')], env());
    expect(missing).toMatchObject({
      code: 2,
      stderr: `agora: There is no file ${path.join(dir, 'none.csv')}.\n`,
    });
    const unknownFormat = await agora(
      ['import', 'orders', path.join(dir, 'events.ndjson.gz'), '--format', 'xml'],
      env(),
    );
    expect(unknownFormat.code).toBe(2);
    expect(unknownFormat.stderr).toContain("option '--format <format>' argument 'xml' is invalid");
    const badMap = await agora(
      ['import', 'orders', path.join(dir, 'orders.csv'), '--map', 'user_id=Client'],
      env(),
    );
    expect(badMap.code).toBe(2);
    expect(badMap.stderr).toBe(
      'agora: --map user_id=Client: the file has no column "Client"; its columns are order_id, user_id, timestamp, total.\n',
    );
  });
});

if (testEngines.includes('postgres')) {
  describe('agora import on PostgreSQL', () => {
    let test: TestDatabase;
    let dir: string;

    beforeAll(async () => {
      test = await createTestDatabase('postgres');
      dir = await mkdtemp(path.join(tmpdir(), 'agora-import-'));
    });
    afterAll(async () => {
      await test.drop();
      await rm(dir, { recursive: true, force: true });
    });

    it('imports a tab-separated customers file over DATABASE_URL', async () => {
      const file = path.join(dir, 'crm.tsv');
      await writeFile(file, 'CRM ID\temail\tplan\nC-1\tann@example.com\tpro\nC-2\tbob@example.com\tfree\n');
      const run = await agora(['import', 'customers', file, '--map', 'user_id=CRM ID', '--json'], {
        DATABASE_URL: postgresUrlForSchema(test.location),
      });
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ rows: 2, accepted: 2, rejected: 0, errors: null });
      expect(
        await test.db.query(
          `SELECT i.value, c.traits FROM identities i JOIN customers c USING (workspace_id, customer_id)
            WHERE i.kind = 'email' ORDER BY i.value`,
        ),
      ).toEqual([
        { value: 'ann@example.com', traits: { email: 'ann@example.com', plan: 'pro' } },
        { value: 'bob@example.com', traits: { email: 'bob@example.com', plan: 'free' } },
      ]);
    });
  });
}
