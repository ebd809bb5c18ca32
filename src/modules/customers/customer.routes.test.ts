import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createWriteKey, type TestApp } from '../../../test/app.ts';
import { describeEachEngine } from '../../../test/engines.ts';

describeEachEngine('customer read API', ({ db }) => {
  let t: TestApp;
  const get = (url: string) => t.app.inject({ method: 'GET', url, headers: t.admin });

  beforeAll(async () => {
    t = await createTestApp(db());
    const key = await createWriteKey(t);
    // Ana browses anonymously, buys and signs in; a second visitor only looks.
    const at = (day: number, hour: number) => `2026-04-0${day}T${String(hour).padStart(2, '0')}:00:00Z`;
    const batch = [
      {
        type: 'page',
        anonymousId: 'ana-phone',
        messageId: 'r-1',
        timestamp: at(1, 9),
        context: { page: { url: 'https://shop.example.com/?utm_medium=email' } },
      },
      {
        type: 'track',
        event: 'Product Viewed',
        anonymousId: 'ana-phone',
        messageId: 'r-2',
        timestamp: at(1, 10),
      },
      {
        type: 'track',
        event: 'Product Viewed',
        anonymousId: 'bo-laptop',
        messageId: 'r-3',
        timestamp: at(2, 10),
      },
      // The order arrives (from the shop's server) before the browser's identify: two customers, then a merge.
      { type: 'track', event: 'Order Completed', userId: 'ana', messageId: 'r-5', timestamp: at(3, 10) },
      {
        type: 'identify',
        userId: 'ana',
        anonymousId: 'ana-phone',
        messageId: 'r-4',
        timestamp: at(3, 9),
        traits: { email: 'ana@example.com' },
      },
      {
        type: 'group',
        userId: 'ana',
        groupId: 'northwind',
        messageId: 'r-6',
        timestamp: at(3, 11),
        traits: { name: 'Northwind', role: 'decision_maker' },
      },
    ];
    await t.app.inject({ method: 'POST', url: '/v1/batch', payload: { batch, writeKey: key } });
  });

  afterAll(async () => {
    await t.app.close();
  });

  it('finds a profile by identity, with identities, accounts and the last events newest first', async () => {
    const response = await get('/api/customers?identity=email:ANA@example.com');
    expect(response.statusCode).toBe(200);
    const profile = response.json();
    expect(
      profile.identities.map(
        (identity: { kind: string; value: string }) => `${identity.kind}:${identity.value}`,
      ),
    ).toEqual(['anonymous:ana-phone', 'email:ana@example.com', 'user:ana']);
    expect(profile.traits).toEqual({ email: 'ana@example.com' });
    expect(profile.accounts).toEqual([
      {
        accountId: expect.any(Number),
        externalId: 'northwind',
        name: 'Northwind',
        buyingRole: 'decision_maker',
      },
    ]);
    expect(profile.lastEvents.map((event: { messageId: string }) => event.messageId)).toEqual([
      'r-6',
      'r-5',
      'r-4',
      'r-2',
      'r-1',
    ]);
    expect(profile.lastEvents.at(-1)).toMatchObject({
      name: 'Page Viewed',
      channel: 'email',
      occurredAt: '2026-04-01T09:00:00.000Z',
    });
  });

  it('answers a merged-away customer id with the customer it joined, and says so', async () => {
    const ana = (await get('/api/customers?identity=user:ana')).json();
    expect(ana.merges).toEqual([
      {
        mergedCustomerId: expect.any(Number),
        reason: 'shared_identity',
        identity: 'user:ana',
        messageId: 'r-4',
        mergedAt: expect.any(String),
      },
    ]);
    const mergedId = ana.merges[0].mergedCustomerId;
    const response = (await get(`/api/customers/${mergedId}`)).json();
    expect(response).toMatchObject({ customerId: ana.customerId, requestedCustomerId: mergedId });
  });

  it('pages through events newest first with filters, and ends with a null cursor', async () => {
    const first = (await get('/api/events?name=Product%20Viewed&limit=1')).json();
    expect(first.events.map((event: { messageId: string }) => event.messageId)).toEqual(['r-3']);
    const second = (await get(`/api/events?name=Product%20Viewed&limit=1&cursor=${first.nextCursor}`)).json();
    expect(second.events.map((event: { messageId: string }) => event.messageId)).toEqual(['r-2']);
    expect(second.nextCursor).toBeNull();

    const window = (await get('/api/events?from=2026-04-01T09:30:00Z&to=2026-04-03T10:00:00Z')).json();
    expect(window.events.map((event: { messageId: string }) => event.messageId)).toEqual([
      'r-4',
      'r-3',
      'r-2',
    ]);
    const ana = (await get('/api/customers?identity=user:ana')).json();
    const ofAna = (await get(`/api/events?customerId=${ana.customerId}&channel=email`)).json();
    expect(ofAna.events.map((event: { messageId: string }) => event.messageId)).toEqual(['r-1']);
  });

  describe('bad input', () => {
    it.each([
      ['/api/customers?identity=ana', 400],
      ['/api/customers?identity=shoe:size-9', 400],
      ['/api/customers?identity=email:nobody@example.com', 404],
      ['/api/customers/999999', 404],
      ['/api/events?cursor=garbage', 400],
      ['/api/events?from=2026-05-01T00:00:00Z&to=2026-04-01T00:00:00Z', 400],
      ['/api/events?limit=5000', 400],
    ])('answers %s with %i and a message', async (url, status) => {
      const response = await get(url);
      expect(response.statusCode).toBe(status);
      expect(response.json().error.message).toEqual(expect.any(String));
    });

    it('returns an empty page, not an error, when nothing matches', async () => {
      expect((await get('/api/events?name=Nothing%20Like%20This')).json()).toEqual({
        events: [],
        nextCursor: null,
      });
    });
  });
});
