/**
 * A dozen customers whose lifecycle can be worked out on paper (the expected figures are in
 * lifecycle.service.test.ts). Days count from 2026-03-01; every event is at noon plus its minute.
 */
const D0 = Date.parse('2026-03-01T12:00:00Z');
const at = (day: number, minute = 0) => new Date(D0 + day * 86_400_000 + minute * 60_000).toISOString();

const EMAIL = { page: { url: 'https://shop.example/?utm_source=news&utm_medium=email&utm_campaign=spring' } };
const SEARCH = { page: { url: 'https://shop.example/', referrer: 'https://www.google.com/' } };
const DIRECT = { page: { url: 'https://shop.example/' } };
const MOBILE = { device: { type: 'mobile' } };
const DESKTOP = { device: { type: 'desktop' } };

let sequence = 0;
const page = (who: Who, day: number, context: object) => ({
  type: 'page',
  ...who,
  messageId: `m-${++sequence}`,
  timestamp: at(day),
  context,
});
const track = (who: Who, event: string, day: number, minute = 0, properties: object = {}) => ({
  type: 'track',
  event,
  ...who,
  messageId: `m-${++sequence}`,
  timestamp: at(day, minute),
  properties,
});
type Who = { userId: string } | { anonymousId: string } | { userId: string; anonymousId: string };

const ana = { userId: 'ana' };
const ben = { userId: 'ben' };
const phone = { anonymousId: 'b-phone' };
const laptop = { anonymousId: 'b-laptop' };
const order = (id: string, total: number) => ({ order_id: id, total, currency: 'USD' });

export const LIFECYCLE_FIXTURE_DAY0 = at(0);

export const lifecycleFixture = (): object[] => [
  // ana: every stage to Loyalty, first touch by email on a phone.
  page(ana, 0, { ...EMAIL, ...MOBILE }),
  track(ana, 'Content Viewed', 2),
  track(ana, 'Product Added', 5),
  track(ana, 'Order Completed', 6, 0, order('A-1', 40)),
  track(ana, 'Order Completed', 20, 0, order('A-2', 60)),
  // ben: a phone and a laptop, anonymous, joined by two identify calls (the laptop's customer is merged).
  page(phone, 1, { ...SEARCH, ...MOBILE }),
  { ...track(laptop, 'Content Viewed', 3), context: DESKTOP },
  { type: 'identify', ...ben, ...phone, messageId: 'ben-1', timestamp: at(4) },
  { type: 'identify', ...ben, ...laptop, messageId: 'ben-2', timestamp: at(4, 5) },
  track(ben, 'Order Completed', 10, 0, order('B-1', 90)),
  // cai: came twice, never further.
  page({ userId: 'cai' }, 2, DIRECT),
  page({ userId: 'cai' }, 3, DIRECT),
  // dan and eve: the buying committee of Acme.
  {
    type: 'group',
    userId: 'dan',
    groupId: 'acme',
    traits: { name: 'Acme', role: 'economic_buyer', title: 'CFO' },
    messageId: 'g-dan',
    timestamp: at(0),
  },
  {
    type: 'group',
    userId: 'eve',
    groupId: 'acme',
    traits: { name: 'Acme', role: 'champion' },
    messageId: 'g-eve',
    timestamp: at(1),
  },
  page({ userId: 'dan' }, 0, { ...SEARCH, ...DESKTOP }),
  track({ userId: 'dan' }, 'Content Viewed', 7),
  track({ userId: 'dan' }, 'Demo Requested', 8),
  track({ userId: 'dan' }, 'Order Completed', 30, 0, order('D-1', 2400)),
  page({ userId: 'eve' }, 1, { ...SEARCH, ...DESKTOP }),
  track({ userId: 'eve' }, 'Webinar Attended', 4),
  // fay: reviewed before buying anything, so she passed every stage at that moment.
  page({ userId: 'fay' }, 0, DIRECT),
  track({ userId: 'fay' }, 'Product Reviewed', 1),
  // gus: known from a CRM identify only; not in the funnel.
  {
    type: 'identify',
    userId: 'gus',
    traits: { email: 'gus@example.com' },
    messageId: 'gus-1',
    timestamp: at(2),
  },
  // hal: read two guides.
  page({ userId: 'hal' }, 5, DIRECT),
  track({ userId: 'hal' }, 'Content Viewed', 6),
  track({ userId: 'hal' }, 'Content Viewed', 8),
  // ivy: straight to the cart, two orders, then a referral.
  page({ userId: 'ivy' }, 3, { ...EMAIL, ...MOBILE }),
  track({ userId: 'ivy' }, 'Product Added', 4),
  track({ userId: 'ivy' }, 'Order Completed', 9, 0, order('I-1', 30)),
  track({ userId: 'ivy' }, 'Order Completed', 10, 0, order('I-2', 35)),
  track({ userId: 'ivy' }, 'Referral Sent', 12),
  // jon: bought the day after his first visit and was never seen again.
  page({ userId: 'jon' }, 0, DIRECT),
  track({ userId: 'jon' }, 'Order Completed', 1, 0, order('J-1', 20)),
];
