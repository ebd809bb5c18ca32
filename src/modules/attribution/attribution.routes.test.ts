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
    await createIngestService(t.deps).ingest(t.workspace.workspaceId, [
      ...attributionFixture,
      {
        type: 'identify',
        userId: 'c1',
        messageId: 'r-1',
        timestamp: '2026-03-02T09:00:00Z',
        traits: { spring_test: 'holdout' },
      },
    ]);
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

  it('measures an experiment whose arms a trait holds', async () => {
    const response = await get('/experiments?trait=spring_test&window=7d');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      conversion: 'Order Completed',
      windowDays: 7,
      experiments: [
        {
          experiment: 'spring_test',
          arms: [{ arm: 'holdout', customers: 1, converted: 1, rate: 1 }],
          lift: null,
          note: expect.stringContaining('as values of the trait `spring_test`'),
        },
      ],
    });
  });

  it('documents the trait among the experiments’ query parameters', async () => {
    const document = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const parameters = document.paths['/api/attribution/experiments'].get.parameters;
    expect(parameters.map((parameter: { name: string }) => parameter.name)).toEqual(
      expect.arrayContaining(['event', 'trait']),
    );
  });

  it('says which traits there are when an experiment names one no customer has', async () => {
    expect(invalidInputMessage(await get('/experiments?trait=spring'))).toBe(
      'trait: no customer has a trait named "spring" in this workspace. The traits customers have include "spring_test".',
    );
    expect(
      invalidInputMessage(await get('/experiments?trait=spring_test&event=Experiment%20Assigned')),
    ).toContain('not both');
  });

  it('is for admin keys only', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/attribution' });
    expect(response.statusCode).toBe(401);
  });
});
