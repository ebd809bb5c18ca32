/**
 * Conquest or relations: what a new customer cost and brought against what a kept one did, in all and per
 * persona (docs/models/value.md). Every unit of spend is handed to customers: acquisition spend on a channel
 * to the new customers whose first touchpoint came through it, retention spend on a channel to the kept
 * customers it reached in the period; spend that found no one is spread evenly over all new (or kept)
 * customers, since it was spent to win (or keep) them too. What a customer brought is what they spent in the
 * period and the value expected of them ahead (the stored valuation's CLV).
 */
import type { EconomicsReport } from './value.schema.ts';

export interface EconomicsCustomer {
  customerId: number;
  /** First purchase in the period: won; else bought before and again in it: kept. */
  isNew: boolean;
  firstChannel: string | null;
  spent: number;
  /** Value ahead from the latest valuation; null when the customer was not valued. */
  clv: number | null;
  persona: string | null;
}

export interface Spend {
  acquisition: Map<string, number>;
  retention: Map<string, number>;
}

type Side = EconomicsReport['groups'][number]['conquest'];

export function computeEconomics(
  customers: readonly EconomicsCustomer[],
  /** Retention channels each kept customer met in the period, each once. */
  reached: ReadonlyMap<number, Iterable<string>>,
  spend: Spend,
): Pick<EconomicsReport, 'groups' | 'channels'> {
  // Customers by their index in `customers`, so that what each cost is an array, not a map by id.
  const won: number[] = [];
  const kept: number[] = [];
  customers.forEach((customer, i) => {
    (customer.isNew ? won : kept).push(i);
  });
  const cost = new Float64Array(customers.length);
  const channels: EconomicsReport['channels'] = [];
  const allocate = (
    objective: 'acquisition' | 'retention',
    amounts: Map<string, number>,
    group: readonly number[],
    holdersOf: (holders: Map<string, number[]>, i: number) => void,
  ) => {
    // Each channel's holders in the group's order, found in one pass over the group.
    const holders = new Map([...amounts.keys()].map((channel) => [channel, [] as number[]]));
    for (const i of group) holdersOf(holders, i);
    let unplaced = 0;
    for (const [channel, amount] of [...amounts].sort(([a], [b]) => a.localeCompare(b))) {
      const holding = holders.get(channel)!;
      channels.push({
        objective,
        channel,
        spend: amount,
        customers: holding.length,
        costPerCustomer: holding.length > 0 ? amount / holding.length : null,
      });
      if (holding.length === 0) unplaced += amount;
      for (const i of holding) cost[i]! += amount / holding.length;
    }
    for (const i of group) cost[i]! += unplaced / group.length;
  };
  allocate('acquisition', spend.acquisition, won, (holders, i) => {
    const channel = customers[i]!.firstChannel;
    if (channel !== null) holders.get(channel)?.push(i);
  });
  allocate('retention', spend.retention, kept, (holders, i) => {
    for (const channel of reached.get(customers[i]!.customerId) ?? []) holders.get(channel)?.push(i);
  });
  return { groups: sidesByPersona(customers, cost), channels };
}

/** Per persona (all customers first), what the new and the kept customers cost and brought. */
function sidesByPersona(customers: readonly EconomicsCustomer[], cost: Float64Array) {
  const personas = [...new Set(customers.map((customer) => customer.persona ?? 'no persona'))].sort();
  const byPersona = personas.length > 1 || (personas.length === 1 && personas[0] !== 'no persona');
  // Per group (all customers first, then each persona), per side (new, kept): customers, cost, value. Summed
  // in the customers' order, as each group's members would be one by one.
  const sums = new Float64Array((personas.length + 1) * 2 * 3);
  const groupOf = new Map(personas.map((persona, g) => [persona, g + 1]));
  const add = (group: number, i: number) => {
    const customer = customers[i]!;
    const at = (group * 2 + (customer.isNew ? 0 : 1)) * 3;
    sums[at]!++;
    sums[at + 1]! += cost[i]!;
    sums[at + 2] = sums[at + 2]! + customer.spent + (customer.clv ?? 0);
  };
  customers.forEach((customer, i) => {
    add(0, i);
    if (byPersona) add(groupOf.get(customer.persona ?? 'no persona')!, i);
  });
  const side = (group: number, kept: number): Side => {
    const at = (group * 2 + kept) * 3;
    const [n, total, value] = [sums[at]!, sums[at + 1]!, sums[at + 2]!];
    return {
      customers: n,
      cost: total,
      costPerCustomer: n > 0 ? total / n : null,
      value,
      valuePerCustomer: n > 0 ? value / n : null,
      returnOnCost: n > 0 && total > 0 ? value / total : null,
    };
  };
  return ['all', ...(byPersona ? personas : [])].map((persona, group) => {
    const [conquest, relations] = [side(group, 0), side(group, 1)];
    const pays = verdict(conquest, relations);
    return { persona, conquest, relations, pays, statement: statement(persona, pays, conquest, relations) };
  });
}

function verdict(conquest: Side, relations: Side): 'conquest' | 'relations' | null {
  if (conquest.returnOnCost === null || relations.returnOnCost === null) return null;
  return relations.returnOnCost >= conquest.returnOnCost ? 'relations' : 'conquest';
}

const money = (value: number) => Math.round(value).toLocaleString('en-US');
const times = (value: number) => (value >= 10 ? value.toFixed(0) : value.toFixed(1));

function statement(persona: string, pays: 'conquest' | 'relations' | null, conquest: Side, relations: Side) {
  const who = persona === 'all' ? 'All customers' : persona;
  const part = (side: Side, one: string) =>
    side.customers === 0
      ? `no ${one} customer in the period`
      : side.returnOnCost === null
        ? `a ${one} customer cost nothing and brought ${money(side.valuePerCustomer!)}`
        : `a ${one} customer cost ${money(side.costPerCustomer!)} and brought ${money(side.valuePerCustomer!)} (${times(side.returnOnCost)} times its cost)`;
  const facts = `${part(relations, 'kept')}; ${part(conquest, 'new')}`;
  if (pays === null) return `${who}: cannot say which pays more — ${facts}.`;
  return `${who}: ${pays === 'relations' ? 'relations pay' : 'conquest pays'} more — ${facts}.`;
}
