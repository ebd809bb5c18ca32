import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createWriteKey, type TestApp } from '../../../test/app.ts';
import { describeEachEngine } from '../../../test/engines.ts';
import { classifyChannel } from './classify-channel.ts';
import { classifyDevice } from './classify-device.ts';
import { compileRules } from './touchpoint-rules.ts';

describe('compileRules', () => {
  const rules = compileRules({
    channel: [
      { when: { source: 'partner*', medium: 'cpc' }, channel: 'affiliate' },
      { when: { referrerHost: '*.intranet.example.com' }, channel: 'direct' },
      { when: { urlParameter: 'sfmc_id' }, channel: 'email' },
      { when: { campaign: 'Spring*' }, channel: 'display' },
    ],
    device: [{ when: { userAgent: '*agorakiosk/*' }, device: 'kiosk' }],
  });
  const channelOf = (pageUrl: string, referrer?: string) =>
    classifyChannel({ pageUrl, referrer }, rules).channel;

  it('lets the first rule whose conditions all hold decide, ignoring case, before the built-in rules', () => {
    expect(channelOf('https://shop.example.com/?utm_source=PartnerX&utm_medium=cpc')).toBe('affiliate');
    // One condition fails: the built-in rules decide (cpc is paid search).
    expect(channelOf('https://shop.example.com/?utm_source=partnerx&utm_medium=display&utm_campaign=x')).toBe(
      'display',
    );
    expect(channelOf('https://shop.example.com/?utm_source=google&utm_medium=cpc')).toBe('paid_search');
    expect(channelOf('https://shop.example.com/', 'https://wiki.intranet.example.com/page')).toBe('direct');
    expect(channelOf('https://shop.example.com/', 'https://intranet.example.com/')).toBe('referral');
    expect(channelOf('https://shop.example.com/?sfmc_id=1', 'https://www.google.com/')).toBe('email');
    expect(channelOf('https://shop.example.com/?utm_campaign=spring-sale')).toBe('display');
  });

  it('keeps the source, medium and campaign the message gave, and names the referrer as the source', () => {
    expect(
      classifyChannel({ pageUrl: 'https://a.example/', referrer: 'https://x.intranet.example.com/' }, rules),
    ).toEqual({
      channel: 'direct',
      source: 'x.intranet.example.com',
      medium: null,
      campaign: null,
    });
  });

  it('classifies a device by its user agent before the parser does', () => {
    expect(classifyDevice({ userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AgoraKiosk/2.1' }, rules)).toBe(
      'kiosk',
    );
    expect(classifyDevice({ userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0' }, rules)).toBe(
      'desktop',
    );
  });

  it('takes * literally nowhere but as a wildcard, and other characters literally', () => {
    const dots = compileRules({ channel: [{ when: { source: 'a.b' }, channel: 'sms' }], device: [] });
    expect(classifyChannel({ campaign: { source: 'a.b' } }, dots).channel).toBe('sms');
    expect(classifyChannel({ campaign: { source: 'axb' } }, dots).channel).toBe('referral');
  });
});

describeEachEngine('touchpoint rules API', ({ db }) => {
  let t: TestApp;
  let auth: { authorization: string };
  const ws = () => t.workspace.workspaceId;

  beforeAll(async () => {
    t = await createTestApp(db());
    const key = await createWriteKey(t);
    auth = { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` };
  });
  afterAll(() => t.app.close());

  const track = (messageId: string, context: Record<string, unknown>) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/track',
      headers: auth,
      payload: {
        event: 'Product Viewed',
        anonymousId: 'visitor',
        messageId,
        timestamp: '2026-05-01T10:00:00Z',
        context,
      },
    });
  const touchpoints = () =>
    db().query('SELECT message_id, channel, device FROM events WHERE workspace_id = $1 ORDER BY message_id', [
      ws(),
    ]);
  const partnerPage = { page: { url: 'https://shop.example.com/?utm_source=partnerx&utm_medium=cpc' } };
  const kiosk = { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AgoraKiosk/2.1' };

  it('applies edited rules to new events at once, and to stored ones when asked', async () => {
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/touchpoint-rules', headers: t.admin })).json(),
    ).toEqual({
      channel: [],
      device: [],
      updatedAt: null,
    });
    await track('before', { ...partnerPage, ...kiosk });
    const rules = {
      channel: [{ when: { source: 'partner*' }, channel: 'affiliate', note: 'our affiliate network' }],
      device: [{ when: { userAgent: '*AgoraKiosk*' }, device: 'kiosk' }],
    };
    const put = await t.app.inject({
      method: 'PUT',
      url: '/api/touchpoint-rules',
      headers: t.admin,
      payload: rules,
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toEqual({ ...rules, updatedAt: expect.any(String) });
    await track('after', { ...partnerPage, ...kiosk });
    expect(await touchpoints()).toEqual([
      { message_id: 'after', channel: 'affiliate', device: 'kiosk' },
      { message_id: 'before', channel: 'paid_search', device: 'desktop' },
    ]);

    const none = await t.app.inject({
      method: 'POST',
      url: '/api/touchpoint-rules/reclassify',
      headers: t.admin,
      payload: { from: '2026-06-01T00:00:00Z' },
    });
    expect(none.json()).toEqual({ events: 0, changed: 0 });
    const all = await t.app.inject({
      method: 'POST',
      url: '/api/touchpoint-rules/reclassify',
      headers: t.admin,
    });
    expect(all.json()).toEqual({ events: 2, changed: 1 });
    expect(await touchpoints()).toEqual([
      { message_id: 'after', channel: 'affiliate', device: 'kiosk' },
      { message_id: 'before', channel: 'affiliate', device: 'kiosk' },
    ]);
  });

  it('refuses a rule without conditions, with an unknown condition or an unknown channel', async () => {
    const put = (payload: unknown) =>
      t.app.inject({
        method: 'PUT',
        url: '/api/touchpoint-rules',
        headers: t.admin,
        payload: payload as object,
      });
    for (const [payload, message] of [
      [{ channel: [{ when: {}, channel: 'email' }] }, 'give at least one condition'],
      [{ channel: [{ when: { host: 'x' }, channel: 'email' }] }, 'host'],
      [{ channel: [{ when: { source: 'x' }, channel: 'carrier_pigeon' }] }, 'channel'],
    ] as const) {
      const response = await put(payload);
      expect(response.statusCode).toBe(400);
      expect(response.json().error.message).toContain(message);
    }
  });
});
