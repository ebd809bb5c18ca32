import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.ts';
import { describeEachEngine } from '../../../test/engines.ts';

describeEachEngine('tracking API', ({ db }) => {
  let t: TestApp;
  let auth: { authorization: string };
  let writeKey: string;

  beforeAll(async () => {
    t = await createTestApp(db());
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/keys',
      headers: t.admin,
      payload: { kind: 'write' },
    });
    writeKey = created.json().key;
    auth = { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` };
  });

  afterAll(async () => {
    await t.app.close();
  });

  const post = (url: string, payload: unknown, headers: Record<string, string> = auth) =>
    t.app.inject({ method: 'POST', url, headers, payload: payload as Record<string, unknown> });
  const ws = () => t.workspace.workspaceId;
  const eventsOf = (messageIds: string[]) =>
    db().query<{
      message_id: string;
      customer_id: number;
      name: string;
      channel: string | null;
      account_id: number | null;
    }>(
      `SELECT message_id, customer_id, name, channel, account_id FROM events
        WHERE workspace_id = $1 AND message_id = ANY(CAST($2 AS TEXT[])) ORDER BY message_id`,
      [ws(), messageIds],
    );

  describe('protocol', () => {
    it('stores the valid messages of a mixed batch and names each invalid one by index', async () => {
      const response = await post('/v1/batch', {
        batch: [
          { type: 'track', event: 'Product Viewed', anonymousId: 'mix-a', messageId: 'mix-1' },
          { type: 'track', anonymousId: 'mix-a', messageId: 'mix-2' },
          { type: 'page', userId: 'mix-u', messageId: 'mix-3' },
          { type: 'track', event: 'Product Added', messageId: 'mix-4' },
        ],
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        success: true,
        accepted: 2,
        rejected: [
          { index: 1, reason: 'event: Invalid input: expected string, received undefined' },
          { index: 3, reason: 'message has neither userId nor anonymousId' },
        ],
      });
      expect((await eventsOf(['mix-1', 'mix-2', 'mix-3', 'mix-4'])).map((event) => event.message_id)).toEqual(
        ['mix-1', 'mix-3'],
      );
      const dead = await db().query<{ reason: string }>(
        'SELECT reason FROM dead_letters WHERE workspace_id = $1 ORDER BY reason',
        [ws()],
      );
      expect(dead.map((row) => row.reason)).toEqual([
        'event: Invalid input: expected string, received undefined',
        'message has neither userId nor anonymousId',
      ]);
    });

    it('stores nothing twice when a batch is retried with the same messageIds', async () => {
      const batch = {
        batch: [
          { type: 'track', event: 'Order Completed', userId: 'retry-u', messageId: 'retry-1' },
          { type: 'track', event: 'Order Completed', userId: 'retry-u', messageId: 'retry-1' },
          { type: 'page', userId: 'retry-u', messageId: 'retry-2' },
        ],
      };
      expect((await post('/v1/batch', batch)).json()).toMatchObject({ accepted: 3, rejected: [] });
      expect((await post('/v1/batch', batch)).json()).toMatchObject({ accepted: 3, rejected: [] });
      expect(await eventsOf(['retry-1', 'retry-2'])).toHaveLength(2);
    });

    it('answers 400 to a single call with neither userId nor anonymousId', async () => {
      const response = await post('/v1/track', { event: 'Product Viewed', messageId: 'noid-1' });
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toEqual({
        code: 'INVALID_INPUT',
        message: 'The message needs a userId or an anonymousId.',
      });
    });

    it('answers 400 to malformed JSON and to a body over 500 KB', async () => {
      const malformed = await t.app.inject({
        method: 'POST',
        url: '/v1/track',
        headers: { ...auth, 'content-type': 'application/json' },
        payload: '{"event": ',
      });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().error.message).toBe('The body is not valid JSON.');
      const huge = await post('/v1/batch', {
        batch: [{ type: 'track', event: 'x', userId: 'u', properties: { pad: 'x'.repeat(600_000) } }],
      });
      expect(huge.statusCode).toBe(400);
      expect(huge.json().error.message).toBe('The request body is larger than 500 KB; send smaller batches.');
    });

    it('refuses a missing, unknown or revoked write key with 401', async () => {
      expect((await post('/v1/track', { event: 'X', userId: 'u' }, {})).statusCode).toBe(401);
      const unknown = await post('/v1/track', { event: 'X', userId: 'u', writeKey: 'wk_nope' }, {});
      expect(unknown.statusCode).toBe(401);
      expect(unknown.json().error.message).toBe(
        'This write key is unknown or was revoked. Check the key your SDK is configured with.',
      );
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/keys',
        headers: t.admin,
        payload: { kind: 'write' },
      });
      await t.app.inject({ method: 'DELETE', url: `/api/keys/${created.json().keyId}`, headers: t.admin });
      const revoked = await post('/v1/track', { event: 'X', userId: 'u', writeKey: created.json().key }, {});
      expect(revoked.statusCode).toBe(401);
    });

    it('takes gzip bodies, JSON sent as text/plain with the write key inside, and the short paths', async () => {
      const gzipped = await t.app.inject({
        method: 'POST',
        url: '/v1/batch',
        headers: { ...auth, 'content-type': 'application/json', 'content-encoding': 'gzip' },
        payload: gzipSync(
          JSON.stringify({
            batch: [{ type: 'track', event: 'Ad Viewed', anonymousId: 'gz', messageId: 'gz-1' }],
          }),
        ),
      });
      expect(gzipped.json()).toMatchObject({ accepted: 1 });
      const browser = await t.app.inject({
        method: 'POST',
        url: '/v1/p',
        headers: { 'content-type': 'text/plain', origin: 'https://shop.example.com' },
        payload: JSON.stringify({
          writeKey,
          anonymousId: 'br',
          messageId: 'br-1',
          context: { page: { url: 'https://shop.example.com/?gclid=1' } },
        }),
      });
      expect(browser.statusCode).toBe(200);
      expect(browser.headers['access-control-allow-origin']).toBe('https://shop.example.com');
      expect(await eventsOf(['br-1', 'gz-1'])).toMatchObject([
        { message_id: 'br-1', name: 'Page Viewed', channel: 'paid_search' },
        { message_id: 'gz-1', name: 'Ad Viewed' },
      ]);
    });

    it('answers a CORS preflight', async () => {
      const response = await t.app.inject({
        method: 'OPTIONS',
        url: '/v1/batch',
        headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'POST' },
      });
      expect(response.statusCode).toBe(204);
      expect(response.headers['access-control-allow-origin']).toBe('https://shop.example.com');
    });
  });

  describe('dead letters', () => {
    it('lists refused messages and replays one once corrected', async () => {
      await post('/v1/batch', {
        writeKey,
        batch: [{ type: 'track', userId: 'dl-user', messageId: 'dl-1', writeKey }],
      });
      const list = await t.app.inject({ method: 'GET', url: '/api/dead-letters?limit=1', headers: t.admin });
      const [letter] = list.json().deadLetters;
      expect(JSON.stringify(list.json())).not.toContain(writeKey);
      expect(letter).toMatchObject({
        reason: 'event: Invalid input: expected string, received undefined',
        message: { type: 'track', userId: 'dl-user', messageId: 'dl-1' },
        replayedAt: null,
      });
      const replay = (body?: unknown) =>
        t.app.inject({
          method: 'POST',
          url: `/api/dead-letters/${letter.deadLetterId}/replay`,
          headers: t.admin,
          payload: body as Record<string, unknown>,
        });
      const again = await replay({});
      expect(again.json()).toEqual({ accepted: 0, rejected: [{ index: 0, reason: letter.reason }] });
      const fixed = await replay({ message: { ...letter.message, event: 'Product Viewed' } });
      expect(fixed.json()).toEqual({ accepted: 1, rejected: [] });
      expect(await eventsOf(['dl-1'])).toMatchObject([{ name: 'Product Viewed' }]);
      expect((await replay({})).statusCode).toBe(409);
    });
  });

  describe('identity resolution', () => {
    const customerOf = async (kind: string, value: string) =>
      (
        await db().query<{ customer_id: number }>(
          'SELECT customer_id FROM identities WHERE workspace_id = $1 AND kind = $2 AND value = $3',
          [ws(), kind, value],
        )
      )[0]?.customer_id;

    it('gives the events sent before sign-up to the person who signed up', async () => {
      await post('/v1/batch', {
        batch: [
          { type: 'page', anonymousId: 'visitor-1', messageId: 'su-1', timestamp: '2026-01-01T10:00:00Z' },
          {
            type: 'track',
            event: 'Product Viewed',
            anonymousId: 'visitor-1',
            messageId: 'su-2',
            timestamp: '2026-01-01T10:01:00Z',
          },
        ],
      });
      await post('/v1/track', {
        event: 'Order Completed',
        userId: 'user-1',
        messageId: 'su-3',
        timestamp: '2026-01-02T10:00:00Z',
      });
      await post('/v1/identify', {
        userId: 'user-1',
        anonymousId: 'visitor-1',
        messageId: 'su-4',
        traits: { email: 'Ana@Example.com', plan: 'pro' },
      });
      const owner = await customerOf('user', 'user-1');
      expect(await customerOf('anonymous', 'visitor-1')).toBe(owner);
      expect(await customerOf('email', 'ana@example.com')).toBe(owner);
      expect(
        new Set((await eventsOf(['su-1', 'su-2', 'su-3', 'su-4'])).map((event) => event.customer_id)),
      ).toEqual(new Set([owner]));
      const merges = await db().query(
        'SELECT into_customer_id, reason, identity_kind, identity_value FROM customer_merges WHERE workspace_id = $1 AND message_id = $2',
        [ws(), 'su-4'],
      );
      expect(merges).toEqual([
        {
          into_customer_id: owner,
          reason: 'shared_identity',
          identity_kind: 'user',
          identity_value: 'user-1',
        },
      ]);
      const [customer] = await db().query(
        'SELECT traits FROM customers WHERE workspace_id = $1 AND customer_id = $2',
        [ws(), owner],
      );
      expect(customer).toEqual({ traits: { email: 'Ana@Example.com', plan: 'pro' } });
    });

    it('joins a social handle and a loyalty id seen later to the same customer', async () => {
      await post('/v1/identify', { userId: 'user-2', messageId: 'h-1', traits: { twitter: '@bo' } });
      await post('/v1/identify', {
        anonymousId: 'kiosk-9',
        messageId: 'h-2',
        traits: { twitter: 'BO', loyaltyId: 'L-2' },
      });
      const owner = await customerOf('user', 'user-2');
      expect(await customerOf('handle', 'twitter:@bo')).toBe(owner);
      expect(await customerOf('loyalty', 'L-2')).toBe(owner);
      expect(await customerOf('anonymous', 'kiosk-9')).toBe(owner);
    });

    it('merges on alias: the previous id becomes the user', async () => {
      await post('/v1/track', { event: 'Ad Viewed', anonymousId: 'old-anon', messageId: 'al-1' });
      await post('/v1/alias', { previousId: 'old-anon', userId: 'user-3', messageId: 'al-2' });
      await post('/v1/track', { event: 'Content Viewed', userId: 'user-3', messageId: 'al-3' });
      const events = await eventsOf(['al-1', 'al-2', 'al-3']);
      expect(new Set(events.map((event) => event.customer_id)).size).toBe(1);
      expect(events[0]!.customer_id).toBe(await customerOf('user', 'user-3'));
    });

    it('remembers an alias that arrives before the anonymous events it speaks of', async () => {
      await post('/v1/track', { event: 'Content Viewed', userId: 'user-4', messageId: 'af-1' });
      await post('/v1/alias', { previousId: 'early-anon', userId: 'user-4', messageId: 'af-2' });
      await post('/v1/track', { event: 'Ad Viewed', anonymousId: 'early-anon', messageId: 'af-3' });
      const events = await eventsOf(['af-1', 'af-2', 'af-3']);
      expect(events.map((event) => event.customer_id)).toEqual(
        Array(3).fill(await customerOf('user', 'user-4')),
      );
    });

    it('never merges two people who share a device', async () => {
      await post('/v1/identify', { userId: 'parent', anonymousId: 'family-tablet', messageId: 'sd-1' });
      await post('/v1/identify', { userId: 'child', anonymousId: 'family-tablet', messageId: 'sd-2' });
      const parent = await customerOf('user', 'parent');
      const child = await customerOf('user', 'child');
      expect(parent).not.toBe(child);
      expect(await customerOf('anonymous', 'family-tablet')).toBe(parent);
      expect((await eventsOf(['sd-2']))[0]!.customer_id).toBe(child);
    });

    it('refuses an identity that would keep merging customers, and keeps the message as a dead letter', async () => {
      // Twelve visitors, each known by their own anonymous id, all typing the same test address.
      const batch = Array.from({ length: 12 }, (_, i) => ({
        type: 'track',
        event: 'Ad Viewed',
        anonymousId: `tester-${i}`,
        messageId: `ml-a${i}`,
      }));
      await post('/v1/batch', { batch });
      const identifies = Array.from({ length: 12 }, (_, i) => ({
        type: 'identify',
        anonymousId: `tester-${i}`,
        messageId: `ml-i${i}`,
        traits: { email: 'test@example.com' },
      }));
      const response = await post('/v1/batch', { batch: identifies });
      // The first identify creates the link; the next ten merge through it; the eleventh merge is refused.
      expect(response.json().rejected).toEqual([
        {
          index: 11,
          reason: expect.stringMatching(
            /^email identity "test@example.com" has already joined 10 customers into others/,
          ),
        },
      ]);
      const refused = await db().query(
        'SELECT count(*) AS n FROM dead_letters WHERE workspace_id = $1 AND reason LIKE $2',
        [ws(), 'email identity%'],
      );
      expect(refused).toEqual([{ n: 1 }]);
    });

    it('lets one user sign in on many devices without refusing the merges', async () => {
      const devices = Array.from({ length: 12 }, (_, i) => ({
        type: 'track',
        event: 'Ad Viewed',
        anonymousId: `device-${i}`,
        messageId: `md-a${i}`,
      }));
      await post('/v1/batch', { batch: devices });
      const signIns = Array.from({ length: 12 }, (_, i) => ({
        type: 'identify',
        userId: 'traveller',
        anonymousId: `device-${i}`,
        messageId: `md-i${i}`,
      }));
      expect((await post('/v1/batch', { batch: signIns })).json()).toMatchObject({
        accepted: 12,
        rejected: [],
      });
      const owners = await eventsOf(devices.map((device) => device.messageId));
      expect(new Set(owners.map((event) => event.customer_id))).toEqual(
        new Set([await customerOf('user', 'traveller')]),
      );
    });

    it('merges two user ids on alias', async () => {
      await post('/v1/track', { event: 'Ad Viewed', userId: 'old-login', messageId: 'au-1' });
      await post('/v1/track', { event: 'Ad Viewed', userId: 'new-login', messageId: 'au-2' });
      await post('/v1/alias', { previousId: 'old-login', userId: 'new-login', messageId: 'au-3' });
      expect(await customerOf('user', 'old-login')).toBe(await customerOf('user', 'new-login'));
    });

    it('keeps the newest value of a trait when an older identify arrives later', async () => {
      await post('/v1/identify', {
        userId: 'late-u',
        messageId: 'lt-1',
        timestamp: '2026-02-02T00:00:00Z',
        traits: { plan: 'pro' },
      });
      await post('/v1/identify', {
        userId: 'late-u',
        messageId: 'lt-2',
        timestamp: '2026-02-01T00:00:00Z',
        traits: { plan: 'free', city: 'Oslo' },
      });
      const [customer] = await db().query(
        'SELECT traits FROM customers WHERE workspace_id = $1 AND customer_id = $2',
        [ws(), await customerOf('user', 'late-u')],
      );
      expect(customer).toEqual({ traits: { plan: 'pro', city: 'Oslo' } });
      const history = await db().query(
        'SELECT count(*) AS n FROM trait_history WHERE workspace_id = $1 AND message_id IN ($2, $3)',
        [ws(), 'lt-1', 'lt-2'],
      );
      expect(history).toEqual([{ n: 3 }]);
    });

    it('links a group call to its account with the caller’s buying role, and events to the account', async () => {
      await post('/v1/group', {
        userId: 'buyer-1',
        groupId: 'acme',
        messageId: 'g-1',
        traits: { name: 'Acme', industry: 'retail', role: 'economic_buyer' },
      });
      await post('/v1/track', {
        event: 'Demo Requested',
        userId: 'buyer-1',
        messageId: 'g-2',
        context: { groupId: 'acme' },
      });
      const [account] = await db().query<{
        account_id: number;
        name: string;
        traits: Record<string, unknown>;
      }>('SELECT account_id, name, traits FROM accounts WHERE workspace_id = $1 AND external_id = $2', [
        ws(),
        'acme',
      ]);
      // The role is the caller's, kept on the membership and not among the account's traits.
      expect(account).toMatchObject({ name: 'Acme', traits: { name: 'Acme', industry: 'retail' } });
      const members = await db().query(
        'SELECT customer_id, buying_role FROM account_memberships WHERE workspace_id = $1 AND account_id = $2',
        [ws(), account!.account_id],
      );
      expect(members).toEqual([
        { customer_id: await customerOf('user', 'buyer-1'), buying_role: 'economic_buyer' },
      ]);
      expect((await eventsOf(['g-1', 'g-2'])).map((event) => event.account_id)).toEqual([
        account!.account_id,
        account!.account_id,
      ]);
    });
  });
});
