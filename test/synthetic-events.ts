/**
 * A stream of simple events for bulk-append tests and benchmarks: event i belongs to customer i % 20,000,
 * occurs at 2026-01-01 + i seconds, is a page view when i % 3 = 0, and carries `{ index: i }`.
 */
export const SYNTHETIC_EVENTS_START = Date.parse('2026-01-01T00:00:00Z');

export const SYNTHETIC_EVENT_COLUMNS = [
  'workspace_id',
  'customer_id',
  'message_id',
  'type',
  'name',
  'occurred_at',
  'received_at',
  'device',
  'properties',
] as const;

export function* syntheticEvents(count: number, workspaceId = 1): Generator<unknown[]> {
  for (let i = 0; i < count; i++) {
    const page = i % 3 === 0;
    yield [
      workspaceId,
      i % 20_000,
      `bulk-${i}`,
      page ? 'page' : 'track',
      page ? 'Page Viewed' : 'Product Viewed',
      new Date(SYNTHETIC_EVENTS_START + i * 1000),
      new Date(SYNTHETIC_EVENTS_START + i * 1000 + 50),
      i % 2 === 0 ? 'mobile' : 'desktop',
      { index: i },
    ];
  }
}
