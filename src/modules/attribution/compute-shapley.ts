/**
 * Shapley attribution on the conversion-rate game: a coalition of channels is worth the conversion rate of
 * the paths whose touched channels are exactly that set; a channel's Shapley value is its marginal gain in
 * that rate, averaged over every order in which the channels could join. A coalition no path touched is
 * worth the pooled rate of the paths whose channels all lie within it (nothing observed: 0).
 */

export interface ChannelSet {
  channels: string[];
  paths: number;
  converting: number;
}

export interface ShapleyResult {
  /** Channel → Shapley value, in conversion rate; they add up to the rate of the coalition of all channels. */
  values: Map<string, number>;
  method: 'exact' | 'sampled';
  permutations?: number;
}

/** Up to this many channels every coalition is evaluated; beyond, orders of joining are sampled. */
export const EXACT_SHAPLEY_MAX = 15;
export const SAMPLED_PERMUTATIONS = 2000;

/** `exactMax`: the most channels evaluated exactly (tests lower it to check the sampling). */
export function computeShapley(sets: ChannelSet[], exactMax = EXACT_SHAPLEY_MAX): ShapleyResult {
  const players = [...new Set(sets.flatMap((set) => set.channels))].sort();
  const bit = new Map(players.map((player, index) => [player, index]));
  const observed = new Map<number, { paths: number; converting: number }>();
  for (const set of sets) {
    const mask = set.channels.reduce((m, channel) => m | (1 << bit.get(channel)!), 0);
    const cell = observed.get(mask) ?? { paths: 0, converting: 0 };
    cell.paths += set.paths;
    cell.converting += set.converting;
    observed.set(mask, cell);
  }
  return players.length <= exactMax ? exact(players, observed) : sampled(players, sets);
}

function exact(
  players: string[],
  observed: Map<number, { paths: number; converting: number }>,
): ShapleyResult {
  const n = players.length;
  const size = 1 << n;
  // Pooled counts of every coalition's subsets (a zeta transform), for coalitions no path touched exactly.
  const pooledPaths = new Float64Array(size);
  const pooledConverting = new Float64Array(size);
  for (const [mask, cell] of observed) {
    pooledPaths[mask] = cell.paths;
    pooledConverting[mask] = cell.converting;
  }
  for (let i = 0; i < n; i++)
    for (let mask = 0; mask < size; mask++)
      if (mask & (1 << i)) {
        pooledPaths[mask]! += pooledPaths[mask ^ (1 << i)]!;
        pooledConverting[mask]! += pooledConverting[mask ^ (1 << i)]!;
      }
  const worth = new Float64Array(size);
  for (let mask = 1; mask < size; mask++) {
    const cell = observed.get(mask);
    worth[mask] =
      cell && cell.paths > 0
        ? cell.converting / cell.paths
        : pooledPaths[mask]! > 0
          ? pooledConverting[mask]! / pooledPaths[mask]!
          : 0;
  }
  // weight[s] = s! (n − s − 1)! / n!: the chance that exactly the s others of a coalition came first.
  const weight = Array.from({ length: n }, (_, s) => 1 / (n * binomial(n - 1, s)));
  const values = new Map<string, number>();
  players.forEach((player, i) => {
    let value = 0;
    for (let mask = 0; mask < size; mask++)
      if (!(mask & (1 << i))) value += weight[popcount(mask)]! * (worth[mask | (1 << i)]! - worth[mask]!);
    values.set(player, value);
  });
  return { values, method: 'exact' };
}

/**
 * Too many channels for every coalition: the mean marginal gain over random orders of joining (Castro,
 * Gómez & Tejada 2009), from a fixed seed so that the same data gives the same answer.
 */
function sampled(players: string[], sets: ChannelSet[]): ShapleyResult {
  const keyed = sets.map((set) => ({ ...set, members: new Set(set.channels) }));
  const exactly = new Map(keyed.map((set) => [[...set.members].sort().join('\u001f'), set]));
  const memo = new Map<string, number>();
  const worth = (coalition: string[]): number => {
    if (coalition.length === 0) return 0;
    const key = [...coalition].sort().join('\u001f');
    const known = memo.get(key);
    if (known !== undefined) return known;
    const cell = exactly.get(key);
    let rate: number;
    if (cell && cell.paths > 0) rate = cell.converting / cell.paths;
    else {
      const inside = new Set(coalition);
      let paths = 0;
      let converting = 0;
      for (const set of keyed)
        if (set.channels.every((channel) => inside.has(channel))) {
          paths += set.paths;
          converting += set.converting;
        }
      rate = paths > 0 ? converting / paths : 0;
    }
    memo.set(key, rate);
    return rate;
  };
  const random = mulberry32(0x5eed);
  const totals = new Map(players.map((player) => [player, 0]));
  const order = [...players];
  for (let round = 0; round < SAMPLED_PERMUTATIONS; round++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let before = 0;
    for (let k = 0; k < order.length; k++) {
      const after = worth(order.slice(0, k + 1));
      totals.set(order[k]!, totals.get(order[k]!)! + after - before);
      before = after;
    }
  }
  const values = new Map(players.map((player) => [player, totals.get(player)! / SAMPLED_PERMUTATIONS]));
  return { values, method: 'sampled', permutations: SAMPLED_PERMUTATIONS };
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

/** A small seeded generator: the sampled answer must not change between two runs on the same data. */
function mulberry32(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
