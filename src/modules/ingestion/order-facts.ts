/**
 * The order an ecommerce event describes, in the Segment ecommerce spec's terms: 'Order Completed' carries
 * order_id, total (or revenue), currency, discount and products[]; 'Order Refunded' and 'Order Cancelled'
 * change an order's status. The orders table is filled from these events, so orders sent by a web shop and
 * orders imported from a file are one thing.
 */

export type OrderStatus = 'pending' | 'completed' | 'refunded' | 'cancelled';
export const ORDER_STATUSES: readonly string[] = ['pending', 'completed', 'refunded', 'cancelled'];

export interface OrderLine {
  productId: string;
  quantity: number;
  unitPrice: number;
}

export interface OrderFacts {
  orderId: string;
  status: OrderStatus;
  /** null for a refund or cancellation, which changes the status of an order stored already. */
  total: number | null;
  currency: string;
  discount: number;
  lines: OrderLine[];
}

const STATUS_CHANGES: Record<string, OrderStatus> = {
  'Order Refunded': 'refunded',
  'Order Cancelled': 'cancelled',
};

/** The order of an ecommerce event, or a quality flag saying why the event could not make one. */
export function orderFactsOf(
  event: string,
  properties: Record<string, unknown>,
): { order: OrderFacts | null; flag?: string } {
  const placed = event === 'Order Completed';
  if (!placed && !STATUS_CHANGES[event]) return { order: null };
  const orderId = idOf(properties.order_id ?? properties.orderId);
  if (!orderId) return { order: null, flag: 'order_id_missing' };
  const lines = linesOf(properties.products);
  const total =
    amountOf(properties.total) ??
    amountOf(properties.revenue) ??
    (lines.length > 0 ? round2(lines.reduce((sum, line) => sum + line.quantity * line.unitPrice, 0)) : null);
  if (placed && total === null) return { order: null, flag: 'order_total_missing' };
  // An order imported from a shop's export may carry its current status.
  const status = placed
    ? ORDER_STATUSES.includes(properties.status as string)
      ? (properties.status as OrderStatus)
      : 'completed'
    : STATUS_CHANGES[event]!;
  const currency = typeof properties.currency === 'string' ? properties.currency.trim().toUpperCase() : '';
  return {
    order: {
      orderId,
      status,
      total: placed ? total : null,
      currency: /^[A-Z]{3}$/.test(currency) ? currency : 'USD',
      discount: amountOf(properties.discount) ?? 0,
      lines,
    },
  };
}

function linesOf(products: unknown): OrderLine[] {
  if (!Array.isArray(products)) return [];
  return products.flatMap((product: Record<string, unknown> | null) => {
    if (!product || typeof product !== 'object') return [];
    const productId = idOf(product.product_id ?? product.productId ?? product.sku ?? product.id);
    const unitPrice = amountOf(product.price);
    const quantity = product.quantity === undefined ? 1 : Number(product.quantity);
    if (!productId || unitPrice === null || !Number.isInteger(quantity) || quantity <= 0) return [];
    return [{ productId, quantity, unitPrice }];
  });
}

function idOf(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/** A money amount from a number or a numeric string; the orders table keeps two decimals. */
function amountOf(value: unknown): number | null {
  const amount = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof amount === 'number' && Number.isFinite(amount) && Math.abs(amount) < 1e12
    ? round2(amount)
    : null;
}

function round2(amount: number): number {
  return Math.round(amount * 100) / 100;
}
