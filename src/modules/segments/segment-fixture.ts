/**
 * The lifecycle fixture's ten customers (ana, ben, cai, dan, eve, fay, gus, hal, ivy, jon; see
 * lifecycle-fixture.ts), with traits and customisations added so that every kind of rule has members to
 * find. Days count from 2026-03-01 at noon; the latest activity is dan's order on day 30, so rules are
 * evaluated as of 2026-04-01T00:00Z. The expected members are worked out in segment-members.query.test.ts.
 */
import { lifecycleFixture } from '../lifecycle/lifecycle-fixture.ts';

const D0 = Date.parse('2026-03-01T12:00:00Z');
const at = (day: number) => new Date(D0 + day * 86_400_000).toISOString();

const identify = (userId: string, day: number, traits: object) => ({
  type: 'identify',
  userId,
  traits,
  messageId: `traits-${userId}`,
  timestamp: at(day),
});
const customized = (userId: string, day: number, color: string) => ({
  type: 'track',
  event: 'Product Customized',
  userId,
  properties: { color },
  messageId: `custom-${userId}-${day}`,
  timestamp: at(day),
});

export const segmentFixture = (): object[] => [
  ...lifecycleFixture(),
  identify('ana', 2, { plan: 'pro', age: 34, email: 'ana@example.com', newsletter: true }),
  identify('hal', 6, { plan: 'free', age: 19 }),
  identify('ivy', 4, { plan: 'pro', age: 41, newsletter: false }),
  // hal customised on day 25 and has not bought; ivy customised on day 8 and bought the next day.
  customized('hal', 25, 'brass'),
  customized('ivy', 8, 'black'),
];
