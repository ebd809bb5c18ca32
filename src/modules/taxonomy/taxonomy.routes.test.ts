import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.ts';
import { describeEachEngine } from '../../../test/engines.ts';
import { fixedClock } from '../../platform/clock.ts';
import { DEFAULT_TAXONOMY } from './default-taxonomy.ts';

describeEachEngine('event taxonomy', ({ db }) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(db(), { clock: fixedClock('2026-05-01T08:00:00Z') });
  });

  afterAll(async () => {
    await t.app.close();
  });

  const rulesOf = async () =>
    (await t.app.inject({ method: 'GET', url: '/api/taxonomy', headers: t.admin })).json().rules;

  it('starts a new workspace with every default rule', async () => {
    const rules = await rulesOf();
    expect(rules).toHaveLength(DEFAULT_TAXONOMY.length);
    expect(
      rules.find(
        (rule: { eventName: string; occurrence: string }) =>
          rule.eventName === 'Order Completed' && rule.occurrence === 'repeat',
      ),
    ).toEqual({
      eventName: 'Order Completed',
      occurrence: 'repeat',
      behavior: null,
      funnelSignal: 'loyalty',
      microMoment: 'buy',
      isDefault: true,
      updatedAt: '2026-05-01T08:00:00.000Z',
    });
  });

  it('sets the meaning of a new event name and of an existing one', async () => {
    const created = await t.app.inject({
      method: 'PUT',
      url: `/api/taxonomy/${encodeURIComponent('Forum Post Created')}`,
      headers: t.admin,
      payload: { behavior: 'connect', funnelSignal: 'advocacy' },
    });
    expect(created.statusCode).toBe(200);
    expect(created.json()).toEqual({
      eventName: 'Forum Post Created',
      occurrence: 'any',
      behavior: 'connect',
      funnelSignal: 'advocacy',
      microMoment: null,
      isDefault: false,
      updatedAt: '2026-05-01T08:00:00.000Z',
    });

    const changed = await t.app.inject({
      method: 'PUT',
      url: '/api/taxonomy/Ad%20Viewed',
      headers: t.admin,
      payload: { behavior: 'access', funnelSignal: 'consideration', microMoment: 'know' },
    });
    expect(changed.json()).toMatchObject({
      eventName: 'Ad Viewed',
      funnelSignal: 'consideration',
      isDefault: false,
    });
    expect(await rulesOf()).toHaveLength(DEFAULT_TAXONOMY.length + 1);
  });

  it('deletes a rule, and says so when there is none to delete', async () => {
    const url = '/api/taxonomy/Store%20Located';
    expect((await t.app.inject({ method: 'DELETE', url, headers: t.admin })).statusCode).toBe(204);
    const again = await t.app.inject({ method: 'DELETE', url, headers: t.admin });
    expect(again.statusCode).toBe(404);
    expect(again.json().error.message).toBe(
      'There is no taxonomy rule for "Store Located" (occurrence any). See GET /api/taxonomy.',
    );
  });

  it('refuses a funnel signal that is not a lifecycle stage, naming the field', async () => {
    const response = await t.app.inject({
      method: 'PUT',
      url: '/api/taxonomy/Ad%20Viewed',
      headers: t.admin,
      payload: { funnelSignal: 'delight' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.details).toEqual([
      { path: 'body.funnelSignal', message: expect.any(String) },
    ]);
  });

  it('resets to the defaults', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/taxonomy/reset', headers: t.admin });
    const rules = response.json().rules;
    expect(rules).toHaveLength(DEFAULT_TAXONOMY.length);
    expect(rules.every((rule: { isDefault: boolean }) => rule.isDefault)).toBe(true);
  });
});
