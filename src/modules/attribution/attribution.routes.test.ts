import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, invalidInputMessage, type TestApp } from '../../../test/app.ts';
import { describeEachEngine } from '../../../test/engines.ts';
import { createIngestService } from '../ingestion/index.ts';
import { attributionFixture, CHANNELS } from './attribution-fixture.ts';

describeEachEngine('attribution API', ({ db }) => {
  let t: TestApp;
  const get = (query: string) =>
    t.app.inject({ method: 'GET', url: `/api/attribution${query}`, headers: t.admin });

  beforeAll(async () => {
    t = await createTestApp(db());
    await createIngestService(t.deps).ingest(t.workspace.workspaceId, attributionFixture);
  });
  afterAll(() => t.app.close());

  it('answers every model’s credit per channel, with what each model measures', async () => {
    const response = await get('?lookback=14d&halfLife=1d');
    expect(response.statusCode).toBe(200);
    const report = response.json();
    expect(Object.keys(report.models)).toEqual([
      'firstTouch',
      'lastTouch',
      'lastNonDirect',
      'linear',
      'timeDecay',
      'positionBased',
      'wShaped',
      'markov',
      'shapley',
    ]);
    expect(report.models.lastTouch[CHANNELS.direct]).toEqual({ conversions: 1, revenue: 100 });
    expect(report).toMatchObject({ conversion: 'Order Completed', by: 'channel', lookbackDays: 14 });
    expect(Object.keys(report.meanings)).toHaveLength(9);
  });

  it('says what to change about a conversion, window or grouping it cannot use', async () => {
    expect(invalidInputMessage(await get('?conversion=Order%20Complete'))).toContain(
      'no event is named "Order Complete"',
    );
    expect(invalidInputMessage(await get('?lookback=0d'))).toContain('must be longer than zero');
    expect(invalidInputMessage(await get('?by=colour'))).toContain('must be channel, campaign');
    expect(invalidInputMessage(await get('?markovOrder=4'))).toContain('must be 1, 2 or 3');
    expect(invalidInputMessage(await get('?from=2026-04-01&to=2026-03-01'))).toContain(
      '`from` must be before `to`',
    );
  });

  it('is for admin keys only', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/attribution' });
    expect(response.statusCode).toBe(401);
  });
});
