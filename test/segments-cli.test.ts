/** `agora segments` as a user runs it: on the database directly, and through a server. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { segmentFixture } from '../src/modules/segments/segment-fixture.ts';
import { agora, dataDirWithEvents, serve } from './cli.ts';
import { testEngines } from './engines.ts';

const PROS = { trait: 'plan', value: 'pro' };

for (const engine of testEngines) {
  describe(`agora segments [${engine}]`, () => {
    const data = dataDirWithEvents(engine, 'segments', segmentFixture);
    const rulesFile = async (name: string, rules: unknown) => {
      const file = path.join(data.dir, name);
      await writeFile(file, typeof rules === 'string' ? rules : JSON.stringify(rules));
      return file;
    };

    it('evaluates a rules file: size and members as JSON, and as a table', async () => {
      const file = await rulesFile('pros.json', PROS);
      const run = await agora(['segments', 'evaluate', file, '--json'], data.env);
      expect(run.code, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout);
      expect(result.size).toBe(2);
      expect(result.members.map((member: { userId: string }) => member.userId).sort()).toEqual([
        'ana',
        'ivy',
      ]);
      const table = await agora(['segments', 'evaluate', file], data.env);
      expect(table.stdout).toMatch(/^2 customers as of 2026-04-01T00:00:00.000Z/);
      expect(table.stdout).toMatch(/ana\s+ana@example\.com\s+loyalty/);
    });

    it('saves, lists, shows, refreshes and exports a segment', async () => {
      const file = await rulesFile('pros.json', PROS);
      const saved = await agora(['segments', 'save', 'pros', file, '--name', 'Pro plan'], data.env);
      expect(saved.stdout).toBe('Saved segment pros: 2 members.\n');
      const list = JSON.parse((await agora(['segments', 'list', '--json'], data.env)).stdout);
      expect(
        list.segments.map((segment: { slug: string; members: number }) => [segment.slug, segment.members]),
      ).toEqual([['pros', 2]]);
      expect((await agora(['segments', 'show', 'pros'], data.env)).stdout).toContain(
        'Pro plan (pros): 2 members',
      );
      expect((await agora(['segments', 'refresh', 'pros'], data.env)).stdout).toMatch(
        /^pros: 2 members; 0 joined, 0 left/,
      );
      const csv = (await agora(['segments', 'export', 'pros'], data.env)).stdout.trim().split('\n');
      expect(csv[0]).toBe('customer_id,user_id,email,stage,joined_at');
      expect(csv.slice(1).map((line) => line.split(',').slice(1, 4).join(','))).toEqual(
        expect.arrayContaining(['ana,ana@example.com,loyalty', 'ivy,,advocacy']),
      );
    });

    it('says what is wrong with a rules file, and exits 2', async () => {
      const bad = await agora(
        ['segments', 'evaluate', await rulesFile('bad.json', { all: [{ stage: 'delight' }] })],
        data.env,
      );
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('rules.all[0].stage.0: must be a stage');
      const notJson = await agora(
        ['segments', 'evaluate', await rulesFile('broken.json', '{"all": [')],
        data.env,
      );
      expect(notJson.stderr).toMatch(/^agora: The rules file .*broken\.json is not JSON/);
      const missing = await agora(['segments', 'evaluate', path.join(data.dir, 'nowhere.json')], data.env);
      expect(missing.stderr).toMatch(/Cannot read the rules file .*nowhere\.json: ENOENT/);
    });

    if (engine === 'duckdb')
      it('goes through the server while one serves the data directory', async () => {
        const server = await serve(data.env);
        try {
          const file = await rulesFile('pros.json', PROS);
          const run = await agora(['segments', 'evaluate', file, '--json'], data.env);
          expect(run.code, run.stderr).toBe(0);
          expect(JSON.parse(run.stdout).size).toBe(2);
          const csv = await agora(['segments', 'export', 'pros'], data.env);
          expect(csv.stdout.trim().split('\n')).toHaveLength(3);
          expect((await agora(['segments', 'export', 'nobody'], data.env)).stderr).toContain(
            'No segment is named "nobody"',
          );
        } finally {
          server.child.kill('SIGTERM');
          await new Promise((resolve) => server.child.once('exit', resolve));
        }
      });
  });
}
