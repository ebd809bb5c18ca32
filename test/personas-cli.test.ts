/** `agora personas` as a user runs it: refresh, list, show and rename, as tables and as JSON. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customer, planted } from '../src/modules/personas/persona-fixture.ts';
import { agora } from './cli.ts';
import { createTestDatabase, postgresUrlForSchema, type TestDatabase, testEngines } from './engines.ts';

for (const engine of testEngines) {
  describe(`agora personas [${engine}]`, () => {
    let dir: string;
    let postgres: TestDatabase | null = null;
    let env: Record<string, string>;

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'agora-personas-'));
      postgres = engine === 'postgres' ? await createTestDatabase('postgres') : null;
      env = postgres
        ? { AGORA_DATA_DIR: dir, DATABASE_URL: postgresUrlForSchema(postgres.location) }
        : { AGORA_DATA_DIR: dir };
      const file = path.join(dir, 'events.ndjson');
      const messages = [...planted].flatMap(([userId, kind]) => customer(userId, kind));
      await writeFile(file, messages.map((message) => JSON.stringify(message)).join('\n'));
      expect((await agora(['import', 'events', file], env)).code).toBe(0);
    });
    afterAll(async () => {
      await postgres?.drop();
      await rm(dir, { recursive: true, force: true });
    });

    it('finds the personas, lists and shows them, and keeps a new name', async () => {
      const refreshed = await agora(['personas', 'refresh', '--k-min', '2', '--k-max', '5', '--json'], env);
      expect(refreshed.code, refreshed.stderr).toBe(0);
      const { personas } = JSON.parse(refreshed.stdout) as {
        personas: Array<{ personaId: number; customers: number }>;
      };
      expect(personas.map((persona) => persona.customers)).toEqual([15, 15, 15]);
      const table = await agora(['personas', 'list'], env);
      expect(table.stdout).toMatch(/Email · desktop · engage/);
      const id = String(personas[0]!.personaId);
      const renamed = await agora(['personas', 'rename', id, 'Whitepaper readers', '--json'], env);
      expect(JSON.parse(renamed.stdout)).toMatchObject({ name: 'Whitepaper readers', renamed: true });
      expect((await agora(['personas', 'show', id], env)).stdout).toContain('Whitepaper readers');
      const unknown = await agora(['personas', 'show', '999'], env);
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr).toContain('No persona 999');
    });
  });
}
