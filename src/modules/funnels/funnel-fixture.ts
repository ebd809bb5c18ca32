/** Eight customers whose funnel View → Add → Buy is worked out by hand in funnel.service.test.ts. */
export const HOUR = 3600;
export const D0 = Date.parse('2026-05-01T00:00:00Z');
const at = (hours: number) => new Date(D0 + hours * HOUR * 1000).toISOString();
let sequence = 0;
const event = (who: object, name: string, hours: number, properties: object = {}) => ({
  type: 'track',
  event: name,
  ...who,
  messageId: `f-${++sequence}`,
  timestamp: at(hours),
  properties,
});
export const VIEW = 'Product Viewed';
export const ADD = 'Product Added';
export const BUY = 'Order Completed';
const u = (n: number) => ({ userId: `u${n}` });

export const funnelFixture = [
  event(u(1), VIEW, 0, { list: 'search' }),
  event(u(1), ADD, 1),
  event(u(1), BUY, 2, { order_id: 'o1', total: 10 }),
  event(u(2), VIEW, 0, { list: 'home' }),
  event(u(2), ADD, 30),
  event(u(3), VIEW, 0, { list: 'search' }),
  event(u(3), ADD, 1),
  event(u(3), BUY, 8 * 24, { order_id: 'o3', total: 10 }), // outside the 7-day window
  event(u(4), ADD, 0),
  event(u(4), VIEW, 1, { list: 'home' }),
  event(u(4), BUY, 2, { order_id: 'o4', total: 10 }),
  // u5: the attempt from day 0 runs out of time; the one from day 3 converts.
  event(u(5), VIEW, 0, { list: 'search' }),
  event(u(5), VIEW, 72, { list: 'home' }),
  event(u(5), ADD, 73),
  event(u(5), BUY, 9 * 24, { order_id: 'o5', total: 10 }),
  // u6 viewed on a phone before signing in: two customers until the identify merges them.
  event({ anonymousId: 'p6' }, VIEW, 0, { list: 'search' }),
  event(u(6), ADD, 5),
  { type: 'identify', userId: 'u6', anonymousId: 'p6', messageId: 'f-id6', timestamp: at(5.5) },
  event(u(6), BUY, 6, { order_id: 'o6', total: 10 }),
  event(u(7), VIEW, 0, { list: 'search' }),
  event(u(7), 'Support Requested', 1),
  event(u(7), ADD, 2),
  event(u(7), BUY, 3, { order_id: 'o7', total: 10 }),
  event(u(8), BUY, 0, { order_id: 'o8', total: 10 }),
  {
    type: 'group',
    userId: 'u1',
    groupId: 'acct-a',
    traits: { name: 'A' },
    messageId: 'g1',
    timestamp: at(0),
  },
  {
    type: 'group',
    userId: 'u2',
    groupId: 'acct-a',
    traits: { name: 'A' },
    messageId: 'g2',
    timestamp: at(0),
  },
  {
    type: 'group',
    userId: 'u4',
    groupId: 'acct-b',
    traits: { name: 'B' },
    messageId: 'g4',
    timestamp: at(0),
  },
];
