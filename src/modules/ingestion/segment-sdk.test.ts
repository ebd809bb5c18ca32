/** The real Segment server SDK, pointed at a running Agora by its host alone. */
import type { AddressInfo } from 'node:net';
import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, createWriteKey, type TestApp } from '../../../test/app.ts';
import { describeEachEngine } from '../../../test/engines.ts';

describeEachEngine('@segment/analytics-node against Agora', ({ db }) => {
  let t: TestApp;
  let analytics: Analytics;

  beforeAll(async () => {
    t = await createTestApp(db());
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const key = await createWriteKey(t);
    const host = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    analytics = new Analytics({ writeKey: key, host, flushAt: 3, maxRetries: 1 });
  });

  afterAll(async () => {
    await t.app.close();
  });

  it('delivers identify, track, page, group and alias calls to the right customer and account', async () => {
    const failures: unknown[] = [];
    analytics.on('error', (error) => failures.push(error));
    // An anonymous visit, then sign-up: the visit must end up on the signed-up customer.
    analytics.page({
      anonymousId: 'sdk-visitor',
      name: 'Pricing',
      properties: { url: 'https://shop.example.com/pricing' },
    });
    analytics.track({
      anonymousId: 'sdk-visitor',
      event: 'Product Viewed',
      properties: { product_id: 'SKU-1' },
    });
    analytics.identify({
      anonymousId: 'sdk-visitor',
      userId: 'sdk-user',
      traits: { email: 'sdk@example.com', name: 'Sam' },
    });
    analytics.track({ userId: 'sdk-user', event: 'Order Completed', properties: { total: 42 } });
    analytics.group({ userId: 'sdk-user', groupId: 'sdk-co', traits: { name: 'SDK Co', role: 'champion' } });
    // An earlier anonymous id of the same person, joined by alias.
    analytics.track({ anonymousId: 'sdk-old-device', event: 'Ad Viewed' });
    analytics.alias({ previousId: 'sdk-old-device', userId: 'sdk-user' });
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect(failures).toEqual([]);

    const workspaceId = t.workspace.workspaceId;
    const events = await db().query<{
      customer_id: number;
      type: string;
      name: string;
      account_id: number | null;
    }>(
      'SELECT customer_id, type, name, account_id FROM events WHERE workspace_id = $1 ORDER BY occurred_at, type',
      [workspaceId],
    );
    expect(events.map((event) => event.name).sort()).toEqual(
      ['Ad Viewed', 'Alias', 'Group', 'Identify', 'Order Completed', 'Page Viewed', 'Product Viewed'].sort(),
    );
    const [{ customer_id: customerId } = { customer_id: -1 }] = await db().query<{ customer_id: number }>(
      "SELECT customer_id FROM identities WHERE workspace_id = $1 AND kind = 'user' AND value = 'sdk-user'",
      [workspaceId],
    );
    expect(new Set(events.map((event) => event.customer_id))).toEqual(new Set([customerId]));

    const identities = await db().query<{ kind: string; value: string }>(
      'SELECT kind, value FROM identities WHERE workspace_id = $1 AND customer_id = $2 ORDER BY kind, value',
      [workspaceId, customerId],
    );
    expect(identities).toEqual([
      { kind: 'anonymous', value: 'sdk-old-device' },
      { kind: 'anonymous', value: 'sdk-visitor' },
      { kind: 'email', value: 'sdk@example.com' },
      { kind: 'user', value: 'sdk-user' },
    ]);
    const membership = await db().query(
      `SELECT a.name, m.buying_role FROM account_memberships m
         JOIN accounts a ON a.workspace_id = m.workspace_id AND a.account_id = m.account_id
        WHERE m.workspace_id = $1 AND m.customer_id = $2`,
      [workspaceId, customerId],
    );
    expect(membership).toEqual([{ name: 'SDK Co', buying_role: 'champion' }]);
  });
});
