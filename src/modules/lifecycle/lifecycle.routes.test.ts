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

  it('answers every stage for every day, 0 where no one entered it, adding up to the month', async () => {
    const response = await get('/api/lifecycle/trend?interval=day');
    expect(response.statusCode).toBe(200);
    const days: Array<{ entered: Record<string, number> }> = response.json().periods;
    expect(days.length).toBeGreaterThan(1);
    const total: Record<string, number> = {};
    for (const day of days)
      for (const [stage, entered] of Object.entries(day.entered))
        total[stage] = (total[stage] ?? 0) + entered;
    expect(days.some((day) => Object.values(day.entered).includes(0))).toBe(true);
    expect(total).toEqual({
      awareness: 9,
      consideration: 8,
      preference: 6,
      action: 6,
      loyalty: 3,
      advocacy: 2,
    });
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

  it('names the field and the limit when a lapsed rule is refused, and resets the rules to the defaults', async () => {
    const put = (lapsedAfterDays: unknown) =>
      t.app.inject({
        method: 'PUT',
        url: '/api/lifecycle/rules',
        headers: t.admin,
        payload: { lapsedAfterDays },
      });
    expect(invalidInputMessage(await put(0))).toBe(
      'Invalid request: body.lapsedAfterDays: must be at least 1 day.',
    );
    expect(invalidInputMessage(await put(2.5))).toBe(
      'Invalid request: body.lapsedAfterDays: must be a whole number of days.',
    );
    expect((await put(30)).json()).toEqual({ lapsedAfterDays: 30 });
    const reset = await t.app.inject({ method: 'POST', url: '/api/lifecycle/rules/reset', headers: t.admin });
    expect(reset.statusCode).toBe(200);
    expect(reset.json()).toEqual({ lapsedAfterDays: 90 });
    expect((await get('/api/lifecycle/rules')).json()).toEqual({ lapsedAfterDays: 90 });
    expect((await get('/api/lifecycle')).json().lapsedAfterDays).toBe(90);
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

  it('lists an account’s buying committee: each member’s role, title, email and stage', async () => {
    const key = await createWriteKey(t);
    const sent = await t.app.inject({
      method: 'POST',
      url: '/v1/batch',
      payload: {
        writeKey: key,
        batch: [
          {
            type: 'identify',
            userId: 'eve',
            traits: { email: 'Eve@Acme.example' },
            messageId: 'eve-email',
            timestamp: '2026-03-02T12:00:00Z',
          },
        ],
      },
    });
    expect(sent.statusCode).toBe(200);
    const { accounts } = (await get('/api/lifecycle/accounts')).json();
    const response = await get(`/api/lifecycle/accounts/${accounts[0].accountId}`);
    expect(response.statusCode).toBe(200);
    const account = response.json();
    expect(account).toMatchObject({ name: 'Acme', stage: 'action', members: 2, engagedMembers: 2 });
    expect(
      account.committee.map(
        ({ customerId: _id, lastSeenAt: _seen, ...member }: { customerId: number; lastSeenAt: string }) =>
          member,
      ),
    ).toEqual([
      { buyingRole: 'economic_buyer', title: 'CFO', email: null, stage: 'action' },
      { buyingRole: 'champion', title: null, email: 'eve@acme.example', stage: 'consideration' },
    ]);
    expect(
      account.committee.every((member: { lastSeenAt: string | null }) => member.lastSeenAt !== null),
    ).toBe(true);
  });

  it('needs an admin key', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/lifecycle' })).statusCode).toBe(401);
  });
});
