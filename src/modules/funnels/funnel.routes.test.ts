import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, invalidInputMessage, type TestApp } from '../../../test/app.ts';
import { describeEachEngine } from '../../../test/engines.ts';
import { createIngestService } from '../ingestion/index.ts';
import { ADD, BUY, funnelFixture, VIEW } from './funnel-fixture.ts';

describeEachEngine('funnel API', ({ db }) => {
  let t: TestApp;
  const post = (payload: object) =>
    t.app.inject({ method: 'POST', url: '/api/funnels', headers: t.admin, payload });
  const refusal = async (payload: object) => invalidInputMessage(await post(payload));

  beforeAll(async () => {
    t = await createTestApp(db());
    await createIngestService(t.deps).ingest(t.workspace.workspaceId, funnelFixture);
  });
  afterAll(() => t.app.close());

  it('answers the funnel of the steps asked', async () => {
    const response = await post({ steps: [VIEW, ADD, BUY], window: '7d' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      aggregateBy: 'customer',
      order: 'loose',
      windowSeconds: 604_800,
      breakdown: null,
    });
    expect(response.json().steps.map((step: { customers: number }) => step.customers)).toEqual([7, 6, 4]);
  });

  it('says what to change about steps, windows, filters and exclusions it cannot use', async () => {
    expect(await refusal({ steps: [] })).toContain('needs at least two steps');
    expect(await refusal({ steps: Array.from({ length: 21 }, () => VIEW) })).toContain(
      'takes at most 20 steps',
    );
    expect(await refusal({ steps: [VIEW, ADD], window: '-3d' })).toContain('must be a number and a unit');
    expect(await refusal({ steps: [VIEW, ADD], window: '0h' })).toContain('must be longer than zero');
    expect(await refusal({ steps: [VIEW, ADD], window: '2000d' })).toContain('must be at most 365 days');
    expect(await refusal({ steps: [VIEW, ADD], from: '2026-06-01', to: '2026-05-01' })).toContain(
      '`from` must be before `to`',
    );
    expect(
      await refusal({
        steps: [VIEW, ADD],
        exclude: [{ event: 'Support Requested', afterStep: 2, beforeStep: 3 }],
      }),
    ).toContain('afterStep < beforeStep');
    expect(await refusal({ steps: [VIEW, ADD], breakdown: 'properties.a b' })).toContain('properties.<key>');
    expect(await refusal({ steps: [VIEW, 'Product Adeed'] })).toContain('no event is named "Product Adeed"');
  });
});
