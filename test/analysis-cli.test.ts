/** `agora lifecycle` and `agora funnel` as a user runs them: on the database directly, and through a server. */
import { describe, expect, it } from 'vitest';
import { funnelFixture } from '../src/modules/funnels/funnel-fixture.ts';
import { agora, dataDirWithEvents, serve } from './cli.ts';
import { testEngines } from './engines.ts';

const STEPS = ['funnel', '--steps', 'Product Viewed,Product Added,Order Completed', '--window', '7d'];

for (const engine of testEngines) {
  describe(`agora lifecycle and agora funnel [${engine}]`, () => {
    const data = dataDirWithEvents(engine, 'analysis', () => funnelFixture);

    it('prints a funnel as JSON, one entry per step in order', async () => {
      const run = await agora([...STEPS, '--json'], data.env);
      expect(run.code).toBe(0);
      const { steps } = JSON.parse(run.stdout);
      expect(steps.map((step: { name: string; customers: number }) => [step.name, step.customers])).toEqual([
        ['Product Viewed', 7],
        ['Product Added', 6],
        ['Order Completed', 4],
      ]);
      expect(steps[2]).toMatchObject({ conversionFromPrevious: 4 / 6, medianTimeFromPrevious: 3600 });
    });

    it('prints a funnel and the lifecycle as tables', async () => {
      const funnel = await agora(STEPS, data.env);
      expect(funnel.stdout).toMatch(/3\s+Order Completed\s+4\s+66\.7%\s+57\.1%\s+2\s+1\.0 h/);
      const lifecycle = await agora(['lifecycle'], data.env);
      expect(lifecycle.code).toBe(0);
      expect(lifecycle.stdout).toMatch(/awareness\s+8\s/);
    });

    it('says what to change about a funnel it cannot run', async () => {
      expect(await agora(['funnel', '--steps', 'Product Viewed'], data.env)).toMatchObject({
        code: 2,
        stderr:
          'agora: --steps: needs at least two steps, e.g. ["Product Viewed", "Order Completed"] (got ["Product Viewed"]).\n',
      });
      const tooLong = await agora([...STEPS.slice(0, 3), '--window', '400d'], data.env);
      expect(tooLong.stderr).toBe('agora: --window: must be at most 365 days (got "400d").\n');
    });

    if (engine === 'duckdb')
      it('goes through the server while one serves the data directory', async () => {
        const server = await serve(data.env);
        try {
          const run = await agora([...STEPS, '--json', '--breakdown', 'properties.list'], data.env);
          expect(run.code).toBe(0);
          const result = JSON.parse(run.stdout);
          expect(result.windowSeconds).toBe(7 * 86_400);
          expect(result.breakdown.groups.map((group: { value: string }) => group.value)).toEqual([
            'search',
            'home',
          ]);
          const lifecycle = JSON.parse((await agora(['lifecycle', '--json'], data.env)).stdout);
          expect(lifecycle.groups[0].customers).toBe(8);
        } finally {
          server.child.kill('SIGTERM');
          await new Promise((resolve) => server.child.once('exit', resolve));
        }
      });
  });
}
