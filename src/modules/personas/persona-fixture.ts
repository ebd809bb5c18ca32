/**
 * Three kinds of customer, fifteen of each, alike within a kind: what they do differs in channel, device,
 * content and behaviour. The personas tests expect each kind found whole.
 */
export const KINDS = {
  reader: {
    context: {
      device: { type: 'desktop' },
      page: { url: 'https://shop.example/?utm_medium=email&utm_source=news' },
    },
    events: [{ event: 'Content Viewed', properties: { format: 'whitepaper' } }],
  },
  bargain: {
    context: {
      device: { type: 'mobile' },
      page: { url: 'https://shop.example/?utm_medium=cpc&utm_source=google' },
    },
    events: [{ event: 'Products Searched', properties: {} }],
  },
  sharer: {
    context: {
      device: { type: 'tablet' },
      page: { url: 'https://shop.example/', referrer: 'https://www.facebook.com/' },
    },
    events: [{ event: 'Product Shared', properties: {} }],
  },
} as const;
export type Kind = keyof typeof KINDS;

let sequence = 0;
/** A page view and five of the kind's events, a day apart from 2026-03-02: evidence enough to place each customer. */
export function customer(userId: string, kind: Kind, day = 0): object[] {
  const { context, events } = KINDS[kind];
  const at = (offset: number) => new Date(Date.UTC(2026, 2, 2 + day + offset, 10)).toISOString();
  return [
    { type: 'page', userId, messageId: `p-${++sequence}`, timestamp: at(0), context },
    ...[1, 2, 3, 4, 5].map((offset) => ({
      type: 'track',
      userId,
      messageId: `p-${++sequence}`,
      timestamp: at(offset),
      ...events[0],
      context,
    })),
  ];
}

export const PER_KIND = 15;
export const planted = new Map<string, Kind>();
for (const kind of Object.keys(KINDS) as Kind[])
  for (let i = 0; i < PER_KIND; i++) planted.set(`${kind}-${i}`, kind);
