/** `agora behaviors` and its verbs as a user runs them: on the database directly, and through a server. */
import { describe, expect, it } from 'vitest';
import { agora, dataDirWithEvents, serve } from './cli.ts';
import { testEngines } from './engines.ts';

/** u1 votes on an idea, u2 reads a guide, u3 customises twice: March 2026. */
const EVENTS = [
  ['u1', 'Idea Voted', '2026-03-20T10:00:00Z'],
  ['u2', 'Content Viewed', '2026-03-25T10:00:00Z'],
  ['u3', 'Product Customized', '2026-03-10T10:00:00Z'],
  ['u3', 'Product Customized', '2026-03-12T10:00:00Z'],
].map(([userId, event, timestamp], i) => ({ type: 'track', event, userId, timestamp, messageId: `c-${i}` }));

for (const engine of testEngines) {
  describe(`agora behaviors [${engine}]`, () => {
    const data = dataDirWithEvents(engine, 'behaviors', () => EVENTS);

    it('prints the organisation, its groups and the strategies called for, as JSON and as tables', async () => {
      const run = await agora(['behaviors', '--json'], data.env);
      expect(run.code, run.stderr).toBe(0);
      const report = JSON.parse(run.stdout);
      expect(report.organisation.activeCustomers).toBe(3);
      expect(report.organisation.strongest).toBe('customize');
      expect(report.strategies.length).toBeGreaterThan(0);
      const table = await agora(['behaviors'], data.env);
      expect(table.stdout).toMatch(/^all\s+3\s/m);
      expect(table.stdout).toContain('Strategies the numbers call for:');
    });

    it('gives each verb its own --json, and tracks a strategy', async () => {
      const coverage = JSON.parse((await agora(['behaviors', 'coverage', '--json'], data.env)).stdout);
      expect(coverage.behaviors).toHaveLength(5);
      const tracked = await agora(
        ['behaviors', 'track', 'co-creation', '--since', '2026-03-15', '--json'],
        data.env,
      );
      expect(JSON.parse(tracked.stdout)).toMatchObject({
        strategyId: 'co-creation',
        behavior: 'collaborate',
      });
      const listed = await agora(['behaviors', 'initiatives'], data.env);
      expect(listed.stdout).toMatch(/co-creation\s+2026-03-15\s+collaborate reach/);
    });

    it('says what to change about options it cannot take', async () => {
      expect(await agora(['behaviors', '--window', '3'], data.env)).toMatchObject({
        code: 2,
        stderr: 'agora: --window: must be from 7 to 365 days (got "3").\n',
      });
      expect((await agora(['behaviors', 'track', 'no-such'], data.env)).code).toBe(1);
    });

    if (engine === 'duckdb')
      it('goes through the server while one serves the data directory', async () => {
        const local = JSON.parse((await agora(['behaviors', '--json'], data.env)).stdout);
        const server = await serve(data.env);
        try {
          const remote = JSON.parse((await agora(['behaviors', '--json'], data.env)).stdout);
          expect(remote.organisation).toEqual(local.organisation);
        } finally {
          server.child.kill('SIGTERM');
          await new Promise((resolve) => server.child.once('exit', resolve));
        }
      });
  });
}
