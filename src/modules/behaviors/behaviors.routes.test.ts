import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, invalidInputMessage, type TestApp } from '../../../test/app.ts';
import { describeEachEngine } from '../../../test/engines.ts';
import { createIngestService } from '../ingestion/index.ts';

describeEachEngine('behaviours API', ({ db }) => {
  let t: TestApp;
  const call = (method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: object) =>
    t.app.inject({ method, url: `/api/behaviors${url}`, headers: t.admin, ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    t = await createTestApp(db());
    const result = await createIngestService(t.deps).ingest(t.workspace.workspaceId, [
      {
        type: 'track',
        event: 'Idea Voted',
        userId: 'u1',
        timestamp: '2026-03-20T10:00:00Z',
        messageId: 'm1',
      },
      {
        type: 'track',
        event: 'Content Viewed',
        userId: 'u2',
        timestamp: '2026-03-25T10:00:00Z',
        messageId: 'm2',
      },
    ]);
    expect(result.rejected).toEqual([]);
  });
  afterAll(() => t.app.close());

  it('answers the radar’s data for the organisation and each group', async () => {
    const response = await call('GET', '?window=30&breakdown=segment');
    expect(response.statusCode).toBe(200);
    const report = response.json();
    expect(report).toMatchObject({ asOf: '2026-03-26T00:00:00.000Z', windowDays: 30, breakdown: 'segment' });
    expect(report.organisation.activeCustomers).toBe(2);
    expect(report.organisation.behaviors.map((entry: { behavior: string }) => entry.behavior)).toEqual([
      'access',
      'engage',
      'customize',
      'connect',
      'collaborate',
    ]);
  });

  it('refuses a window out of range and a playbook edit that lacks a field, saying which', async () => {
    expect(invalidInputMessage(await call('GET', '?window=3'))).toContain(
      'window: must be from 7 to 365 days',
    );
    const edit = await call('PUT', '/strategies/co-creation', {
      behavior: 'collaborate',
      title: 'Co-create',
    });
    expect(invalidInputMessage(edit)).toContain('description: is missing: a strategy needs a description');
    expect((await call('DELETE', '/strategies/no-such')).statusCode).toBe(404);
    const track = await call('POST', '/initiatives', { strategyId: 'no-such' });
    expect(track.statusCode).toBe(404);
  });

  it('documents every behaviours route in OpenAPI', async () => {
    const paths = Object.keys((await t.app.inject({ method: 'GET', url: '/openapi.json' })).json().paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/behaviors',
        '/api/behaviors/customers/{customerId}',
        '/api/behaviors/coverage',
        '/api/behaviors/trend',
        '/api/behaviors/recommendations',
        '/api/behaviors/strategies',
        '/api/behaviors/strategies/{id}',
        '/api/behaviors/initiatives',
      ]),
    );
  });
});
