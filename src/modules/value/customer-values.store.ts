/**
 * Each customer's stored value (migration 0008): written whole by a valuation, read one customer at a time
 * (the customer 360, segment rules) or by page, sorted.
 */
import type { Database, Queryable } from '../../platform/db/database.ts';
import type { CustomerValue, CustomerValueListQuery } from './value.schema.ts';

const COLUMNS = [
  'workspace_id',
  'customer_id',
  'model_id',
  'valued_at',
  'as_of',
  'months',
  'discount_rate',
  'repeat_purchases',
  'probability_alive',
  'expected_purchases',
  'expected_order_value',
  'clv',
  'recency_days',
  'frequency',
  'monetary',
  'r',
  'f',
  'm',
  'rfm_segment',
] as const;

/** Replaces the workspace's values in one transaction: readers see the old valuation or the new, whole. */
export async function replaceCustomerValues(
  db: Database,
  workspaceId: number,
  values: readonly CustomerValue[],
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('DELETE FROM customer_values WHERE workspace_id = $1', [workspaceId]);
    await tx.append(
      'customer_values',
      COLUMNS,
      (function* () {
        for (const v of values)
          yield [
            workspaceId,
            v.customerId,
            v.modelId,
            v.valuedAt,
            v.asOf,
            v.months,
            v.discountRate,
            v.repeatPurchases,
            v.probabilityAlive,
            v.expectedPurchases,
            v.expectedOrderValue,
            v.clv,
            v.rfm.recencyDays,
            v.rfm.frequency,
            v.rfm.monetary,
            v.rfm.r,
            v.rfm.f,
            v.rfm.m,
            v.rfm.segment,
          ];
      })(),
    );
  });
}

export async function readCustomerValue(
  db: Queryable,
  workspaceId: number,
  customerId: number,
): Promise<CustomerValue | null> {
  const [row] = await db.query<StoredRow>(
    `SELECT ${COLUMNS.join(', ')} FROM customer_values WHERE workspace_id = $1 AND customer_id = $2`,
    [workspaceId, customerId],
  );
  return row ? fromRow(row) : null;
}

const ORDER: Record<CustomerValueListQuery['sort'], string> = {
  clv: 'clv DESC',
  probabilityAlive: 'probability_alive DESC',
  monetary: 'monetary DESC',
  recency: 'recency_days ASC',
};

/** A page of customers by the order asked for, and how many match in all. */
export async function listCustomerValues(
  db: Queryable,
  workspaceId: number,
  query: CustomerValueListQuery,
): Promise<{ customers: number; valuedAt: Date | null; list: CustomerValue[] }> {
  const params: unknown[] = [workspaceId];
  const segment = query.segment ? `AND rfm_segment = $${params.push(query.segment)}` : '';
  const [total] = await db.query<{ customers: number; valued_at: Date | null }>(
    `SELECT count(*) AS customers, max(valued_at) AS valued_at FROM customer_values WHERE workspace_id = $1 ${segment}`,
    params,
  );
  const rows = await db.query<StoredRow>(
    `SELECT ${COLUMNS.join(', ')} FROM customer_values WHERE workspace_id = $1 ${segment}
     ORDER BY ${ORDER[query.sort]}, customer_id
     LIMIT $${params.push(query.limit)} OFFSET $${params.push(query.offset)}`,
    params,
  );
  return {
    customers: Number(total?.customers ?? 0),
    valuedAt: total?.valued_at ? new Date(total.valued_at) : null,
    list: rows.map(fromRow),
  };
}

type StoredRow = Record<(typeof COLUMNS)[number], unknown>;

function fromRow(row: StoredRow): CustomerValue {
  return {
    customerId: Number(row.customer_id),
    modelId: Number(row.model_id),
    valuedAt: new Date(row.valued_at as Date),
    asOf: new Date(row.as_of as Date),
    months: Number(row.months),
    discountRate: Number(row.discount_rate),
    repeatPurchases: Number(row.repeat_purchases),
    probabilityAlive: Number(row.probability_alive),
    expectedPurchases: Number(row.expected_purchases),
    expectedOrderValue: Number(row.expected_order_value),
    clv: Number(row.clv),
    rfm: {
      recencyDays: Number(row.recency_days),
      frequency: Number(row.frequency),
      monetary: Number(row.monetary),
      r: Number(row.r),
      f: Number(row.f),
      m: Number(row.m),
      segment: row.rfm_segment as CustomerValue['rfm']['segment'],
    },
  };
}
