/**
 * Conquest or relations: what a new customer cost and brought against what a kept one did, in all and per
 * persona (docs/models/value.md). Every unit of spend is handed to customers: acquisition spend on a channel
 * to the new customers whose first touchpoint came through it, retention spend on a channel to the kept
 * customers it reached in the period; spend that found no one is spread evenly over all new (or kept)
 * customers, since it was spent to win (or keep) them too. What a customer brought is what they spent in the
 * period and the value expected of them ahead (the stored valuation's CLV).
 */
import type { EconomicsReport } from './value.schema.ts';

/** The customers who bought in a period, as columns in customer order: no object per buyer. */
export interface PeriodBuyers {
  customers: Int32Array;
  /** 1: first purchase in the period, won; 0: bought before and again in it, kept. */
  isNew: Uint8Array;
  spent: Float64Array;
  /** Value ahead from the latest valuation; NaN where the customer was not valued. */
  clv: Float64Array;
  /** Index into `channelNames`; -1 where the customer has no first channel. */
  firstChannels: Int32Array;
  channelNames: readonly string[];
  /** Index into `personaNames`; -1 where the customer has no persona. */
  personas: Int32Array;
  personaNames: readonly string[];
}

/** The retention channels that reached kept buyers in the period, each pair once: `buyers` index PeriodBuyers. */
export interface PeriodReach {
  buyers: Int32Array;
  /** Index into `names`. */
  channels: Int32Array;
  names: readonly string[];
}

export interface Spend {
  acquisition: Map<string, number>;
  retention: Map<string, number>;
}

type Side = EconomicsReport['groups'][number]['conquest'];

/** Texts as indices into their distinct values (-1 for null): what columns of names hold. */
export function indexTexts(texts: readonly (string | null)[]): { indices: number[]; names: string[] } {
  const indexOf = new Map<string, number>();
  const indices = texts.map((text) => {
    if (text === null) return -1;
    if (!indexOf.has(text)) indexOf.set(text, indexOf.size);
    return indexOf.get(text)!;
  });
  return { indices, names: [...indexOf.keys()] };
}

export function computeEconomics(
  buyers: PeriodBuyers,
  reach: PeriodReach,
  spend: Spend,
): Pick<EconomicsReport, 'groups' | 'channels'> {
  const cost = new Float64Array(buyers.customers.length);
  const channels: EconomicsReport['channels'] = [];
  const allocate = (
    objective: 'acquisition' | 'retention',
    amounts: Map<string, number>,
    isNew: number,
    holdings: { buyers: Int32Array; channels: Int32Array; names: readonly string[] },
  ) => {
    const sorted = [...amounts].sort(([a], [b]) => a.localeCompare(b));
    const slots = new Map(sorted.map(([channel], slot) => [channel, slot]));
    const slotOf = holdings.names.map((name) => slots.get(name) ?? -1);
    // Each channel's holders, bucketed by slot in one pass over the holdings.
    const held = (h: number) =>
      buyers.isNew[holdings.buyers[h]!] === isNew && slotOf[holdings.channels[h]!]! >= 0;
    const starts = new Int32Array(sorted.length + 1);
    for (let h = 0; h < holdings.buyers.length; h++)
      if (held(h)) starts[slotOf[holdings.channels[h]!]! + 1]!++;
    for (let slot = 0; slot < sorted.length; slot++) starts[slot + 1]! += starts[slot]!;
    const holders = new Int32Array(starts[sorted.length]!);
    const filled = starts.slice(0, sorted.length);
    for (let h = 0; h < holdings.buyers.length; h++)
      if (held(h)) holders[filled[slotOf[holdings.channels[h]!]!]!++] = holdings.buyers[h]!;
    let unplaced = 0;
    sorted.forEach(([channel, amount], slot) => {
      const count = starts[slot + 1]! - starts[slot]!;
      channels.push({
        objective,
        channel,
        spend: amount,
        customers: count,
        costPerCustomer: count > 0 ? amount / count : null,
      });
      if (count === 0) unplaced += amount;
      for (let h = starts[slot]!; h < starts[slot + 1]!; h++) cost[holders[h]!]! += amount / count;
    });
    let group = 0;
    for (let i = 0; i < buyers.isNew.length; i++) if (buyers.isNew[i] === isNew) group++;
    for (let i = 0; i < buyers.isNew.length; i++) if (buyers.isNew[i] === isNew) cost[i]! += unplaced / group;
  };
  // Acquisition spend is held by the new customers who came first through its channel.
  const firsts = buyers.customers.map((_, i) => i).filter((i) => buyers.firstChannels[i]! >= 0);
  const acquired = {
    buyers: firsts,
    channels: firsts.map((i) => buyers.firstChannels[i]!),
    names: buyers.channelNames,
  };
  allocate('acquisition', spend.acquisition, 1, acquired);
  allocate('retention', spend.retention, 0, reach);
  return { groups: sidesByPersona(buyers, cost), channels };
}

/** Per persona (all customers first), what the new and the kept customers cost and brought. */
function sidesByPersona(buyers: PeriodBuyers, cost: Float64Array) {
  const present = new Set(buyers.personas);
  const nameOf = (persona: number) => (persona < 0 ? 'no persona' : buyers.personaNames[persona]!);
  const personas = [...new Set([...present].map(nameOf))].sort();
  const byPersona = personas.length > 1 || (personas.length === 1 && personas[0] !== 'no persona');
  // Each persona index's group (all customers is group 0), -1 (no persona) at 0.
  const groupOf = new Map(personas.map((persona, g) => [persona, g + 1]));
  const groupAt = Int32Array.from(
    { length: buyers.personaNames.length + 1 },
    (_, p) => groupOf.get(nameOf(p - 1)) ?? 0,
  );
  // Per group (all customers first, then each persona), per side (new, kept): customers, cost, value. Summed
  // in the customers' order, as each group's members would be one by one.
  const sums = new Float64Array((personas.length + 1) * 2 * 3);
  const add = (group: number, i: number) => {
    const at = (group * 2 + (buyers.isNew[i] === 1 ? 0 : 1)) * 3;
    const clv = buyers.clv[i]!;
    sums[at]!++;
    sums[at + 1]! += cost[i]!;
    sums[at + 2] = sums[at + 2]! + buyers.spent[i]! + (Number.isNaN(clv) ? 0 : clv);
  };
  for (let i = 0; i < buyers.customers.length; i++) {
    add(0, i);
    if (byPersona) add(groupAt[buyers.personas[i]! + 1]!, i);
  }
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
