/** Orders and their lines, written from the ecommerce events of a write (see order-facts.ts). */
import type { Transaction } from '../../platform/db/database.ts';
import { insertRows } from '../../platform/db/rows-sql.ts';
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
  tx: Transaction,
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
  if (orders.length > 0) {
    // New orders, nearly all of them, go in through the bulk path; only orders seen before are upserted.
    const known = new Set(
      (
        await tx.query<{ customer_id: number; order_id: string }>(
          `SELECT customer_id, order_id FROM orders
            WHERE workspace_id = $1 AND order_id = ANY(CAST($2 AS TEXT[]))`,
          [workspaceId, orders.map(({ message }) => message.order!.orderId)],
        )
      ).map((row) => `${row.customer_id}\u0000${row.order_id}`),
    );
    const isKnown = ({ message, customerId }: StoredMessage) =>
      known.has(`${customerId}\u0000${message.order!.orderId}`);
    const orderRow = orderRowOf(workspaceId, accountIds);
    await tx.append('orders', ORDER_COLUMNS, orders.filter((order) => !isKnown(order)).map(orderRow));
    await tx.append(
      'order_lines',
      LINE_COLUMNS,
      orders.filter((order) => !isKnown(order)).flatMap(linesOf(workspaceId)),
    );
    const again = orders.filter(isKnown);
    await insertRows(
      tx,
      `INSERT INTO orders (${ORDER_COLUMNS.join(', ')})`,
      `ON CONFLICT (workspace_id, customer_id, order_id) DO UPDATE SET account_id = excluded.account_id,
         ordered_at = excluded.ordered_at, status = excluded.status, currency = excluded.currency,
         total = excluded.total, discount = excluded.discount, channel = excluded.channel,
         properties = excluded.properties`,
      again.map(orderRow),
    );
    await insertRows(
      tx,
      `INSERT INTO order_lines (${LINE_COLUMNS.join(', ')})`,
      `ON CONFLICT (workspace_id, customer_id, order_id, line_number) DO UPDATE SET
         product_id = excluded.product_id, quantity = excluded.quantity, unit_price = excluded.unit_price`,
      again.flatMap(linesOf(workspaceId)),
    );
  }
  for (const { message, customerId } of statusChanges) {
    await tx.query(
      'UPDATE orders SET status = $4 WHERE workspace_id = $1 AND customer_id = $2 AND order_id = $3',
      [workspaceId, customerId, message.order!.orderId, message.order!.status],
    );
  }
}

const ORDER_COLUMNS = [
  'workspace_id',
  'customer_id',
  'order_id',
  'account_id',
  'ordered_at',
  'status',
  'currency',
  'total',
  'discount',
  'channel',
  'properties',
  'created_at',
];
const LINE_COLUMNS = [
  'workspace_id',
  'customer_id',
  'order_id',
  'line_number',
  'product_id',
  'quantity',
  'unit_price',
  'discount',
];

function orderRowOf(workspaceId: number, accountIds: ReadonlyMap<string, number>) {
  return ({ message, customerId }: StoredMessage): unknown[] => {
    const { products: _lines, ...properties } = message.properties;
    const order = message.order!;
    return [
      workspaceId,
      customerId,
      order.orderId,
      message.groupId ? (accountIds.get(message.groupId) ?? null) : null,
      message.occurredAt,
      order.status,
      order.currency,
      order.total,
      order.discount,
      message.channel,
      JSON.stringify(properties),
      message.receivedAt,
    ];
  };
}

function linesOf(workspaceId: number) {
  return ({ message, customerId }: StoredMessage): unknown[][] =>
    message.order!.lines.map((line, index) => [
      workspaceId,
      customerId,
      message.order!.orderId,
      index + 1,
      line.productId,
      line.quantity,
      line.unitPrice,
      0,
    ]);
}
