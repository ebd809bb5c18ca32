import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.ts';
import { describeEachEngine } from '../../../test/engines.ts';
import { fixedClock } from '../../platform/clock.ts';
import { createIngestService } from '../ingestion/index.ts';
import { FEATURES, queryPersonaFeatures } from './persona-features.query.ts';

/** 2026-03-07 is a Saturday. */
const at = (day: number, hour: number) => new Date(Date.UTC(2026, 2, 7 + day, hour)).toISOString();
const MOBILE = { device: { type: 'mobile' } };
const DESKTOP = { device: { type: 'desktop' } };
const EMAIL = { page: { url: 'https://shop.example/?utm_source=news&utm_medium=email' } };
const SEARCH = { page: { url: 'https://shop.example/', referrer: 'https://www.google.com/' } };

let sequence = 0;
const message = (userId: string, day: number, hour: number, rest: object) => ({
  userId,
  messageId: `f-${++sequence}`,
  timestamp: at(day, hour),
  ...rest,
});

/**
 * ann: four touchpoints — a Saturday-morning email visit on her phone, a whitepaper on Monday afternoon and two
 * orders (100 with a discount, then 300 ten days later) in the evening on her desktop.
 * bob: the decision maker of Acme, one Sunday-evening visit from search on a desktop; no order.
 */
const fixture = () => [
  message('ann', 0, 9, { type: 'page', context: { ...EMAIL, ...MOBILE } }),
  message('ann', 2, 14, {
    type: 'track',
    event: 'Content Viewed',
    properties: { format: 'whitepaper', content_id: 'C-1' },
    context: DESKTOP,
  }),
  message('ann', 2, 20, {
    type: 'track',
    event: 'Order Completed',
    properties: { order_id: 'A-1', total: 100, discount: 10, currency: 'USD' },
    context: DESKTOP,
  }),
  message('ann', 12, 20, {
    type: 'track',
    event: 'Order Completed',
    properties: { order_id: 'A-2', total: 300, currency: 'USD' },
    context: DESKTOP,
  }),
  message('bob', 1, 0, { type: 'group', groupId: 'acme', traits: { name: 'Acme', role: 'decision_maker' } }),
  message('bob', 1, 23, { type: 'page', context: { ...SEARCH, ...DESKTOP } }),
];

describeEachEngine('persona features', ({ db }) => {
  let t: TestApp;
  const ws = () => t.workspace.workspaceId;
  beforeAll(async () => {
    t = await createTestApp(db(), { clock: fixedClock('2026-04-01T00:00:00Z') });
    const result = await createIngestService(t.deps).ingest(ws(), fixture());
    expect(result.rejected).toEqual([]);
  });
  afterAll(() => t.app.close());

  /** The customer's known features by name (unknown ones left out). */
  const featuresOf = async (minTouchpoints = 1) => {
    const table = await queryPersonaFeatures(db(), ws(), { minTouchpoints });
    return table.customerIds.map((customerId, i) => {
      const known: Record<string, number> = {};
      FEATURES.forEach((feature, j) => {
        const value = table.values[i * FEATURES.length + j]!;
        if (!Number.isNaN(value) && value !== 0) known[feature.name] = value;
      });
      return { customerId, touchpoints: table.touchpoints[i], known };
    });
  };

  it('gives each customer the shares, timing, purchase rhythm and B2B role worked out by hand', async () => {
    const [ann, bob] = await featuresOf();
    expect(ann!.touchpoints).toBe(4);
    expect(ann!.known).toEqual({
      // Only the page view says where she came from.
      'channel:email': 1,
      'device:mobile': 0.25,
      'device:desktop': 0.75,
      'format:whitepaper': 1,
      'timing:morning': 0.25,
      'timing:afternoon': 0.25,
      'timing:evening': 0.5,
      'timing:weekend': 0.25,
      'behaviour:access': 0.25,
      'behaviour:engage': 0.25,
      'purchase:orders': expect.closeTo(Math.log(3), 12),
      'purchase:order_value': expect.closeTo(Math.log(201), 12),
      'purchase:days_between': expect.closeTo(Math.log(11), 12),
      'purchase:discounted': 0.5,
    });
    expect(bob!.touchpoints).toBe(1);
    expect(bob!.known).toEqual({
      'channel:organic_search': 1,
      'device:desktop': 1,
      'timing:evening': 1,
      'timing:weekend': 1,
      'behaviour:access': 1,
      'b2b:member': 1,
      'b2b:decision_maker': 1,
    });
  });

  it('leaves unknown what the customer gave nothing to tell (no order, no content) rather than zero', async () => {
    const table = await queryPersonaFeatures(db(), ws(), { minTouchpoints: 1 });
    const bob = 1;
    const value = (name: string) =>
      table.values[bob * FEATURES.length + FEATURES.findIndex((f) => f.name === name)]!;
    expect(value('format:whitepaper')).toBeNaN();
    expect(value('purchase:order_value')).toBeNaN();
    expect(value('purchase:orders')).toBe(0);
  });

  it('leaves out customers with fewer touchpoints than asked', async () => {
    expect((await featuresOf(2)).map((row) => row.touchpoints)).toEqual([4]);
  });
});
