import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, createWriteKey, invalidInputMessage, type TestApp } from '../../../test/app.ts';
import { describeEachEngine } from '../../../test/engines.ts';
import { lifecycleFixture } from './lifecycle-fixture.ts';

describeEachEngine('lifecycle API', ({ db }) => {
  let t: TestApp;
  const get = (url: string) => t.app.inject({ method: 'GET', url, headers: t.admin });

  beforeAll(async () => {
    t = await createTestApp(db());
    const key = await createWriteKey(t);
    const sent = await t.app.inject({
      method: 'POST',
      url: '/v1/batch',
      payload: { batch: lifecycleFixture(), writeKey: key },
    });
    expect(sent.statusCode).toBe(200);
  });
  afterAll(() => t.app.close());

  it('answers the lifecycle funnel of the tracked customers, refreshed on first read', async () => {
    const response = await get('/api/lifecycle?breakdown=segment');
    expect(response.statusCode).toBe(200);
    const report = response.json();
    expect(report.breakdown).toBe('segment');
    expect(
      Object.fromEntries(
        report.groups.map((group: { key: string; stages: { reached: number }[] }) => [
          group.key,
          group.stages.map((stage) => stage.reached),
        ]),
      ),
    ).toEqual({ b2c: [7, 6, 5, 5, 3, 2], b2b: [2, 2, 1, 1, 0, 0] });
  });

  it('refuses a breakdown it does not know, naming the ones it does', async () => {
    expect(invalidInputMessage(await get('/api/lifecycle?breakdown=weather'))).toContain('segment');
  });

  it('refuses a time range that ends before it starts', async () => {
    expect(invalidInputMessage(await get('/api/lifecycle?from=2026-04-01&to=2026-03-01'))).toContain(
      '`from` must be before `to`',
    );
  });

  it('answers an empty funnel for a period with no customers', async () => {
    const response = await get('/api/lifecycle?from=2020-01-01&to=2020-02-01');
    expect(response.statusCode).toBe(200);
    expect(response.json().groups).toEqual([]);
  });

  it('refreshes on request and keeps the lapsed rule the user sets', async () => {
    const refreshed = await t.app.inject({
      method: 'POST',
      url: '/api/lifecycle/refresh?full=true',
      headers: t.admin,
    });
    expect(refreshed.json()).toMatchObject({ mode: 'full', customers: 9 });
    const put = (lapsedAfterDays: unknown) =>
      t.app.inject({
        method: 'PUT',
        url: '/api/lifecycle/rules',
        headers: t.admin,
        payload: { lapsedAfterDays },
      });
    expect((await put(0)).statusCode).toBe(400);
    expect((await put(45)).json()).toEqual({ lapsedAfterDays: 45 });
    expect((await get('/api/lifecycle/rules')).json()).toEqual({ lapsedAfterDays: 45 });
  });

  it('shows accounts, a customer’s history, and 404 for a customer that does not exist', async () => {
    const accounts = (await get('/api/lifecycle/accounts')).json();
    expect(accounts.accounts[0]).toMatchObject({
      name: 'Acme',
      stage: 'action',
      missingRoles: ['decision_maker'],
    });
    const account = await get(`/api/lifecycle/accounts/${accounts.accounts[0].accountId}`);
    expect(account.json().members).toBe(2);
    expect((await get('/api/lifecycle/accounts/999999')).statusCode).toBe(404);
    expect((await get('/api/lifecycle/customers/999999')).statusCode).toBe(404);
    const comparison = (await get('/api/lifecycle/b2b-vs-b2c')).json();
    expect(comparison.segments.map((segment: { segment: string }) => segment.segment)).toEqual([
      'b2b',
      'b2c',
    ]);
  });

  it('needs an admin key', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/lifecycle' })).statusCode).toBe(401);
  });
});
