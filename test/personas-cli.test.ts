/** `agora personas` as a user runs it: refresh, list, show and rename, as tables and as JSON. */
import { describe, expect, it } from 'vitest';
import { customer, planted } from '../src/modules/personas/persona-fixture.ts';
import { agora, dataDirWithEvents } from './cli.ts';
import { testEngines } from './engines.ts';

for (const engine of testEngines) {
  describe(`agora personas [${engine}]`, () => {
    const data = dataDirWithEvents(engine, 'personas', () =>
      [...planted].flatMap(([userId, kind]) => customer(userId, kind)),
    );

    it('finds the personas, lists and shows them, and keeps a new name', async () => {
      const refreshed = await agora(
        ['personas', 'refresh', '--k-min', '2', '--k-max', '5', '--json'],
        data.env,
      );
      expect(refreshed.code, refreshed.stderr).toBe(0);
      const { personas } = JSON.parse(refreshed.stdout) as {
        personas: Array<{ personaId: number; customers: number }>;
      };
      expect(personas.map((persona) => persona.customers)).toEqual([15, 15, 15]);
      const table = await agora(['personas', 'list'], data.env);
      expect(table.stdout).toMatch(/Email · desktop · engage/);
      const id = String(personas[0]!.personaId);
      const renamed = await agora(['personas', 'rename', id, 'Whitepaper readers', '--json'], data.env);
      expect(JSON.parse(renamed.stdout)).toMatchObject({ name: 'Whitepaper readers', renamed: true });
      expect((await agora(['personas', 'show', id], data.env)).stdout).toContain('Whitepaper readers');
      const unknown = await agora(['personas', 'show', '999'], data.env);
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr).toContain('No persona 999');
    });
  });
}
