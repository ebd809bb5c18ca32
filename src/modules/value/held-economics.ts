/**
 * Conquest or relations for any period of whole days from all time held in memory: every completed order,
 * each buyer's first channel, value and persona, and the days repeat buyers met a retention channel. Who was
 * won or kept in a period, what they spent in it and which channels reached them are then one pass over
 * these lists instead of a grouping of every order and a scan of the period's events. Read once per change
 * of the data (db/kept-reads.ts: in a server on DuckDB); elsewhere each period is read on its own.
 */
import type { Database } from '../../platform/db/database.ts';
import { pass } from '../../platform/workers/pass-lanes.ts';
import { sharedFrom } from '../../platform/workers/shared-arrays.ts';
import {
  computeEconomics,
  indexTexts,
  type PeriodBuyers,
  type PeriodReach,
  type Spend,
} from './compute-economics.ts';
import { queryBuyerFacts, queryOrderList, queryRetentionDays } from './economics.query.ts';

const DAY_SECONDS = 86_400;

/** All time, as columns in customer order, on shared memory: a period is counted on either lane (pass-lanes.ts). */
export interface HeldEconomics {
  orders: { customers: Int32Array; orderedAt: Float64Array; totals: Float64Array };
  /** One entry per buyer, as in PeriodBuyers. */
  buyers: Pick<
    PeriodBuyers,
    'customers' | 'clv' | 'firstChannels' | 'channelNames' | 'personas' | 'personaNames'
  >;
  /** Days since the epoch on which a repeat buyer met a retention channel (`channels` indexes `names`). */
  retention: { customers: Int32Array; channels: Uint16Array; days: Int32Array; names: string[] };
}

export async function readHeldEconomics(db: Database, workspaceId: number): Promise<HeldEconomics> {
  const [orders, buyers, days] = await Promise.all([
    queryOrderList(db, workspaceId),
    queryBuyerFacts(db, workspaceId),
    queryRetentionDays(db, workspaceId),
  ]);
  const firstChannels = indexTexts(buyers.map((row) => row.first_channel));
  const personas = indexTexts(buyers.map((row) => row.persona));
  const retention = indexTexts(days.map((row) => row.channel));
  return {
    orders: {
      customers: sharedFrom(Int32Array, orders, (row) => row.customer_id),
      orderedAt: sharedFrom(Float64Array, orders, (row) => row.ordered_at),
      totals: sharedFrom(Float64Array, orders, (row) => row.total ?? 0),
    },
    buyers: {
      customers: sharedFrom(Int32Array, buyers, (row) => row.customer_id),
      clv: sharedFrom(Float64Array, buyers, (row) => (row.clv === null ? Number.NaN : row.clv)),
      firstChannels: sharedFrom(Int32Array, firstChannels.indices),
      channelNames: firstChannels.names,
      personas: sharedFrom(Int32Array, personas.indices),
      personaNames: personas.names,
    },
    retention: {
      customers: sharedFrom(Int32Array, days, (row) => row.customer_id),
      channels: sharedFrom(Uint16Array, retention.indices),
      days: sharedFrom(Int32Array, days, (row) => row.day),
      names: retention.names,
    },
  };
}

/** Conquest or relations in [from, to) from all time held: what queryPeriodBuyers and queryReached would read. */
export function economicsFromHeld(held: HeldEconomics, from: Date, to: Date, spend: Spend) {
  const buyers = periodBuyers(held, from, to);
  return computeEconomics(buyers, periodReach(held, from, to, [...spend.retention.keys()], buyers), spend);
}

export const ECONOMICS_PASS = pass(import.meta.url, economicsFromHeld);

/**
 * The customers who bought in [from, to), as queryPeriodBuyers reads them: new if their first purchase fell
 * in it. Orders and buyers are both in customer order, so one walk pairs them.
 */
export function periodBuyers(held: HeldEconomics, from: Date, to: Date): PeriodBuyers {
  const [start, end] = [from.getTime() / 1000, to.getTime() / 1000];
  const { orders, buyers } = held;
  // At most one per buyer; cut to those found.
  const most = buyers.customers.length;
  const found = {
    customers: new Int32Array(most),
    isNew: new Uint8Array(most),
    spent: new Float64Array(most),
    clv: new Float64Array(most),
    firstChannels: new Int32Array(most),
    personas: new Int32Array(most),
  };
  let [count, buyer] = [0, 0];
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
    found.customers[count] = customer;
    found.isNew[count] = firstAt >= start ? 1 : 0;
    found.spent[count] = spent;
    found.clv[count] = known ? buyers.clv[buyer]! : Number.NaN;
    found.firstChannels[count] = known ? buyers.firstChannels[buyer]! : -1;
    found.personas[count] = known ? buyers.personas[buyer]! : -1;
    count++;
  }
  return {
    customers: found.customers.subarray(0, count),
    isNew: found.isNew.subarray(0, count),
    spent: found.spent.subarray(0, count),
    clv: found.clv.subarray(0, count),
    firstChannels: found.firstChannels.subarray(0, count),
    channelNames: buyers.channelNames,
    personas: found.personas.subarray(0, count),
    personaNames: buyers.personaNames,
  };
}

/** The channels among `channels` each kept buyer met on a day of [from, to), as queryReached reads them. */
export function periodReach(
  held: HeldEconomics,
  from: Date,
  to: Date,
  channels: readonly string[],
  buyers: PeriodBuyers,
): PeriodReach {
  const [first, end] = [from.getTime() / 1000 / DAY_SECONDS, to.getTime() / 1000 / DAY_SECONDS];
  const { retention } = held;
  const asked = retention.names.map((name) => channels.includes(name));
  // Each kept buyer's index by id: a lookup per retention touchpoint as cheap as reading an array.
  const largest = buyers.customers.length > 0 ? buyers.customers[buyers.customers.length - 1]! : 0;
  const keptAt = new Int32Array(largest + 1).fill(-1);
  for (let i = 0; i < buyers.customers.length; i++)
    if (buyers.isNew[i] === 0) keptAt[buyers.customers[i]!] = i;
  const reached: { buyers: number[]; channels: number[] } = { buyers: [], channels: [] };
  // The days come by customer: a channel is new to the customer unless last met by them.
  const lastCustomer = new Int32Array(retention.names.length).fill(-1);
  for (let i = 0; i < retention.customers.length; i++) {
    const [customer, channel] = [retention.customers[i]!, retention.channels[i]!];
    const day = retention.days[i]!;
    if (day < first || day >= end || !asked[channel] || customer > largest || keptAt[customer]! < 0) continue;
    if (lastCustomer[channel] === customer) continue;
    lastCustomer[channel] = customer;
    reached.buyers.push(keptAt[customer]!);
    reached.channels.push(channel);
  }
  return {
    buyers: Int32Array.from(reached.buyers),
    channels: Int32Array.from(reached.channels),
    names: retention.names,
  };
}
