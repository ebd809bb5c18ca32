/** `agora lifecycle` and `agora funnel` as a user runs them: on the database directly, and through a server. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { funnelFixture } from '../src/modules/funnels/funnel-fixture.ts';
import { agora, serve } from './cli.ts';
import { createTestDatabase, postgresUrlForSchema, type TestDatabase, testEngines } from './engines.ts';

const STEPS = ['funnel', '--steps', 'Product Viewed,Product Added,Order Completed', '--window', '7d'];

for (const engine of testEngines) {
  describe(`agora lifecycle and agora funnel [${engine}]`, () => {
    let dir: string;
    let postgres: TestDatabase | null = null;
    let env: Record<string, string>;

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'agora-analysis-'));
      postgres = engine === 'postgres' ? await createTestDatabase('postgres') : null;
      env = postgres
        ? { AGORA_DATA_DIR: dir, DATABASE_URL: postgresUrlForSchema(postgres.location) }
        : { AGORA_DATA_DIR: dir };
      const file = path.join(dir, 'events.ndjson');
      await writeFile(file, funnelFixture.map((message) => JSON.stringify(message)).join('\n'));
      expect((await agora(['import', 'events', file], env)).code).toBe(0);
    });
    afterAll(async () => {
      await postgres?.drop();
      await rm(dir, { recursive: true, force: true });
    });

    it('prints a funnel as JSON, one entry per step in order', async () => {
      const run = await agora([...STEPS, '--json'], env);
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
      const funnel = await agora(STEPS, env);
      expect(funnel.stdout).toMatch(/3\s+Order Completed\s+4\s+66\.7%\s+57\.1%\s+2\s+1\.0 h/);
      const lifecycle = await agora(['lifecycle'], env);
      expect(lifecycle.code).toBe(0);
      expect(lifecycle.stdout).toMatch(/awareness\s+8\s/);
    });

    it('says what to change about a funnel it cannot run', async () => {
      expect(await agora(['funnel', '--steps', 'Product Viewed'], env)).toMatchObject({
        code: 2,
        stderr:
          'agora: --steps: needs at least two steps, e.g. ["Product Viewed", "Order Completed"] (got ["Product Viewed"]).\n',
      });
      const tooLong = await agora([...STEPS.slice(0, 3), '--window', '400d'], env);
      expect(tooLong.stderr).toBe('agora: --window: must be at most 365 days (got "400d").\n');
    });

    if (engine === 'duckdb')
      it('goes through the server while one serves the data directory', async () => {
        const server = await serve(env);
        try {
          const run = await agora([...STEPS, '--json', '--breakdown', 'properties.list'], env);
          expect(run.code).toBe(0);
          const result = JSON.parse(run.stdout);
          expect(result.windowSeconds).toBe(7 * 86_400);
          expect(result.breakdown.groups.map((group: { value: string }) => group.value)).toEqual([
            'search',
            'home',
          ]);
          const lifecycle = JSON.parse((await agora(['lifecycle', '--json'], env)).stdout);
          expect(lifecycle.groups[0].customers).toBe(8);
        } finally {
          server.child.kill('SIGTERM');
          await new Promise((resolve) => server.child.once('exit', resolve));
        }
      });
  });
}
