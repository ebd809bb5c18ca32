import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.ts';
import { describeEachEngine } from '../../../test/engines.ts';
import { fixedClock } from '../../platform/clock.ts';
import { createIngestService } from '../ingestion/index.ts';
import { createLifecycleService } from '../lifecycle/index.ts';
import { EvaluateBodySchema } from './segment.schema.ts';
import { createSegmentService, type SegmentService } from './segment.service.ts';
import { segmentFixture } from './segment-fixture.ts';

const EVERYONE = ['ana', 'ben', 'cai', 'dan', 'eve', 'fay', 'gus', 'hal', 'ivy', 'jon'];
const except = (...names: string[]) => EVERYONE.filter((name) => !names.includes(name));

/** Each rule, and its members worked out by hand from segment-fixture.ts (as of 2026-04-01T00:00Z). */
const CASES: Array<[string, unknown, string[]]> = [
  ['a trait equal to text', { trait: 'plan', value: 'pro' }, ['ana', 'ivy']],
  ['a numeric trait above a number', { trait: 'age', op: 'gt', value: 30 }, ['ana', 'ivy']],
  ['a numeric trait below a number', { trait: 'age', op: 'lt', value: 30 }, ['hal']],
  ['a trait that is missing', { trait: 'plan', op: 'missing' }, except('ana', 'hal', 'ivy')],
  [
    'a trait not equal, counting those without it',
    { trait: 'plan', op: 'neq', value: 'pro' },
    except('ana', 'ivy'),
  ],
  ['a trait in a list', { trait: 'plan', op: 'in', value: ['free', 'basic'] }, ['hal']],
  [
    'a trait containing text, whatever the case',
    { trait: 'email', op: 'contains', value: 'EXAMPLE.com' },
    ['ana', 'gus'],
  ],
  ['a boolean trait that is true', { trait: 'newsletter', value: true }, ['ana']],
  ['a boolean trait that is false', { trait: 'newsletter', value: false }, ['ivy']],
  ['an identity of a kind', { identity: 'email' }, ['ana', 'gus']],
  ['an event at least twice', { event: 'Order Completed', count: { op: 'gte', value: 2 } }, ['ana', 'ivy']],
  // Since 2026-03-07T00:00Z, day 5.5: dan's guide on day 7, hal's on days 6 and 8.
  ['an event within the last 25 days', { event: 'Content Viewed', within: '25d' }, ['dan', 'hal']],
  [
    'an event whose property compares',
    { event: 'Order Completed', where: [{ property: 'total', op: 'gt', value: 50 }] },
    ['ana', 'ben', 'dan'],
  ],
  [
    'an event property summed',
    { event: 'Order Completed', sum: { property: 'total', op: 'gte', value: 100 } },
    ['ana', 'dan'],
  ],
  [
    'an event in the last 7 days that no other followed',
    { event: 'Product Customized', within: '7d', notFollowedBy: { event: 'Order Completed', within: '7d' } },
    ['hal'],
  ],
  [
    'an event another followed within days',
    { event: 'Product Customized', followedBy: { event: 'Order Completed', within: '2d' } },
    ['ivy'],
  ],
  [
    'an event whose property is in a list',
    { event: 'Product Customized', where: [{ property: 'color', op: 'in', value: ['brass', 'gold'] }] },
    ['hal'],
  ],
  [
    'an event column',
    { event: 'Page Viewed', where: [{ property: 'channel', value: 'email' }] },
    ['ana', 'ivy'],
  ],
  ['the current stage', { stage: 'advocacy' }, ['fay', 'ivy']],
  ['one of several stages', { stage: ['preference', 'consideration'] }, ['eve', 'hal']],
  // Since day 20.5: only dan's first order, on day 30.
  ['a stage entered within 10 days', { reachedStage: 'action', within: '10d' }, ['dan']],
  // Lapsed after 20 days quiet, counted from the latest activity (day 30): jon, last seen on day 1.
  ['lapsed', { lapsed: true }, ['jon']],
  ['not lapsed', { lapsed: false }, except('jon')],
  ['any account', { account: true }, ['dan', 'eve']],
  ['an account trait', { account: { trait: 'name', value: 'Acme' } }, ['dan', 'eve']],
  ['a buying role', { buyingRole: 'economic_buyer' }, ['dan']],
  // Recency and frequency quintiles of the five buyers: ana R4 F4, ivy R2 F4, dan R5 F1, ben R2 F1, jon R1 F1.
  ['an RFM segment', { rfm: 'champions' }, ['ana']],
  ['RFM segments', { rfm: ['at_risk', 'new'] }, ['dan', 'ivy']],
  // Stored values (below): ana 800 and 0.9, ben 120 and 0.4, dan 500 and 0.2; the others have none.
  ['a lifetime value of at least 500', { clv: { op: 'gte', value: 500 } }, ['ana', 'dan']],
  [
    'a chance of still being a customer below one half',
    { probabilityAlive: { op: 'lt', value: 0.5 } },
    ['ben', 'dan'],
  ],
  [
    'not a lifetime value of 500 or more, counting those without one',
    { not: { clv: { op: 'gte', value: 500 } } },
    except('ana', 'dan'),
  ],
  ['a persona', { persona: 1 }, ['ana', 'ben']],
  ['one of several personas', { persona: [1, 2] }, ['ana', 'ben', 'cai']],
  [
    'all of two rules, one negated',
    { all: [{ trait: 'plan', value: 'pro' }, { not: { event: 'Referral Sent' } }] },
    ['ana'],
  ],
  ['any of two rules', { any: [{ stage: 'awareness' }, { identity: 'email' }] }, ['ana', 'cai', 'gus']],
  ['not a rule no row of whose table matches', { not: { identity: 'email' } }, except('ana', 'gus')],
];

