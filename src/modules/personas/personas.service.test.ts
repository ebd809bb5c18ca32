import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, invalidInputMessage, type TestApp } from '../../../test/app.ts';
import { describeEachEngine } from '../../../test/engines.ts';
import { createIngestService } from '../ingestion/index.ts';
import { adjustedRandIndex } from './compute-clusters.ts';
import { customer, planted } from './persona-fixture.ts';
import type { PersonaList, StageMatrix } from './personas.schema.ts';

describeEachEngine('personas', ({ db }) => {
  let t: TestApp;
  const ws = () => t.workspace.workspaceId;
  const call = (method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: object) =>
    t.app.inject({ method, url, headers: t.admin, ...(payload ? { payload } : {}) });
  const assignments = async () => {
    const rows = await db().query<{ value: string; persona_id: number }>(
      `SELECT i.value, a.persona_id FROM persona_assignments a
       JOIN identities i ON i.workspace_id = a.workspace_id AND i.customer_id = a.customer_id AND i.kind = 'user'
       WHERE a.workspace_id = $1 ORDER BY i.value`,
      [ws()],
    );
    return new Map(rows.map((row) => [row.value, Number(row.persona_id)]));
  };
  let first: PersonaList;

  beforeAll(async () => {
    t = await createTestApp(db());
    const messages = [...planted].flatMap(([userId, kind]) => customer(userId, kind));
    expect((await createIngestService(t.deps).ingest(ws(), messages)).rejected).toEqual([]);
    const response = await call('POST', '/api/personas/refresh', { kMin: 2, kMax: 6, seed: 7 });
    expect(response.statusCode, response.body).toBe(200);
    first = response.json() as PersonaList;
  });
  afterAll(() => t.app.close());

  it('finds the three planted kinds of customer, each whole', async () => {
    expect(first.run!.k).toBe(3);
    expect(first.run!.candidates.map((candidate) => candidate.k)).toEqual([2, 3, 4, 5, 6]);
    const assigned = await assignments();
    const users = [...planted.keys()].sort();
    expect(
      adjustedRandIndex(
        users.map((user) => planted.get(user)!),
        users.map((user) => assigned.get(user)!),
      ),
    ).toBe(1);
    expect(first.personas.map((persona) => persona.customers)).toEqual([15, 15, 15]);
  });

  it('says which persona a customer belongs to, with its name, and refuses an unknown customer', async () => {
    const [row] = await db().query<{ customer_id: number }>(
      "SELECT customer_id FROM identities WHERE workspace_id = $1 AND kind = 'user' AND value = 'reader-0'",
      [ws()],
    );
    const customerId = Number(row!.customer_id);
    const response = await call('GET', `/api/personas/customers/${customerId}`);
    expect(response.statusCode, response.body).toBe(200);
    const list = (await call('GET', '/api/personas')).json() as PersonaList & {
      run: { fittedAt: string };
    };
    const personaId = (await assignments()).get('reader-0');
    const persona = list.personas.find((candidate) => candidate.personaId === personaId)!;
    expect(persona.name).toBe('Email · desktop · engage');
    expect(response.json()).toEqual({
      customerId,
      run: { runId: list.run!.runId, fittedAt: list.run!.fittedAt },
      persona: { personaId: persona.personaId, name: persona.name, assignedAt: list.run!.fittedAt },
    });
    const unknown = await call('GET', '/api/personas/customers/999999');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({
      error: { code: 'NOT_FOUND', message: 'There is no customer 999999 in this workspace.' },
    });
    expect(invalidInputMessage(await call('GET', '/api/personas/customers/x'))).toMatch(/whole number/);
    const paths = Object.keys((await call('GET', '/openapi.json')).json().paths);
    expect(paths).toContain('/api/personas/customers/{customerId}');
  });

  it('describes each persona by what sets it apart, with a name made of it', () => {
    expect(first.personas.map((persona) => persona.name).sort()).toEqual([
      'Email · desktop · engage',
      'Organic social · tablet · connect',
      'Paid search · mobile · engage',
    ]);
    const reader = first.personas.find((persona) => persona.name.startsWith('Email'))!;
    expect(reader.distinguishing.map((entry) => entry.label)).toEqual(
      expect.arrayContaining(['desktop', 'email', 'little mobile', 'engage']),
    );
    for (const persona of first.personas) {
      expect(persona.share).toBeCloseTo(1 / 3, 12);
      expect(persona.stages.reduce((sum, stage) => sum + stage.customers, 0)).toBe(15);
    }
  });

  it('keeps a name a person gave across a rerun, and the persona ids', async () => {
    const target = first.personas[0]!;
    const renamed = await call('PATCH', `/api/personas/${target.personaId}`, { name: '  Night owls ' });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({
      name: 'Night owls',
      renamed: true,
      generatedName: target.generatedName,
    });
    const rerun = (
      await call('POST', '/api/personas/refresh', { kMin: 2, kMax: 6, seed: 7 })
    ).json() as PersonaList;
    expect(rerun.run!.runId).toBeGreaterThan(first.run!.runId);
    expect(rerun.personas.map((persona) => persona.personaId).sort()).toEqual(
      first.personas.map((persona) => persona.personaId).sort(),
    );
    const again = (await call('GET', `/api/personas/${target.personaId}`)).json() as { name: string };
    expect(again.name).toBe('Night owls');
  });

  it('assigns customers who arrive after the run to the nearest persona', async () => {
    const before = await assignments();
    const newcomers = [...customer('late-sharer', 'sharer', 20), ...customer('late-reader', 'reader', 20)];
    expect((await createIngestService(t.deps).ingest(ws(), newcomers)).rejected).toEqual([]);
    const list = (await call('GET', '/api/personas')).json() as PersonaList;
    expect(list.newlyAssigned).toBe(2);
    const after = await assignments();
    expect(after.get('late-sharer')).toBe(before.get('sharer-0'));
    expect(after.get('late-reader')).toBe(before.get('reader-0'));
    expect(list.personas.reduce((sum, persona) => sum + persona.customers, 0)).toBe(47);
  });

  it('counts each persona’s customers by lifecycle stage', async () => {
    const matrix = (await call('GET', '/api/personas/stages')).json() as StageMatrix;
    expect(matrix.stages[0]).toBe('awareness');
    expect(matrix.rows).toHaveLength(3);
    for (const row of matrix.rows) {
      expect(row.counts).toHaveLength(matrix.stages.length);
      expect(row.counts.reduce((sum, count) => sum + count, 0)).toBeLessThanOrEqual(row.customers);
    }
  });

  it('counts a saved segment’s members by persona and stage, and refuses a segment that does not exist', async () => {
    const saved = await call('PUT', '/api/segments/sharers', {
      name: 'Sharers',
      rules: { event: 'Product Shared', count: { op: 'gte', value: 1 } },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    const whole = (await call('GET', '/api/personas/stages')).json() as StageMatrix;
    const matrix = (await call('GET', '/api/personas/stages?savedSegment=sharers')).json() as StageMatrix;
    // The fifteen planted sharers, all in the sharers' persona and in Advocacy; the late sharer, whom the
    // lifecycle has not placed yet (its refresh runs in the background), is in neither the funnel nor the
    // segment, but is one of the persona's customers.
    const sharers = (await assignments()).get('sharer-0');
    const row = (matrix: StageMatrix) => matrix.rows.find((candidate) => candidate.personaId === sharers)!;
    expect(row(whole)).toMatchObject({ customers: 16, counts: [0, 0, 0, 0, 0, 15] });
    expect(row(matrix)).toEqual({ ...row(whole), customers: 15 });
    for (const other of matrix.rows.filter((candidate) => candidate.personaId !== sharers))
      expect(other).toMatchObject({ customers: 0, counts: [0, 0, 0, 0, 0, 0] });
    const unknown = await call('GET', '/api/personas/stages?savedSegment=nobody');
    expect(invalidInputMessage(unknown)).toContain('no saved segment is named "nobody"');
  });

  it('refuses a k range out of order or outside 2–20, an empty name and an unknown persona', async () => {
    expect(invalidInputMessage(await call('POST', '/api/personas/refresh', { kMin: 6, kMax: 3 }))).toMatch(
      /kMin must not be above kMax/,
    );
    expect(invalidInputMessage(await call('POST', '/api/personas/refresh', { kMax: 21 }))).toMatch(/2 to 20/);
    expect(invalidInputMessage(await call('POST', '/api/personas/refresh', { kMin: 1 }))).toMatch(/2 to 20/);
    const id = first.personas[0]!.personaId;
    expect(invalidInputMessage(await call('PATCH', `/api/personas/${id}`, { name: '   ' }))).toMatch(/empty/);
    for (const response of [
      await call('GET', '/api/personas/999999'),
      await call('PATCH', '/api/personas/999999', { name: 'x' }),
    ]) {
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    }
  });

  it('says how many customers are needed when a workspace has too few to cluster', async () => {
    const small = await createTestApp(db());
    try {
      await createIngestService(small.deps).ingest(small.workspace.workspaceId, customer('only', 'reader'));
      const response = await small.app.inject({
        method: 'POST',
        url: '/api/personas/refresh',
        headers: small.admin,
        payload: {},
      });
      expect(invalidInputMessage(response)).toMatch(/1 customers .* at least 30 are needed/);
      const empty = (
        await small.app.inject({ method: 'GET', url: '/api/personas', headers: small.admin })
      ).json();
      expect(empty).toEqual({ run: null, personas: [], newlyAssigned: 0 });
      const [only] = await db().query<{ customer_id: number }>(
        'SELECT customer_id FROM customers WHERE workspace_id = $1',
        [small.workspace.workspaceId],
      );
      const none = await small.app.inject({
        method: 'GET',
        url: `/api/personas/customers/${only!.customer_id}`,
        headers: small.admin,
      });
      expect(none.json()).toEqual({ customerId: Number(only!.customer_id), run: null, persona: null });
    } finally {
      await small.app.close();
    }
  });
});
