import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, invalidInputMessage, type TestApp } from '../../../test/app.ts';
import { describeEachEngine } from '../../../test/engines.ts';
import { funnelFixture } from '../funnels/funnel-fixture.ts';
import { createIngestService } from '../ingestion/index.ts';

describeEachEngine('journeys API', ({ db }) => {
  let t: TestApp;
  const get = (url: string) => t.app.inject({ method: 'GET', url, headers: t.admin });
  const refusal = async (url: string) => invalidInputMessage(await get(url));

  beforeAll(async () => {
    t = await createTestApp(db());
    await createIngestService(t.deps).ingest(t.workspace.workspaceId, funnelFixture);
  });
  afterAll(() => t.app.close());

  it('answers each journey report in its documented shape', async () => {
    const paths = await get('/api/journeys/paths?start=Product%20Viewed&depth=3');
    expect(paths.statusCode).toBe(200);
    expect(paths.json()).toMatchObject({ anchor: { event: 'Product Viewed', side: 'start' }, customers: 7 });
    const purchase = await get('/api/journeys/path-to-purchase?segment=b2c');
    expect(purchase.statusCode).toBe(200);
    expect(purchase.json().buyers).toBeGreaterThan(0);
    expect((await get('/api/journeys/micro-moments?mobileOnly=false')).statusCode).toBe(200);
    const cohorts = await get('/api/journeys/cohorts?cohort=firstChannel&months=3');
    expect(cohorts.statusCode).toBe(200);
    expect(cohorts.json().rows[0].retained).toHaveLength(3);
  });

  it('answers an empty report for a period with no events', async () => {
    const paths = await get('/api/journeys/paths?start=Product%20Viewed&to=2020-01-01');
    expect(paths.statusCode).toBe(200);
    expect(paths.json()).toMatchObject({ customers: 0, nodes: [], links: [], topPaths: [] });
    expect((await get('/api/journeys/micro-moments?to=2020-01-01')).json()).toMatchObject({
      moments: 0,
      mobileShare: null,
    });
  });

  it('says what to change about a report it cannot make', async () => {
    expect(await refusal('/api/journeys/paths?depth=3')).toContain('give either `start` or `end`');
    expect(await refusal('/api/journeys/paths?start=A&end=B')).toContain('give either `start` or `end`');
    expect(await refusal('/api/journeys/paths?start=A&depth=40')).toContain('must be at most 10');
    expect(await refusal('/api/journeys/paths?start=product%20viewed')).toBe(
      'start: no event is named "product viewed" in this workspace. Event names are case-sensitive: did you mean "Product Viewed"?',
    );
    expect(await refusal('/api/journeys/cohorts?from=2026-05-01&to=2026-04-01')).toContain(
      '`from` must be before `to`',
    );
    expect(await refusal('/api/journeys/micro-moments?maxGapMinutes=0')).toContain('maxGapMinutes');
    expect(await refusal('/api/journeys/cohorts?months=100')).toContain('months');
    expect(await refusal('/api/journeys/path-to-purchase?savedSegment=nobody')).toBe(
      'savedSegment: no saved segment is named "nobody"; GET /api/segments lists them.',
    );
    expect(await refusal('/api/journeys/cohorts?persona=first')).toContain('persona');
  });
});
