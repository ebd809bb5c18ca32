/** `agora value valuate|customers|customer` as a user runs them: on the database directly, and through a server. */
import { describe, expect, it } from 'vitest';
import { agora, dataDirWithEvents, serve } from './cli.ts';
import { testEngines } from './engines.ts';
import { orderHistory } from './order-history.ts';

for (const engine of testEngines) {
  describe(`agora value valuate, customers and customer [${engine}]`, () => {
    const data = dataDirWithEvents(engine, 'value', orderHistory);

    it('says there is nothing to read before the first valuation', async () => {
      const run = await agora(['value', 'customers'], data.env);
      expect(run).toMatchObject({
        code: 0,
        stdout: expect.stringContaining('No customer has been valued yet'),
      });
      expect(await agora(['value', 'customer', '1'], data.env)).toMatchObject({
        code: 1,
        stderr: expect.stringContaining('no customer has been valued yet'),
      });
    });

    it('values every buyer, then lists them by value and shows one', async () => {
      const valuation = await agora(['value', 'valuate', '--time-unit', 'day', '--json'], data.env);
      expect(valuation.code, valuation.stderr).toBe(0);
      expect(JSON.parse(valuation.stdout)).toMatchObject({ customers: 40, months: 12, discountRate: 0.01 });

      const page = JSON.parse(
        (await agora(['value', 'customers', '--limit', '5', '--json'], data.env)).stdout,
      );
      expect(page.customers).toBe(40);
      expect(page.list).toHaveLength(5);
      const values = page.list.map((entry: { clv: number }) => entry.clv);
      expect(values).toEqual([...values].sort((a, b) => b - a));

      const top = page.list[0];
      const shown = await agora(['value', 'customer', String(top.customerId)], data.env);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toContain(`CUSTOMER ${top.customerId}`);
      expect(shown.stdout).toContain(Math.round(top.clv).toLocaleString('en-US'));
      const json = JSON.parse(
        (await agora(['value', 'customer', String(top.customerId), '--json'], data.env)).stdout,
      );
      expect(json).toEqual(top);

      // Ten bought once: every fourth customer.
      const once = JSON.parse(
        (await agora(['value', 'customers', '--sort', 'recency', '--limit', '40', '--json'], data.env))
          .stdout,
      );
      expect(
        once.list.filter((entry: { repeatPurchases: number }) => entry.repeatPurchases === 0),
      ).toHaveLength(10);
    });

    it('says what to change about options it cannot take', async () => {
      expect(await agora(['value', 'customers', '--limit', '0'], data.env)).toMatchObject({
        code: 2,
        stderr: 'agora: --limit: must be from 1 to 1000 (got "0").\n',
      });
      expect((await agora(['value', 'customer', 'abc'], data.env)).code).toBe(2);
      expect(await agora(['value', 'valuate', '--months', '200'], data.env)).toMatchObject({
        code: 2,
        stderr: 'agora: --months: must be from 1 to 120 (got "200").\n',
      });
    });

    if (engine === 'duckdb')
      it('goes through the server while one serves the data directory', async () => {
        const local = JSON.parse(
          (await agora(['value', 'customers', '--limit', '3', '--json'], data.env)).stdout,
        );
        const server = await serve(data.env);
        try {
          const remote = JSON.parse(
            (await agora(['value', 'customers', '--limit', '3', '--json'], data.env)).stdout,
          );
          expect(remote).toEqual(local);
          const valuation = await agora(['value', 'valuate', '--time-unit', 'day'], data.env);
          expect(valuation.stdout).toMatch(/^Valued 40 customers as of 2026-\d\d-\d\d with model \d+: /);
        } finally {
          server.child.kill('SIGTERM');
          await new Promise((resolve) => server.child.once('exit', resolve));
        }
      });
  });
}
