import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.ts';
import { describeEachEngine } from '../../../test/engines.ts';
import { createIngestService, type IngestService } from './ingest.service.ts';
import { orderFactsOf } from './order-facts.ts';

describe('orderFactsOf', () => {
  it('reads an Order Completed event in the Segment ecommerce shape', () => {
    expect(
      orderFactsOf('Order Completed', {
        order_id: 'o-1',
        revenue: '25.50',
        currency: 'eur',
        discount: 2,
        products: [
          { product_id: 'p-1', price: 10, quantity: 2 },
          { sku: 'p-2', price: '5.5' },
          { product_id: 'p-3', price: 1, quantity: 0 },
        ],
      }),
    ).toEqual({
      order: {
        orderId: 'o-1',
        status: 'completed',
        total: 25.5,
        currency: 'EUR',
        discount: 2,
        lines: [
          { productId: 'p-1', quantity: 2, unitPrice: 10 },
          { productId: 'p-2', quantity: 1, unitPrice: 5.5 },
        ],
      },
    });
  });

  it('sums the lines when there is no total, and flags an order it cannot price or name', () => {
    expect(
      orderFactsOf('Order Completed', { orderId: 7, products: [{ id: 'a', price: 1.1, quantity: 3 }] }).order
        ?.total,
    ).toBe(3.3);
    expect(orderFactsOf('Order Completed', { order_id: 'o-2' })).toEqual({
      order: null,
      flag: 'order_total_missing',
    });
    expect(orderFactsOf('Order Refunded', {})).toEqual({ order: null, flag: 'order_id_missing' });
    expect(orderFactsOf('Product Viewed', { order_id: 'o-3', total: 1 })).toEqual({ order: null });
  });
});

describeEachEngine('orders from ecommerce events', ({ db }) => {
  let t: TestApp;
  let ingest: IngestService;
  const ws = () => t.workspace.workspaceId;

  beforeAll(async () => {
    t = await createTestApp(db());
    ingest = createIngestService(t.deps);
  });
  afterAll(() => t.app.close());

  const ordersOf = (orderId: string) =>
    db().query<{ customer_id: number; total: number; status: string; currency: string }>(
      'SELECT customer_id, total, status, currency FROM orders WHERE workspace_id = $1 AND order_id = $2',
      [ws(), orderId],
    );

  it('stores an order with its lines once, however often it is sent, and follows its refund', async () => {
    const order = {
      type: 'track',
      event: 'Order Completed',
      userId: 'shopper-1',
      timestamp: '2026-03-01T10:00:00Z',
      properties: { order_id: 'A-1', total: 30, products: [{ product_id: 'p', price: 15, quantity: 2 }] },
    };
    await ingest.ingest(ws(), [{ ...order, messageId: 'order-a1' }]);
    await ingest.ingest(ws(), [{ ...order, messageId: 'order-a1-again' }]);
    const [stored] = await ordersOf('A-1');
    expect(await ordersOf('A-1')).toEqual([
      { customer_id: stored!.customer_id, total: 30, status: 'completed', currency: 'USD' },
    ]);
    expect(
      await db().query(
        'SELECT line_number, product_id, quantity, unit_price FROM order_lines WHERE order_id = $1',
        ['A-1'],
      ),
    ).toEqual([{ line_number: 1, product_id: 'p', quantity: 2, unit_price: 15 }]);

    await ingest.ingest(ws(), [
      { type: 'track', event: 'Order Refunded', userId: 'shopper-1', properties: { order_id: 'A-1' } },
    ]);
    expect((await ordersOf('A-1'))[0]!.status).toBe('refunded');
  });

  it('keeps one copy of an order both merged customers held', async () => {
    const order = (messageId: string, who: Record<string, string>) => ({
      type: 'track',
      event: 'Order Completed',
      messageId,
      ...who,
      properties: { order_id: 'B-1', total: 12 },
    });
    await ingest.ingest(ws(), [order('b-anon', { anonymousId: 'device-b' })]);
    await ingest.ingest(ws(), [order('b-user', { userId: 'shopper-b' })]);
    expect(await ordersOf('B-1')).toHaveLength(2);
    const result = await ingest.ingest(ws(), [
      { type: 'identify', userId: 'shopper-b', anonymousId: 'device-b', messageId: 'b-identify' },
    ]);
    expect(result.rejected).toEqual([]);
    const [user] = await db().query<{ customer_id: number }>(
      "SELECT customer_id FROM identities WHERE workspace_id = $1 AND kind = 'user' AND value = 'shopper-b'",
      [ws()],
    );
    expect(await ordersOf('B-1')).toEqual([
      { customer_id: user!.customer_id, total: 12, status: 'completed', currency: 'USD' },
    ]);
  });

  it('flags an Order Completed it cannot price and stores the event all the same', async () => {
    await ingest.ingest(ws(), [
      {
        type: 'track',
        event: 'Order Completed',
        userId: 'u-c',
        messageId: 'c-1',
        properties: { order_id: 'C-1' },
      },
    ]);
    expect(await ordersOf('C-1')).toEqual([]);
    expect(
      await db().query('SELECT quality_flags FROM events WHERE workspace_id = $1 AND message_id = $2', [
        ws(),
        'c-1',
      ]),
    ).toEqual([{ quality_flags: ['order_total_missing'] }]);
  });
});
