import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, invalidInputMessage, type TestApp } from '../../../test/app.ts';
import { describeEachEngine } from '../../../test/engines.ts';
import { createIngestService } from '../ingestion/index.ts';
import { createLifecycleService } from '../lifecycle/index.ts';
import { createSegmentService, SegmentInputSchema } from '../segments/index.ts';
import { replaceCustomerValues } from './customer-values.store.ts';
import type { CustomerValue } from './value.schema.ts';

const D0 = Date.parse('2026-01-05T00:00:00Z');
const DAY = 86_400_000;
const VALUED_AT = new Date('2026-03-01T08:00:00Z');
const AS_OF = new Date('2026-02-20T00:00:00Z');

/**
 * Six customers whose stored values are set by hand (values exact in binary, so the sums are too): two
 * below 1, one on the edge 2, one at 4.5, one on the edge 5, one at 120. c5 and c6 bought twice.
 */
const CLV = { c1: 0.25, c2: 0.75, c3: 2, c4: 4.5, c5: 5, c6: 120 } as const;

describeEachEngine('CLV distribution', ({ db }) => {
  let t: TestApp;
  const get = (url: string, app = t) => app.app.inject({ method: 'GET', url, headers: app.admin });

  beforeAll(async () => {
    t = await createTestApp(db());
    const workspaceId = t.workspace.workspaceId;
    let sequence = 0;
    const order = (userId: string, day: number) => ({
      type: 'track',
      event: 'Order Completed',
      userId,
      messageId: `d-${++sequence}`,
      timestamp: new Date(D0 + day * DAY).toISOString(),
      properties: { order_id: `D-${sequence}`, total: 10 },
    });
    const messages = Object.keys(CLV).flatMap((user) =>
      user === 'c5' || user === 'c6' ? [order(user, 1), order(user, 9)] : [order(user, 2)],
    );
    expect((await createIngestService(t.deps).ingest(workspaceId, messages)).rejected).toEqual([]);
    const ids = await db().query<{ customer_id: number; value: string }>(
      "SELECT customer_id, value FROM identities WHERE workspace_id = $1 AND kind = 'user'",
      [workspaceId],
    );
    const values = ids.map(
      (identity): CustomerValue => ({
        customerId: Number(identity.customer_id),
        modelId: 1,
        valuedAt: VALUED_AT,
        asOf: AS_OF,
        months: 12,
        discountRate: 0.01,
        repeatPurchases: 0,
        probabilityAlive: 1,
        expectedPurchases: 1,
        expectedOrderValue: 10,
        clv: CLV[identity.value as keyof typeof CLV],
        rfm: { recencyDays: 1, frequency: 1, monetary: 10, r: 3, f: 3, m: 3, segment: 'need_attention' },
      }),
    );
    await replaceCustomerValues(db(), workspaceId, values);
    const lifecycle = createLifecycleService(t.deps);
    const segments = createSegmentService({ ...t.deps, lifecycle });
    await segments.save(
      workspaceId,
      'twice',
      SegmentInputSchema.parse({
        name: 'Twice',
        rules: { event: 'Order Completed', count: { op: 'gte', value: 2 } },
      }),
    );
    await segments.refresh(workspaceId, 'twice');
  });
  afterAll(() => t.app.close());

  it('counts customers and value per 1-2-5 bin, from the lowest bin with a customer to the highest', async () => {
    const response = await get('/api/value/distribution');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({
      valuedAt: VALUED_AT.toISOString(),
      asOf: AS_OF.toISOString(),
      months: 12,
      customers: 6,
      total: 132.5,
      bins: [
        { from: 0, to: 1, customers: 2, value: 1 },
        { from: 1, to: 2, customers: 0, value: 0 },
        { from: 2, to: 5, customers: 2, value: 6.5 },
        { from: 5, to: 10, customers: 1, value: 5 },
        { from: 10, to: 20, customers: 0, value: 0 },
        { from: 20, to: 50, customers: 0, value: 0 },
        { from: 50, to: 100, customers: 0, value: 0 },
        { from: 100, to: 200, customers: 1, value: 120 },
      ],
      notes: [],
    });
  });

  it('counts a saved segment’s members only, and refuses a segment that does not exist', async () => {
    const response = await get('/api/value/distribution?savedSegment=twice');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({
      customers: 2,
      total: 125,
      bins: [
        { from: 5, to: 10, customers: 1, value: 5 },
        { from: 10, to: 20, customers: 0, value: 0 },
        { from: 20, to: 50, customers: 0, value: 0 },
        { from: 50, to: 100, customers: 0, value: 0 },
        { from: 100, to: 200, customers: 1, value: 120 },
      ],
    });
    expect(invalidInputMessage(await get('/api/value/distribution?savedSegment=nobody'))).toContain(
      'no saved segment is named "nobody"',
    );
  });

  it('says why there are no bins when the customers cannot be valued', async () => {
    const empty = await createTestApp(db());
    try {
      const response = await get('/api/value/distribution', empty);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toEqual({
        valuedAt: null,
        asOf: null,
        months: null,
        customers: 0,
        total: 0,
        bins: [],
        notes: [expect.stringContaining('no completed order in this workspace')],
      });
    } finally {
      await empty.app.close();
    }
  });

  it('documents the route in OpenAPI', async () => {
    const paths = Object.keys((await get('/openapi.json')).json().paths);
    expect(paths).toContain('/api/value/distribution');
  });
});
