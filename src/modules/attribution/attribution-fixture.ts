/**
 * Four customers whose touchpoint paths are credited by hand in attribution.service.test.ts and
 * docs/models/attribution.md:
 *
 *   c1  email (day 0) → search (day 2) → direct (day 3) → order 100 (day 3, same moment as the direct visit)
 *   c2  search (day 0) → order 50 (day 1)
 *   c3  email (day 0) → display (day 1)                                    never buys
 *   c4  display (day 0) → email (day 5) → order 30 (day 6) → search (day 10), and no order after it
 */
export const D0 = Date.parse('2026-03-02T09:00:00Z');
const DAY = 86_400_000;
const at = (day: number) => new Date(D0 + day * DAY).toISOString();
let sequence = 0;

const URLS = {
  email: { url: 'https://shop.example/?utm_medium=email&utm_source=newsletter' },
  search: { url: 'https://shop.example/lamps', referrer: 'https://www.google.com/' },
  direct: { url: 'https://shop.example/' },
  display: { url: 'https://shop.example/?utm_medium=display&utm_source=news_site&utm_campaign=spring' },
};
export const CHANNELS = {
  email: 'email',
  search: 'organic_search',
  direct: 'direct',
  display: 'display',
} as const;

const visit = (userId: string, channel: keyof typeof URLS, day: number) => ({
  type: 'page',
  userId,
  messageId: `a-${++sequence}`,
  timestamp: at(day),
  context: { page: URLS[channel] },
});
const order = (userId: string, day: number, total: number) => ({
  type: 'track',
  event: 'Order Completed',
  userId,
  messageId: `a-${++sequence}`,
  timestamp: at(day),
  properties: { order_id: `o-${sequence}`, total },
});

export const attributionFixture = [
  visit('c1', 'email', 0),
  visit('c1', 'search', 2),
  visit('c1', 'direct', 3),
  order('c1', 3, 100),
  visit('c2', 'search', 0),
  order('c2', 1, 50),
  visit('c3', 'email', 0),
  visit('c3', 'display', 1),
  visit('c4', 'display', 0),
  visit('c4', 'email', 5),
  order('c4', 6, 30),
  visit('c4', 'search', 10),
];
