/** Orders and their lines, written from the ecommerce events of a write (see order-facts.ts). */
import type { Queryable } from '../../platform/db/database.ts';
import { insertRows } from './identity.store.ts';
import type { NormalizedMessage } from './normalize-message.ts';

interface StoredMessage {
  message: NormalizedMessage;
  customerId: number;
}

/**
 * A placed order is inserted, or updated when the same order arrives again (a re-import, a corrected
 * total); a refund or cancellation changes the status of an order already stored.
 */
export async function recordOrders(
  tx: Queryable,
  workspaceId: number,
  stored: readonly StoredMessage[],
  accountIds: ReadonlyMap<string, number>,
): Promise<void> {
  const placed = new Map<string, StoredMessage>();
  const statusChanges: StoredMessage[] = [];
  for (const entry of stored) {
    const order = entry.message.order;
    if (!order) continue;
    if (order.total !== null) placed.set(`${entry.customerId}\u0000${order.orderId}`, entry);
    else statusChanges.push(entry);
  }
  // The engines refuse (PostgreSQL) or half-apply (DuckDB) an upsert naming a key twice: the latest wins.
  const orders = [...placed.values()];
  await insertRows(
    tx,
    `INSERT INTO orders (workspace_id, customer_id, order_id, account_id, ordered_at, status, currency, total,
       discount, channel, properties, created_at)`,
    `ON CONFLICT (workspace_id, customer_id, order_id) DO UPDATE SET account_id = excluded.account_id,
       ordered_at = excluded.ordered_at, status = excluded.status, currency = excluded.currency,
       total = excluded.total, discount = excluded.discount, channel = excluded.channel,
       properties = excluded.properties`,
    orders.map(({ message, customerId }) => {
      const { products: _lines, ...properties } = message.properties;
      return [
        workspaceId,
        customerId,
        message.order!.orderId,
        message.groupId ? (accountIds.get(message.groupId) ?? null) : null,
        message.occurredAt,
        message.order!.status,
        message.order!.currency,
        message.order!.total,
        message.order!.discount,
        message.channel,
        JSON.stringify(properties),
        message.receivedAt,
      ];
    }),
  );
  await insertRows(
    tx,
    'INSERT INTO order_lines (workspace_id, customer_id, order_id, line_number, product_id, quantity, unit_price)',
    `ON CONFLICT (workspace_id, customer_id, order_id, line_number) DO UPDATE SET
       product_id = excluded.product_id, quantity = excluded.quantity, unit_price = excluded.unit_price`,
    orders.flatMap(({ message, customerId }) =>
      message.order!.lines.map((line, index) => [
        workspaceId,
        customerId,
        message.order!.orderId,
        index + 1,
        line.productId,
        line.quantity,
        line.unitPrice,
      ]),
    ),
  );
  for (const { message, customerId } of statusChanges) {
    await tx.query(
      'UPDATE orders SET status = $4 WHERE workspace_id = $1 AND customer_id = $2 AND order_id = $3',
      [workspaceId, customerId, message.order!.orderId, message.order!.status],
    );
  }
}
