/**
 * The order an ecommerce event describes, in the Segment ecommerce spec's terms: 'Order Completed' carries
 * order_id, total (or revenue), currency, discount and products[]; 'Order Refunded' and 'Order Cancelled'
 * change an order's status. The orders table is filled from these events, so orders sent by a web shop and
 * orders imported from a file are one thing.
 */

export type OrderStatus = 'completed' | 'refunded' | 'cancelled';

export interface OrderLine {
  productId: string;
  quantity: number;
  unitPrice: number;
}

export interface OrderFacts {
  orderId: string;
  status: OrderStatus;
  /** null for a status change, which keeps the stored total. */
  total: number | null;
  currency: string;
  discount: number;
  lines: OrderLine[];
}

const ORDER_EVENTS: Record<string, OrderStatus> = {
  'Order Completed': 'completed',
  'Order Refunded': 'refunded',
  'Order Cancelled': 'cancelled',
};

/** The order of an ecommerce event, or a quality flag saying why the event could not make one. */
export function orderFactsOf(
  event: string,
  properties: Record<string, unknown>,
): { order: OrderFacts | null; flag?: string } {
  const status = ORDER_EVENTS[event];
  if (!status) return { order: null };
  const orderId = idOf(properties.order_id ?? properties.orderId);
  if (!orderId) return { order: null, flag: 'order_id_missing' };
  const lines = linesOf(properties.products);
  const total =
    amountOf(properties.total) ??
    amountOf(properties.revenue) ??
    (lines.length > 0 ? round2(lines.reduce((sum, line) => sum + line.quantity * line.unitPrice, 0)) : null);
  if (status === 'completed' && total === null) return { order: null, flag: 'order_total_missing' };
  const currency = typeof properties.currency === 'string' ? properties.currency.trim().toUpperCase() : '';
  return {
    order: {
      orderId,
      status,
      total: status === 'completed' ? total : null,
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
