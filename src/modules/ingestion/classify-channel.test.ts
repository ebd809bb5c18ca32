import { describe, expect, it } from 'vitest';
import { classifyChannel } from './classify-channel.ts';

const page = (query: string) => `https://shop.example.com/tents${query}`;

describe('classifyChannel', () => {
  it.each([
    ['?utm_source=google&utm_medium=cpc&utm_campaign=summer', 'paid_search', 'google', 'cpc', 'summer'],
    ['?utm_source=facebook&utm_medium=cpc', 'paid_social', 'facebook', 'cpc', null],
    ['?utm_source=x&utm_medium=cpc', 'paid_social', 'x', 'cpc', null],
    ['?utm_source=t.co&utm_medium=ppc', 'paid_social', 't.co', 'ppc', null],
    ['?utm_source=newsletter&utm_medium=email&utm_campaign=june', 'email', 'newsletter', 'email', 'june'],
    ['?utm_medium=display', 'display', null, 'display', null],
    ['?utm_medium=Affiliate&utm_source=partnerco', 'affiliate', 'partnerco', 'affiliate', null],
    ['?utm_medium=sms', 'sms', null, 'sms', null],
    ['?utm_medium=push', 'push', null, 'push', null],
    ['?utm_medium=social', 'organic_social', null, 'social', null],
    ['?gclid=abc', 'paid_search', null, null, null],
    ['?ttclid=abc', 'paid_social', null, null, null],
    ['?fbclid=abc', 'organic_social', 'facebook', null, null],
  ])('classifies %s as %s', (query, channel, source, medium, campaign) => {
    expect(classifyChannel({ pageUrl: page(query) })).toEqual({ channel, source, medium, campaign });
  });

  it('prefers context.campaign over the URL', () => {
    expect(
      classifyChannel({
        campaign: { source: 'Bing', medium: 'CPC', name: 'Spring' },
        pageUrl: page('?utm_medium=email'),
      }),
    ).toEqual({ channel: 'paid_search', source: 'bing', medium: 'cpc', campaign: 'Spring' });
  });

  it.each([
    ['https://www.google.com/', 'organic_search', 'google.com'],
    ['https://duckduckgo.com/?q=tent', 'organic_search', 'duckduckgo.com'],
    ['https://t.co/xyz', 'organic_social', 't.co'],
    ['https://www.linkedin.com/feed', 'organic_social', 'linkedin.com'],
    ['https://www.youtube.com/watch?v=1', 'video', 'youtube.com'],
    ['https://mail.google.com/mail/u/0', 'email', 'mail.google.com'],
    ['https://blog.example.org/best-tents', 'referral', 'blog.example.org'],
  ])('classifies a visit referred by %s as %s', (referrer, channel, source) => {
    expect(classifyChannel({ pageUrl: page(''), referrer })).toEqual({
      channel,
      source,
      medium: null,
      campaign: null,
    });
  });

  it('calls a page with no campaign and no outside referrer direct, and a server event unknown', () => {
    expect(classifyChannel({ pageUrl: page(''), referrer: 'https://shop.example.com/' }).channel).toBe(
      'direct',
    );
    expect(classifyChannel({}).channel).toBeNull();
    expect(
      classifyChannel({ pageUrl: page(''), referrer: 'https://www.shop.example.com/cart' }).channel,
    ).toBe('direct');
  });

  it.each([
    ['store', 'offline_store'],
    ['call-center', 'call_centre'],
    ['trade_show', 'events'],
  ])('maps the offline medium %s to %s', (medium, channel) => {
    expect(classifyChannel({ campaign: { medium } }).channel).toBe(channel);
  });
});
