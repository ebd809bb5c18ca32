/**
 * Shapley attribution on the conversion-rate game. A coalition of channels is worth the conversion rate of
 * the paths whose touched channels are exactly that set; a coalition no path touched is worth the pooled rate
 * of the paths whose channels all lie within it (nothing observed: 0). The conversions of the paths that
 * touched a set S are shared among S's channels by their Shapley values in the game restricted to S, which
 * add up to S's own rate: each channel's marginal gain in the rate, averaged over every order in which S's
 * channels could join. A path's conversions go only to channels it touched, and every conversion is shared
 * out once (docs/models/attribution.md).
 */

export interface ChannelSet {
  channels: string[];
  paths: number;
  converting: number;
  conversions: number;
  revenue: number;
}

export interface ShapleyResult {
  /** Channel → conversions and revenue credited. */
  credits: Map<string, { conversions: number; revenue: number }>;
  /** Channel → Shapley value in the game of all channels, in conversion rate (they add up to its rate). */
  values: Map<string, number>;
  method: 'exact' | 'sampled';
  permutations?: number;
}

/** Sets of up to this many channels are evaluated over every coalition; larger ones by sampled orders. */
export const EXACT_SHAPLEY_MAX = 15;
export const SAMPLED_PERMUTATIONS = 2000;
/** Channels are bits of a 32-bit mask. */
export const SHAPLEY_MAX_CHANNELS = 30;
/** Up to this many channels, every coalition's worth is computed once into a table. */
const TABLE_MAX = 20;

/** `exactMax`: the largest set evaluated exactly (tests lower it to check the sampling). */
export function computeShapley(sets: ChannelSet[], exactMax = EXACT_SHAPLEY_MAX): ShapleyResult {
  const players = [...new Set(sets.flatMap((set) => set.channels))].sort();
  if (players.length > SHAPLEY_MAX_CHANNELS)
    throw new Error(`Shapley attribution takes at most ${SHAPLEY_MAX_CHANNELS} channels`);
  const bit = new Map(players.map((player, index) => [player, index]));
  const maskOf = (channels: string[]) => channels.reduce((m, channel) => m | (1 << bit.get(channel)!), 0);
  const observed = new Map<number, ChannelSet>();
  for (const set of sets) {
    const mask = maskOf(set.channels);
    const cell = observed.get(mask);
    observed.set(mask, cell ? add(cell, set) : { ...set });
  }
  const worth = worthOf(players.length, observed);
  const shapleyOf = (mask: number) =>
    popcount(mask) <= exactMax ? exactValues(mask, worth) : sampledValues(mask, worth);

  const credits = new Map(players.map((player) => [player, { conversions: 0, revenue: 0 }]));
  for (const [mask, set] of observed) {
    const rate = worth(mask);
    if (set.conversions === 0 || rate <= 0) continue;
    for (const [i, value] of shapleyOf(mask)) {
      const credit = credits.get(players[i]!)!;
      credit.conversions += (set.conversions * value) / rate;
      credit.revenue += (set.revenue * value) / rate;
    }
  }
  const everyone = (2 ** players.length - 1) | 0;
  const exact = players.length <= exactMax;
  const values = new Map([...shapleyOf(everyone)].map(([i, value]) => [players[i]!, value]));
  return exact
    ? { credits, values, method: 'exact' }
    : { credits, values, method: 'sampled', permutations: SAMPLED_PERMUTATIONS };
}

const add = (a: ChannelSet, b: ChannelSet): ChannelSet => ({
  channels: a.channels,
  paths: a.paths + b.paths,
  converting: a.converting + b.converting,
  conversions: a.conversions + b.conversions,
  revenue: a.revenue + b.revenue,
});