describeEachEngine('segment rules', ({ db }) => {
  let t: TestApp;
  let segments: SegmentService;
  const ws = () => t.workspace.workspaceId;
  let names: Map<number, string>;

  const members = async (rules: unknown, page: object = {}) => {
    const result = await segments.evaluate(ws(), EvaluateBodySchema.parse({ rules, limit: 1000, ...page }));
    return { ...result, names: result.members.map((member) => names.get(member.customerId)!).sort() };
  };

  beforeAll(async () => {
    t = await createTestApp(db(), { clock: fixedClock('2026-04-15T00:00:00Z') });
    const result = await createIngestService(t.deps).ingest(ws(), segmentFixture());
    expect(result.rejected).toEqual([]);
    const lifecycle = createLifecycleService(t.deps);
    await lifecycle.updateRules(ws(), { lapsedAfterDays: 20 });
    segments = createSegmentService({ ...t.deps, lifecycle });
    const users = await db().query<{ customer_id: number; value: string }>(
      "SELECT customer_id, value FROM identities WHERE workspace_id = $1 AND kind = 'user'",
      [ws()],
    );
    names = new Map(users.map((row) => [row.customer_id, row.value]));
    // Personas as a persona run leaves them (the personas module's tests check how they are found).
    const idOf = new Map(users.map((row) => [row.value, row.customer_id]));
    for (const [user, persona] of [
      ['ana', 1],
      ['ben', 1],
      ['cai', 2],
    ] as const)
      await db().query(
        `INSERT INTO persona_assignments (workspace_id, customer_id, persona_id, run_id, distance, assigned_at)
         VALUES ($1, $2, $3, 1, 0, $4)`,
        [ws(), idOf.get(user), persona, new Date('2026-04-01T00:00:00Z')],
      );
    // Customer values as a valuation leaves them (the value module's tests check how they are computed).
    for (const [user, clv, alive] of [
      ['ana', 800, 0.9],
      ['ben', 120, 0.4],
      ['dan', 500, 0.2],
    ] as const)
      await db().query(
        `INSERT INTO customer_values (workspace_id, customer_id, model_id, valued_at, as_of, months, discount_rate,
           repeat_purchases, probability_alive, expected_purchases, expected_order_value, clv, recency_days,
           frequency, monetary, r, f, m, rfm_segment)
         VALUES ($1, $2, 1, $3, $3, 12, 0.01, 1, $4, 1, 50, $5, 10, 2, 100, 3, 3, 3, 'need_attention')`,
        [ws(), idOf.get(user), new Date('2026-04-01T00:00:00Z'), alive, clv],
      );
  });
  afterAll(() => t.app.close());

  for (const [what, rules, expected] of CASES) {
    it(`selects the customers with ${what}`, async () => {
      const result = await members(rules);
      expect(result.names).toEqual(expected);
      expect(result.size).toBe(expected.length);
    });
  }

  it('evaluates as of the day after the latest activity, and pages the members by customer id', async () => {
    const all = await members({ not: { identity: 'phone' } });
    expect(all.asOf).toEqual(new Date('2026-04-01T00:00:00Z'));
    expect(all.names).toEqual(EVERYONE);
    const page = await members({ not: { identity: 'phone' } }, { limit: 3, offset: 2 });
    expect(page.size).toBe(10);
    expect(page.members.map((member) => member.customerId)).toEqual(
      all.members.slice(2, 5).map((m) => m.customerId),
    );
    expect((await members({ not: { identity: 'phone' } }, { offset: 20 })).size).toBe(10);
  });

  it('counts windows back from an asOf given', async () => {
    // As of day 9.5 the last 5 days start on day 4.5: dan's guide (day 7), hal's (days 6, 8).
    const result = await members({ event: 'Content Viewed', within: '5d' }, { asOf: '2026-03-11T00:00:00Z' });
    expect(result.names).toEqual(['dan', 'hal']);
  });

  it('describes each member by user id, email and stage', async () => {
    const [ana] = (await members({ trait: 'age', op: 'gt', value: 40 })).members;
    expect(ana).toMatchObject({ userId: 'ivy', email: null, stage: 'advocacy' });
    const [gus] = (await members({ trait: 'email', op: 'contains', value: 'gus' })).members;
    expect(gus).toMatchObject({ userId: 'gus', email: 'gus@example.com', stage: null });
  });
});
