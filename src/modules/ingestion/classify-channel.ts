/**
 * Which marketing channel brought a touchpoint, from UTM parameters, ad click ids, the referrer and
 * `context.campaign` (docs/ingestion.md lists the rules). Pure: the same message always gets the same
 * channel, so rules can be re-applied to stored events when they change.
 */

import type { CompiledRules } from './touchpoint-rules.ts';

export const CHANNELS = [
  'organic_search',
  'paid_search',
  'organic_social',
  'paid_social',
  'email',
  'display',
  'video',
  'affiliate',
  'referral',
  'direct',
  'sms',
  'push',
  'offline_store',
  'call_centre',
  'events',
] as const;

export type Channel = (typeof CHANNELS)[number];

export interface Touchpoint {
  channel: Channel | null;
  source: string | null;
  medium: string | null;
  campaign: string | null;
}

export interface ChannelInput {
  /** `context.campaign` as the SDKs send it: { name, source, medium, term, content }. */
  campaign?: Record<string, unknown> | undefined;
  pageUrl?: string | undefined;
  referrer?: string | undefined;
}

const MEDIUM_CHANNELS: Array<[RegExp, Channel]> = [
  [/^(cpc|ppc|paid[-_ ]?search|sem)$/, 'paid_search'],
  [/^(paid[-_ ]?social|social[-_ ]?paid|social[-_ ]?ads?)$/, 'paid_social'],
  [/^(social|social[-_ ]?network|social[-_ ]?media|organic[-_ ]?social)$/, 'organic_social'],
  [/^(e-?mail|newsletter)$/, 'email'],
  [/^(display|banner|cpm|programmatic)$/, 'display'],
  [/^(video|preroll|youtube)$/, 'video'],
  [/^(affiliate|affiliates|partner)$/, 'affiliate'],
  [/^(referral|link)$/, 'referral'],
  [/^(sms|text|mms)$/, 'sms'],
  [/^(push|notification|in[-_ ]?app)$/, 'push'],
  [/^(offline|store|in[-_ ]?store|pos|retail)$/, 'offline_store'],
  [/^(call|phone|call[-_ ]?cent(re|er)|telesales)$/, 'call_centre'],
  [/^(event|events|trade[-_ ]?show|conference|webinar)$/, 'events'],
  [/^(organic|seo)$/, 'organic_search'],
];

/** utm_source values that name a social network, for telling paid social from paid search. */
const SOCIAL_SOURCES =
  /^(facebook|fb|meta|instagram|ig|linkedin|twitter|x|t\.co|pinterest|reddit|tiktok|snapchat|threads)(\.[a-z.]+)?$/;

const SEARCH_ENGINES = /(^|\.)(google|bing|yahoo|duckduckgo|baidu|yandex|ecosia|search\.brave|qwant)\./;
const SOCIAL_NETWORKS =
  /(^|\.)(facebook|fb|instagram|linkedin|lnkd|twitter|pinterest|reddit|tiktok|snapchat|threads|mastodon)\.|(^|\.)(t\.co|x\.com)$/;
const VIDEO_SITES = /(^|\.)(youtube|youtu|vimeo|twitch)\./;
const WEBMAIL = /(^|\.)(mail\.google|outlook\.live|mail\.yahoo|mail\.proton)\./;

/** Ad click ids that ad platforms append to landing URLs, and the channel each implies. */
const CLICK_IDS: Array<[string, Channel]> = [
  ['gclid', 'paid_search'],
  ['msclkid', 'paid_search'],
  ['dclid', 'display'],
  ['ttclid', 'paid_social'],
  ['li_fat_id', 'paid_social'],
  ['twclid', 'paid_social'],
];

/** The built-in rules, after the workspace's own (touchpoint-rules.ts) when it has some. */
export function classifyChannel(input: ChannelInput, rules?: CompiledRules): Touchpoint {
  const url = parseUrl(input.pageUrl);
  const query = url?.searchParams;
  const campaign = input.campaign ?? {};
  const source = lower(campaign.source) ?? lower(query?.get('utm_source'));
  const medium = lower(campaign.medium) ?? lower(query?.get('utm_medium'));
  const name = text(campaign.name) ?? text(query?.get('utm_campaign'));
  const touchpoint = (channel: Channel | null, fallbackSource: string | null = null): Touchpoint => ({
    channel,
    source: source ?? fallbackSource,
    medium,
    campaign: name,
  });
  const pageHost = url?.hostname.replace(/^www\./, '') ?? null;
  const referrerHost = parseUrl(input.referrer)?.hostname.replace(/^www\./, '') ?? null;
  // An outside referrer: a link from another site. One from the site itself is a step within a visit.
  const host = referrerHost !== pageHost ? referrerHost : null;

  const own = rules?.channel({
    source,
    medium,
    campaign: name,
    referrerHost,
    pageHost,
    hasParameter: (parameter) => query?.has(parameter) ?? false,
  });
  if (own) return touchpoint(own, host);

  if (medium) {
    const byMedium = MEDIUM_CHANNELS.find(([pattern]) => pattern.test(medium))?.[1];
    if (byMedium === 'paid_search' && source && SOCIAL_SOURCES.test(source)) return touchpoint('paid_social');
    if (byMedium) return touchpoint(byMedium);
  }
  for (const [parameter, channel] of CLICK_IDS) {
    if (query?.has(parameter)) return touchpoint(channel);
  }
  // Facebook adds fbclid to every outbound link, paid or not: without a paid medium it is organic.
  if (query?.has('fbclid')) return touchpoint('organic_social', 'facebook');

  if (host) {
    // Webmail first: mail.google.com is Gmail, not Google search.
    if (WEBMAIL.test(host)) return touchpoint('email', host);
    if (SEARCH_ENGINES.test(host)) return touchpoint('organic_search', host);
    if (VIDEO_SITES.test(host)) return touchpoint('video', host);
    if (SOCIAL_NETWORKS.test(host)) return touchpoint('organic_social', host);
    return touchpoint('referral', host);
  }
  if (source) return touchpoint('referral');
  // A page seen with no campaign and no outside referrer was reached directly; a server-side event
  // without a page says nothing about its channel.
  return touchpoint(url ? 'direct' : null);
}

function parseUrl(value: string | undefined): URL | null {
  if (!value) return null;
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

function lower(value: unknown): string | null {
  return text(value)?.toLowerCase() ?? null;
}
