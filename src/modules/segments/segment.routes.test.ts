import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, createWriteKey, invalidInputMessage, type TestApp } from '../../../test/app.ts';
import { describeEachEngine } from '../../../test/engines.ts';
import { segmentFixture } from './segment-fixture.ts';

const CUSTOMISED_NOT_BOUGHT = {
  event: 'Product Customized',
  within: '7d',
  notFollowedBy: { event: 'Order Completed', within: '7d' },
};

describeEachEngine('segments API', ({ db }) => {
  let t: TestApp;
  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
    t.app.inject({ method, url, headers: t.admin, ...(payload ? { payload } : {}) });
  const evaluate = (rules: unknown) => call('POST', '/api/segments/evaluate', { rules });

  beforeAll(async () => {
    t = await createTestApp(db());
    const sent = await t.app.inject({
      method: 'POST',
      url: '/v1/batch',
      payload: { batch: segmentFixture(), writeKey: await createWriteKey(t) },
    });
    expect(sent.statusCode).toBe(200);
  });
  afterAll(() => t.app.close());

  it('evaluates a rule tree: size, members and the time it was evaluated at', async () => {
    const response = await evaluate({ all: [CUSTOMISED_NOT_BOUGHT, { not: { stage: 'loyalty' } }] });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      asOf: '2026-04-01T00:00:00.000Z',
      size: 1,
      members: [{ userId: 'hal', email: null, stage: 'preference' }],
    });
  });

  it('saves, lists, pages, exports and deletes a segment', async () => {
    const saved = await call('PUT', '/api/segments/cart-savers', {
      name: 'Customised, not bought',
      rules: CUSTOMISED_NOT_BOUGHT,
    });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json()).toMatchObject({ slug: 'cart-savers', members: 1, webhookUrl: null });
    expect((await call('GET', '/api/segments')).json().segments.map((s: { slug: string }) => s.slug)).toEqual(
      ['cart-savers'],
    );
    expect((await call('GET', '/api/segments/cart-savers/members?limit=5')).json()).toMatchObject({
      size: 1,
      members: [{ userId: 'hal' }],
    });
    expect((await call('POST', '/api/segments/cart-savers/refresh')).json()).toMatchObject({
      members: 1,
      joined: 0,
      left: 0,
    });
    expect((await call('GET', '/api/segments/cart-savers/sizes')).json().sizes).toHaveLength(2);
    const csv = await call('GET', '/api/segments/cart-savers/export.csv');
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body.split('\n')[1]).toMatch(/^\d+,hal,,preference,2\d{3}-/);
    // Asked again, the same file under the same name (a stream: never kept by platform/http/answer-cache.ts).
    const again = await call('GET', '/api/segments/cart-savers/export.csv');
    expect(again.body).toBe(csv.body);
    expect(again.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(again.headers['content-disposition']).toBe('attachment; filename="cart-savers.csv"');
    expect((await call('GET', '/api/segments/cart-savers/deliveries')).json()).toEqual({ deliveries: [] });
    expect((await call('DELETE', '/api/segments/cart-savers')).statusCode).toBe(204);
    const gone = await call('GET', '/api/segments/cart-savers');
    expect(gone.statusCode).toBe(404);
    expect(gone.json().error.message).toContain('No segment is named "cart-savers"');
  });

  it('names the rule path of each fault in a rule tree', async () => {
    const faults: Array<[unknown, string]> = [
      [
        { all: [{ trait: 'plan' }, { plan: 'pro' }] },
        'rules.all[1]: "plan" is not a rule; a rule has one of the keys all, any, not, trait',
      ],
      [{ trait: 'plan', op: 'like', value: 'p' }, 'rules.op: Invalid option'],
      [
        { event: 'Order Completed', count: { op: 'gte', value: 'three' } },
        'rules.count.value: must be a number',
      ],
      [{ trait: 'age', op: 'gt', value: 'old' }, 'rules.value: must be a number for "gt", not "old"'],
      [{ trait: 'plan', op: 'in', value: [] }, 'rules.value: must be a non-empty list for "in"'],
      [{ event: 'Order Completed', within: '0d' }, 'rules.within: must be longer than zero'],
      [{ event: 'Order Completed', within: '-3d' }, 'rules.within: must be a number and a unit'],
      [{ any: [] }, 'rules.any: must be a non-empty list of rules'],
      [{ not: { stage: 'delight' } }, 'rules.not.stage.0: must be a stage: awareness, consideration'],
      [{ trait: 'plan', event: 'Order Completed' }, 'rules: has both "trait" and "event"'],
      [{ trait: "plan'; DROP TABLE customers; --" }, 'rules.trait: must be a name of letters'],
      [{ identity: 'email', extra: 1 }, 'rules: Unrecognized key: "extra"'],
      [{ event: 'Order Complete' }, 'rules.event: no event is named "Order Complete" in this workspace'],
      [
        { any: [{ trait: 'plna', value: 'pro' }] },
        'rules.any[0].trait: no customer has a trait named "plna"; the traits customers have are age, email',
      ],
      [
        { not: { not: { not: { not: { not: { not: { not: { not: { stage: 'action' } } } } } } } } },
        'is nested too deep: at most 8 levels',
      ],
      [{ any: Array.from({ length: 101 }, () => ({ stage: 'action' })) }, 'holds 102 rules; at most 100'],
      [[{ stage: 'action' }], 'rules: must be a rule object'],
      [{ clv: { op: 'gte', value: 500 } }, 'rules.clv: no customer has been valued yet in this workspace'],
      [
        { probabilityAlive: { op: 'lt', value: 2 } },
        'rules.probabilityAlive.value: must be a number from 0 to 1',
      ],
    ];
    for (const [rules, message] of faults)
      expect(invalidInputMessage(await evaluate(rules)), JSON.stringify(rules)).toContain(message);
  });

  it('refuses a webhook that is not http(s) or points at a private address, and saves nothing', async () => {
    const save = (webhookUrl: string) =>
      call('PUT', '/api/segments/hooked', { name: 'Hooked', rules: { stage: 'action' }, webhookUrl });
    expect(invalidInputMessage(await save('ftp://example.com/in'))).toContain(
      'webhookUrl: must be an http or https URL',
    );
    expect(invalidInputMessage(await save('http://10.0.0.8/in'))).toContain(
      '10.0.0.8 is a private or loopback address',
    );
    expect((await call('GET', '/api/segments/hooked')).statusCode).toBe(404);
  });

  it('documents the segment routes in OpenAPI', async () => {
    const paths = Object.keys((await t.app.inject({ method: 'GET', url: '/openapi.json' })).json().paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/segments/evaluate',
        '/api/segments/{slug}',
        '/api/segments/{slug}/members',
        '/api/segments/{slug}/export.csv',
        '/api/segments/{slug}/deliveries/{deliveryId}/retry',
      ]),
    );
  });
});