/** v(mask): the rate of the paths that touched exactly these channels, else of those within them. */
function worthOf(n: number, observed: Map<number, ChannelSet>): (mask: number) => number {
  const exactRate = (mask: number) => {
    const cell = observed.get(mask);
    return cell && cell.paths > 0 ? cell.converting / cell.paths : null;
  };
  if (n <= TABLE_MAX) {
    // Pooled counts of every coalition's subsets at once (a zeta transform over the subset lattice).
    const size = 2 ** n;
    const paths = new Float64Array(size);
    const converting = new Float64Array(size);
    for (const [mask, cell] of observed) {
      paths[mask] = cell.paths;
      converting[mask] = cell.converting;
    }
    for (let i = 0; i < n; i++)
      for (let mask = 0; mask < size; mask++)
        if (mask & (1 << i)) {
          paths[mask]! += paths[mask ^ (1 << i)]!;
          converting[mask]! += converting[mask ^ (1 << i)]!;
        }
    const table = new Float64Array(size);
    for (let mask = 1; mask < size; mask++)
      table[mask] = exactRate(mask) ?? (paths[mask]! > 0 ? converting[mask]! / paths[mask]! : 0);
    return (mask) => table[mask]!;
  }
  const memo = new Map<number, number>();
  return (mask) => {
    if (mask === 0) return 0;
    let rate = memo.get(mask) ?? exactRate(mask);
    if (rate === null || rate === undefined) {
      let paths = 0;
      let converting = 0;
      for (const [inner, cell] of observed)
        if ((inner & ~mask) === 0) {
          paths += cell.paths;
          converting += cell.converting;
        }
      rate = paths > 0 ? converting / paths : 0;
    }
    memo.set(mask, rate);
    return rate;
  };
}

/** Member bit → Shapley value in the game restricted to `set`, over every coalition within it. */
function exactValues(set: number, worth: (mask: number) => number): Map<number, number> {
  const members = bitsOf(set);
  const k = members.length;
  // weight[s] = s! (k − s − 1)! / k!: the chance that exactly the s others came first.
  const weight = Array.from({ length: k }, (_, s) => 1 / (k * binomial(k - 1, s)));
  // By bit, not in a Map: this loop runs k × 2^k times for each set of channels a path touched.
  const totals = new Float64Array(32);
  // Every coalition within the set, and the gain of each member that is not in it yet.
  for (let coalition = set; ; coalition = (coalition - 1) & set) {
    const before = worth(coalition);
    const w = weight[popcount(coalition)];
    if (w !== undefined)
      for (const i of members)
        if (!(coalition & (1 << i))) totals[i]! += w * (worth(coalition | (1 << i)) - before);
    if (coalition === 0) break;
  }
  return new Map(members.map((i) => [i, totals[i]!]));
}

/**
 * The mean marginal gain over random orders of joining (Castro, Gómez & Tejada 2009), from a fixed seed so
 * that the same data gives the same answer; the gains of one order add up to the set's worth exactly.
 */
function sampledValues(set: number, worth: (mask: number) => number): Map<number, number> {
  const order = bitsOf(set);
  const values = new Map(order.map((i) => [i, 0]));
  const random = mulberry32(0x5eed ^ set);
  for (let round = 0; round < SAMPLED_PERMUTATIONS; round++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let coalition = 0;
    let before = 0;
    for (const i of order) {
      coalition |= 1 << i;
      const after = worth(coalition);
      values.set(i, values.get(i)! + after - before);
      before = after;
    }
  }
  for (const [i, total] of values) values.set(i, total / SAMPLED_PERMUTATIONS);
  return values;
}

function bitsOf(mask: number): number[] {
  const bits: number[] = [];
  for (let i = 0; i < 31; i++) if (mask & (1 << i)) bits.push(i);
  return bits;
}

function binomial(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i;
  return result;
}

function popcount(mask: number): number {
  let count = 0;
  for (let m = mask; m; m &= m - 1) count++;
  return count;
}

/** A small seeded generator: a sampled answer must not change between two runs on the same data. */
function mulberry32(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
