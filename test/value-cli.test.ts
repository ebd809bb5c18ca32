/** `agora value valuate|customers|customer` as a user runs them: on the database directly, and through a server. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agora, serve } from './cli.ts';
import { createTestDatabase, postgresUrlForSchema, type TestDatabase, testEngines } from './engines.ts';
import { orderHistory } from './order-history.ts';

for (const engine of testEngines) {
  describe(`agora value valuate, customers and customer [${engine}]`, () => {
    let dir: string;
    let postgres: TestDatabase | null = null;
    let env: Record<string, string>;

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'agora-value-'));
      postgres = engine === 'postgres' ? await createTestDatabase('postgres') : null;
      env = postgres
        ? { AGORA_DATA_DIR: dir, DATABASE_URL: postgresUrlForSchema(postgres.location) }
        : { AGORA_DATA_DIR: dir };
      const file = path.join(dir, 'orders.ndjson');
      await writeFile(
        file,
        orderHistory()
          .map((message) => JSON.stringify(message))
          .join('\n'),
      );
      expect((await agora(['import', 'events', file], env)).code).toBe(0);
    });
    afterAll(async () => {
      await postgres?.drop();
      await rm(dir, { recursive: true, force: true });
    });

    it('says there is nothing to read before the first valuation', async () => {
      const run = await agora(['value', 'customers'], env);
      expect(run).toMatchObject({
        code: 0,
        stdout: expect.stringContaining('No customer has been valued yet'),
      });
      expect(await agora(['value', 'customer', '1'], env)).toMatchObject({
        code: 1,
        stderr: expect.stringContaining('no customer has been valued yet'),
      });
    });

    it('values every buyer, then lists them by value and shows one', async () => {
      const valuation = await agora(['value', 'valuate', '--time-unit', 'day', '--json'], env);
      expect(valuation.code, valuation.stderr).toBe(0);
      expect(JSON.parse(valuation.stdout)).toMatchObject({ customers: 40, months: 12, discountRate: 0.01 });

      const page = JSON.parse((await agora(['value', 'customers', '--limit', '5', '--json'], env)).stdout);
      expect(page.customers).toBe(40);
      expect(page.list).toHaveLength(5);
      const values = page.list.map((entry: { clv: number }) => entry.clv);
      expect(values).toEqual([...values].sort((a, b) => b - a));

      const top = page.list[0];
      const shown = await agora(['value', 'customer', String(top.customerId)], env);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toContain(`CUSTOMER ${top.customerId}`);
      expect(shown.stdout).toContain(Math.round(top.clv).toLocaleString('en-US'));
      const json = JSON.parse(
        (await agora(['value', 'customer', String(top.customerId), '--json'], env)).stdout,
      );
      expect(json).toEqual(top);

      // Ten bought once: every fourth customer.
      const once = JSON.parse(
        (await agora(['value', 'customers', '--sort', 'recency', '--limit', '40', '--json'], env)).stdout,
      );
      expect(
        once.list.filter((entry: { repeatPurchases: number }) => entry.repeatPurchases === 0),
      ).toHaveLength(10);
    });

    it('says what to change about options it cannot take', async () => {
      expect(await agora(['value', 'customers', '--limit', '0'], env)).toMatchObject({
        code: 2,
        stderr: 'agora: --limit: must be from 1 to 1000 (got "0").\n',
      });
      expect((await agora(['value', 'customer', 'abc'], env)).code).toBe(2);
      expect(await agora(['value', 'valuate', '--months', '200'], env)).toMatchObject({
        code: 2,
        stderr: 'agora: --months: must be from 1 to 120 (got "200").\n',
      });
    });

    if (engine === 'duckdb')
      it('goes through the server while one serves the data directory', async () => {
        const local = JSON.parse((await agora(['value', 'customers', '--limit', '3', '--json'], env)).stdout);
        const server = await serve(env);
        try {
          const remote = JSON.parse(
            (await agora(['value', 'customers', '--limit', '3', '--json'], env)).stdout,
          );
          expect(remote).toEqual(local);
          const valuation = await agora(['value', 'valuate', '--time-unit', 'day'], env);
          expect(valuation.stdout).toMatch(/^Valued 40 customers as of 2026-\d\d-\d\d with model \d+: /);
        } finally {
          server.child.kill('SIGTERM');
          await new Promise((resolve) => server.child.once('exit', resolve));
        }
      });
  });
}
