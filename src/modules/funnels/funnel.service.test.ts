import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.ts';
import { describeEachEngine } from '../../../test/engines.ts';
import { createIngestService } from '../ingestion/index.ts';
import { type FunnelQuery, FunnelQuerySchema } from './funnel.schema.ts';
import { createFunnelService, type FunnelService } from './funnel.service.ts';
import { ADD, BUY, D0, funnelFixture, HOUR, VIEW } from './funnel-fixture.ts';

describeEachEngine('custom funnels', ({ db }) => {
  let t: TestApp;
  let funnels: FunnelService;
  const ws = () => t.workspace.workspaceId;
  const run = (query: Partial<FunnelQuery> & Record<string, unknown>) =>
    funnels.run(ws(), FunnelQuerySchema.parse({ steps: [VIEW, ADD, BUY], window: '7d', ...query }));
  const counts = async (query: Record<string, unknown> = {}) =>
    (await run(query)).steps.map((step) => step.customers);

  beforeAll(async () => {
    t = await createTestApp(db());
    const result = await createIngestService(t.deps).ingest(ws(), funnelFixture);
    expect(result.rejected).toEqual([]);
    funnels = createFunnelService(t.deps);
  });
  afterAll(() => t.app.close());

  it('counts each customer once, by the attempt that went furthest within the window', async () => {
    const result = await run({});
    expect(result.steps).toEqual([
      {
        name: VIEW,
        customers: 7,
        conversionFromPrevious: null,
        conversionFromStart: 1,
        droppedFromPrevious: null,
        medianTimeFromPrevious: null,
        p90TimeFromPrevious: null,
      },
      {
        name: ADD,
        customers: 6,
        conversionFromPrevious: 6 / 7,
        conversionFromStart: 6 / 7,
        droppedFromPrevious: 1,
        medianTimeFromPrevious: 1.5 * HOUR,
        p90TimeFromPrevious: 17.5 * HOUR,
      },
      {
        name: BUY,
        customers: 4,
        conversionFromPrevious: 4 / 6,
        conversionFromStart: 4 / 7,
        droppedFromPrevious: 2,
        medianTimeFromPrevious: 1 * HOUR,
        p90TimeFromPrevious: 100.4 * HOUR,
      },
    ]);
    expect(result.timeToConvert.map((bucket) => [bucket.label, bucket.customers])).toEqual([
      ['under 1 hour', 0],
      ['1–24 hours', 3],
      ['1–3 days', 0],
      ['3–7 days', 1],
    ]);
  });

  it('in strict order allows no other touchpoint between steps', async () => {
    expect(await counts({ order: 'strict' })).toEqual([7, 5, 3]);
  });

  it('drops the attempts with an excluded event between the steps it names', async () => {
    expect(await counts({ exclude: [{ event: 'Support Requested', afterStep: 1, beforeStep: 2 }] })).toEqual([
      6, 5, 3,
    ]);
    // Between steps 2 and 3 the support request (before the add) does not count.
    expect(await counts({ exclude: [{ event: 'Support Requested', afterStep: 2, beforeStep: 3 }] })).toEqual([
      7, 6, 4,
    ]);
  });

  it('breaks down by a property of the first step of the attempt that counted', async () => {
    const result = await run({ breakdown: 'properties.list' });
    expect(
      result.breakdown!.groups.map((group) => [group.value, group.steps.map((step) => step.customers)]),
    ).toEqual([
      ['search', [4, 4, 3]],
      ['home', [3, 2, 1]],
    ]);
    expect(result.steps.map((step) => step.customers)).toEqual([7, 6, 4]);
  });

  it('counts accounts, joining the paths of their members', async () => {
    expect(await counts({ aggregateBy: 'account' })).toEqual([2, 1, 1]);
  });

  it('narrows attempts to a window of time and to a shorter conversion window', async () => {
    expect(await counts({ from: new Date(D0 + 48 * HOUR * 1000) })).toEqual([1, 1, 1]);
    // u2 added after 30 hours, u5 bought six days after viewing.
    expect(await counts({ window: '1d' })).toEqual([7, 5, 3]);
  });

  it('answers an empty funnel for a time with no attempts', async () => {
    const result = await run({ to: new Date('2020-01-01T00:00:00Z') });
    expect(result.steps.map((step) => [step.customers, step.conversionFromStart])).toEqual([
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
  });

  it('refuses an event name no event has, suggesting the right case', async () => {
    await expect(run({ steps: [VIEW, 'product added'] })).rejects.toThrow(
      'steps[1]: no event is named "product added" in this workspace. Event names are case-sensitive: did you mean "Product Added"?',
    );
  });
});
