import { describe, expect, it } from 'vitest';
import { normalizeMessage } from './normalize-message.ts';

const receivedAt = new Date('2026-03-01T12:00:10.000Z');

describe('normalizeMessage', () => {
  it('corrects a device clock that runs an hour fast by the gap between call and send', () => {
    const result = normalizeMessage(
      {
        type: 'track',
        event: 'Product Added',
        anonymousId: 'a-1',
        messageId: 'm-1',
        originalTimestamp: '2026-03-01T13:00:00.000Z',
        sentAt: '2026-03-01T13:00:05.000Z',
      },
      { receivedAt },
    );
    expect(result.ok && result.message.occurredAt).toEqual(new Date('2026-03-01T12:00:05.000Z'));
  });

  it('uses the batch’s sentAt for messages without one, and the message’s time as is without any', () => {
    const inBatch = normalizeMessage(
      { type: 'track', event: 'X', userId: 'u', timestamp: '2026-03-01T12:00:00Z' },
      { receivedAt, sentAt: '2026-03-01T12:00:02Z' },
    );
    expect(inBatch.ok && inBatch.message.occurredAt).toEqual(new Date('2026-03-01T12:00:08.000Z'));
    const alone = normalizeMessage(
      { type: 'track', event: 'X', userId: 'u', timestamp: '2026-02-01T00:00:00Z' },
      { receivedAt },
    );
    expect(alone.ok && alone.message.occurredAt).toEqual(new Date('2026-02-01T00:00:00Z'));
    const untimed = normalizeMessage({ type: 'track', event: 'X', userId: 'u' }, { receivedAt });
    expect(untimed.ok && untimed.message.occurredAt).toEqual(receivedAt);
  });

  it('flags times far in the future or before 2000 but keeps the message', () => {
    const future = normalizeMessage(
      { type: 'track', event: 'X', userId: 'u', timestamp: '2027-01-01T00:00:00Z' },
      { receivedAt },
    );
    expect(future.ok && future.message.flags).toEqual(['timestamp_in_future']);
    const ancient = normalizeMessage(
      { type: 'track', event: 'X', userId: 'u', timestamp: '1999-12-31T00:00:00Z' },
      { receivedAt },
    );
    expect(ancient.ok && ancient.message.flags).toEqual(['timestamp_before_2000']);
  });

  it('collects every identity an identify call reveals, strongest first', () => {
    const result = normalizeMessage(
      {
        type: 'identify',
        userId: 'u-7',
        anonymousId: 'anon-7',
        traits: {
          email: ' Ana@Example.COM ',
          phone: '+1 (555) 010-0199',
          twitter: '@AnaOutdoors',
          loyaltyId: 'L-42',
        },
        context: {
          externalIds: [{ id: '0031x', type: 'salesforce', collection: 'users', encoding: 'none' }],
        },
      },
      { receivedAt },
    );
    expect(result.ok && result.message.identities).toEqual([
      { kind: 'user', value: 'u-7' },
      { kind: 'email', value: 'ana@example.com' },
      { kind: 'phone', value: '+15550100199' },
      { kind: 'loyalty', value: 'L-42' },
      { kind: 'handle', value: 'twitter:@anaoutdoors' },
      { kind: 'external', value: 'salesforce:0031x' },
      { kind: 'anonymous', value: 'anon-7' },
    ]);
  });

  it('names page, screen, identify, group and alias calls and keeps a page’s name in its properties', () => {
    const names = ['page', 'screen', 'identify', 'alias'].map((type) => {
      const result = normalizeMessage(
        { type, userId: 'u', name: 'Pricing', previousId: 'old' },
        { receivedAt },
      );
      return result.ok ? result.message.name : result.reason;
    });
    expect(names).toEqual(['Page Viewed', 'Screen Viewed', 'Identify', 'Alias']);
    const page = normalizeMessage({ type: 'page', userId: 'u', name: 'Pricing' }, { receivedAt });
    expect(page.ok && page.message.properties).toEqual({ name: 'Pricing' });
  });

  it('classifies the touchpoint from the page context', () => {
    const result = normalizeMessage(
      {
        type: 'page',
        anonymousId: 'a',
        context: {
          page: { url: 'https://shop.example.com/?utm_source=google&utm_medium=cpc&utm_campaign=tents' },
          userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148',
        },
      },
      { receivedAt },
    );
    expect(result.ok && result.message).toMatchObject({
      channel: 'paid_search',
      source: 'google',
      medium: 'cpc',
      campaign: 'tents',
      device: 'mobile',
    });
  });

  it.each([
    [{ type: 'track', event: 'X' }, 'message has neither userId nor anonymousId'],
    [{ type: 'track', userId: 'u' }, 'event: Invalid input: expected string, received undefined'],
    [{ type: 'purchase', userId: 'u' }, expect.stringMatching(/^type: /)],
    [{ type: 'group', userId: 'u' }, expect.stringMatching(/^groupId: /)],
    [
      { type: 'track', event: 'X', userId: 'u', properties: { big: 'x'.repeat(33_000) } },
      'message is larger than 32 KB; send less in properties',
    ],
    [
      { type: 'track', event: 'X', userId: 'u', properties: { list: new Array(1001).fill(1) } },
      'message.properties.list has 1001 items; at most 1000 are accepted',
    ],
    [
      {
        type: 'track',
        event: 'X',
        userId: 'u',
        properties: { a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } },
      },
      'message.properties.a.b.c.d.e.f.g.h is nested more than 8 levels deep; flatten the properties',
    ],
  ])('refuses %j with a reason', (raw, reason) => {
    expect(normalizeMessage(raw, { receivedAt })).toEqual({ ok: false, reason });
  });

  it('treats an empty userId as absent when there is an anonymousId', () => {
    const result = normalizeMessage(
      { type: 'track', event: 'X', userId: ' ', anonymousId: 'a-9' },
      { receivedAt },
    );
    expect(result.ok && [result.message.userId, result.message.identities]).toEqual([
      null,
      [{ kind: 'anonymous', value: 'a-9' }],
    ]);
  });

  it('gives a message without messageId an id from its content, the same for an identical retry', () => {
    const raw = { type: 'track', event: 'X', userId: 'u', timestamp: '2026-03-01T00:00:00Z' };
    const first = normalizeMessage(raw, { receivedAt });
    const retry = normalizeMessage({ ...raw }, { receivedAt: new Date() });
    expect(first.ok && retry.ok && first.message.messageId === retry.message.messageId).toBe(true);
  });
});
