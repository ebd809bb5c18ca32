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
  /** Retention channels each kept customer met in the period. */
  reached: ReadonlyMap<number, ReadonlySet<string>>,
  spend: Spend,
): Pick<EconomicsReport, 'groups' | 'channels'> {
  const won = customers.filter((customer) => customer.isNew);
  const kept = customers.filter((customer) => !customer.isNew);
  const cost = new Map<number, number>();
  const channels: EconomicsReport['channels'] = [];
  const allocate = (
    objective: 'acquisition' | 'retention',
    amounts: Map<string, number>,
    group: readonly EconomicsCustomer[],
    holds: (customer: EconomicsCustomer, channel: string) => boolean,
  ) => {
    let unplaced = 0;
    for (const [channel, amount] of [...amounts].sort(([a], [b]) => a.localeCompare(b))) {
      const holders = group.filter((customer) => holds(customer, channel));
      channels.push({
        objective,
        channel,
        spend: amount,
        customers: holders.length,
        costPerCustomer: holders.length > 0 ? amount / holders.length : null,
      });
      if (holders.length === 0) unplaced += amount;
      for (const customer of holders)
        cost.set(customer.customerId, (cost.get(customer.customerId) ?? 0) + amount / holders.length);
    }
    for (const customer of group)
      cost.set(customer.customerId, (cost.get(customer.customerId) ?? 0) + unplaced / group.length);
  };
  allocate('acquisition', spend.acquisition, won, (customer, channel) => customer.firstChannel === channel);
  allocate('retention', spend.retention, kept, (customer, channel) =>
    Boolean(reached.get(customer.customerId)?.has(channel)),
  );

  const side = (group: readonly EconomicsCustomer[]): Side => {
    const total = group.reduce((sum, customer) => sum + (cost.get(customer.customerId) ?? 0), 0);
    const value = group.reduce((sum, customer) => sum + customer.spent + (customer.clv ?? 0), 0);
    const n = group.length;
    return {
      customers: n,
      cost: total,
      costPerCustomer: n > 0 ? total / n : null,
      value,
      valuePerCustomer: n > 0 ? value / n : null,
      returnOnCost: n > 0 && total > 0 ? value / total : null,
    };
  };
  const personas = [...new Set(customers.map((customer) => customer.persona ?? 'no persona'))].sort();
  const groups = [
    { persona: 'all', members: customers },
    ...(personas.length > 1 || personas[0] !== 'no persona'
      ? personas.map((persona) => ({
          persona,
          members: customers.filter((customer) => (customer.persona ?? 'no persona') === persona),
        }))
      : []),
  ].map(({ persona, members }) => {
    const conquest = side(members.filter((customer) => customer.isNew));
    const relations = side(members.filter((customer) => !customer.isNew));
    const pays = verdict(conquest, relations);
    return { persona, conquest, relations, pays, statement: statement(persona, pays, conquest, relations) };
  });
  return { groups, channels };
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
