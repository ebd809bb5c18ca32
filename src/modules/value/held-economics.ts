/**
 * Conquest or relations for any period of whole days from all time held in memory: every completed order,
 * each buyer's first channel, value and persona, and the days repeat buyers met a retention channel. Who was
 * won or kept in a period, what they spent in it and which channels reached them are then one pass over
 * these lists instead of a grouping of every order and a scan of the period's events. Read once per change
 * of the data (db/kept-reads.ts: in a server on DuckDB); elsewhere each period is read on its own.
 */
import type { Database } from '../../platform/db/database.ts';
import type { EconomicsCustomer } from './compute-economics.ts';
import { queryBuyerFacts, queryOrderList, queryRetentionDays } from './economics.query.ts';

const DAY_SECONDS = 86_400;

/** All time, as columns in customer order. */
export interface HeldEconomics {
  orders: { customers: Int32Array; orderedAt: Float64Array; totals: Float64Array };
  /** One entry per buyer; `clv` NaN where the buyer was not valued. */
  buyers: {
    customers: Int32Array;
    firstChannels: (string | null)[];
    clv: Float64Array;
    personas: (string | null)[];
  };
  /** Days since the epoch on which a repeat buyer met a retention channel (`channels` indexes `names`). */
  retention: { customers: Int32Array; channels: Uint16Array; days: Int32Array; names: string[] };
}

export async function readHeldEconomics(db: Database, workspaceId: number): Promise<HeldEconomics> {
  const [orders, buyers, days] = await Promise.all([
    queryOrderList(db, workspaceId),
    queryBuyerFacts(db, workspaceId),
    queryRetentionDays(db, workspaceId),
  ]);
  const names = [...new Set(days.map((row) => row.channel))];
  const indexOf = new Map(names.map((name, index) => [name, index]));
  return {
    orders: {
      customers: Int32Array.from(orders, (row) => row.customer_id),
      orderedAt: Float64Array.from(orders, (row) => row.ordered_at),
      totals: Float64Array.from(orders, (row) => row.total ?? 0),
    },
    buyers: {
      customers: Int32Array.from(buyers, (row) => row.customer_id),
      firstChannels: buyers.map((row) => row.first_channel),
      clv: Float64Array.from(buyers, (row) => (row.clv === null ? Number.NaN : row.clv)),
      personas: buyers.map((row) => row.persona),
    },
    retention: {
      customers: Int32Array.from(days, (row) => row.customer_id),
      channels: Uint16Array.from(days, (row) => indexOf.get(row.channel)!),
      days: Int32Array.from(days, (row) => row.day),
      names,
    },
  };
}

/**
 * The customers who bought in [from, to), as queryPeriodBuyers reads them: new if their first purchase fell
 * in it. Orders and buyers are both in customer order, so one walk pairs them.
 */
export function periodBuyers(held: HeldEconomics, from: Date, to: Date): EconomicsCustomer[] {
  const [start, end] = [from.getTime() / 1000, to.getTime() / 1000];
  const { orders, buyers } = held;
  const found: EconomicsCustomer[] = [];
  let buyer = 0;
  for (let i = 0; i < orders.customers.length; ) {
    const customer = orders.customers[i]!;
    // Orders run by time within a customer: the first is the first purchase.
    const firstAt = orders.orderedAt[i]!;
    let spent = 0;
    let inPeriod = false;
    for (; i < orders.customers.length && orders.customers[i] === customer; i++) {
      const at = orders.orderedAt[i]!;
      if (at >= start && at < end) {
        inPeriod = true;
        spent += orders.totals[i]!;
      }
    }
    if (!inPeriod) continue;
    while (buyer < buyers.customers.length && buyers.customers[buyer]! < customer) buyer++;
    const known = buyers.customers[buyer] === customer;
    const clv = known ? buyers.clv[buyer]! : Number.NaN;
    found.push({
      customerId: customer,
      isNew: firstAt >= start,
      firstChannel: known ? buyers.firstChannels[buyer]! : null,
      spent,
      clv: Number.isNaN(clv) ? null : clv,
      persona: known ? buyers.personas[buyer]! : null,
    });
  }
  return found;
}

/** The channels among `channels` each kept customer met on a day of [from, to), as queryReached reads them. */
export function periodReach(
  held: HeldEconomics,
  from: Date,
  to: Date,
  channels: readonly string[],
  customers: readonly EconomicsCustomer[],
): Map<number, string[]> {
  const [first, end] = [from.getTime() / 1000 / DAY_SECONDS, to.getTime() / 1000 / DAY_SECONDS];
  const { retention } = held;
  const asked = retention.names.map((name) => channels.includes(name));
  // The kept customers as a mask by id: a lookup per retention touchpoint as cheap as reading a byte.
  let largest = 0;
  for (const customer of customers) largest = Math.max(largest, customer.customerId);
  const kept = new Uint8Array(largest + 1);
  for (const customer of customers) if (!customer.isNew) kept[customer.customerId] = 1;
  const reached = new Map<number, string[]>();
  // The days come by customer: a channel is new to the customer unless last met by them.
  const lastCustomer = new Int32Array(retention.names.length).fill(-1);
  for (let i = 0; i < retention.customers.length; i++) {
    const [customer, channel] = [retention.customers[i]!, retention.channels[i]!];
    const day = retention.days[i]!;
    if (day < first || day >= end || kept[customer] !== 1 || !asked[channel]) continue;
    if (lastCustomer[channel] === customer) continue;
    lastCustomer[channel] = customer;
    const met = reached.get(customer);
    if (met) met.push(retention.names[channel]!);
    else reached.set(customer, [retention.names[channel]!]);
  }
  return reached;
}
