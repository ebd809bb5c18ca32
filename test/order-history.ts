const DAY = 86_400_000;

/**
 * Orders of 40 customers, c1 … c40, from `start`: a first order on day i, then i mod 4 more, 5 + i mod 7 days
 * apart, each worth 20 + i (+ k for the k-th repeat). Ten buy once; enough to fit the value models.
 */
export function orderHistory(start = Date.parse('2026-01-05T10:00:00Z')): object[] {
  const messages: object[] = [];
  for (let i = 1; i <= 40; i++)
    for (let k = 0; k <= i % 4; k++)
      messages.push({
        type: 'track',
        event: 'Order Completed',
        userId: `c${i}`,
        messageId: `o-${i}-${k}`,
        timestamp: new Date(start + (i + k * (5 + (i % 7))) * DAY).toISOString(),
        properties: { order_id: `O-${i}-${k}`, total: 20 + i + k },
      });
  return messages;
}
