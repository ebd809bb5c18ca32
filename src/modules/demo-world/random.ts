/**
 * A seeded random source, so that a demo world is the same for the same seed on any machine. sfc32
 * (Chris Doty-Humphrey's small fast counting generator) for uniforms; the usual transforms for the
 * distributions the world model draws from.
 */

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  int(below: number): number;
  chance(probability: number): boolean;
  /** Standard normal (Box–Muller). */
  normal(): number;
  exponential(rate: number): number;
  /** Gamma with shape k and scale θ (Marsaglia–Tsang), mean kθ. */
  gamma(shape: number, scale: number): number;
  /** Beta(a, b), from two gammas. */
  beta(a: number, b: number): number;
  /** One key of `weights`, with probability proportional to its weight. */
  pick<K extends string>(weights: Readonly<Record<K, number>>): K;
  /** A generator for a sub-stream, so that adding draws in one part of the world does not shift another. */
  fork(label: string): Random;
}

export function createRandom(seed: number | string): Random {
  const state = seedState(String(seed));
  let [a, b, c, d] = state as [number, number, number, number];
  const next = () => {
    // sfc32: three words of state and a counter.
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();

  const random: Random = {
    next,
    int: (below) => Math.floor(next() * below),
    chance: (probability) => next() < probability,
    normal: () => {
      const u = 1 - next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
    exponential: (rate) => -Math.log(1 - next()) / rate,
    gamma(shape, scale) {
      if (shape < 1) return random.gamma(shape + 1, scale) * next() ** (1 / shape);
      const d = shape - 1 / 3;
      const c = 1 / Math.sqrt(9 * d);
      for (;;) {
        const x = random.normal();
        const v = (1 + c * x) ** 3;
        if (v <= 0) continue;
        const u = next();
        if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v * scale;
      }
    },
    beta(a, b) {
      const x = random.gamma(a, 1);
      return x / (x + random.gamma(b, 1));
    },
    pick(weights) {
      const { keys, values, total } = weightTable(weights);
      let target = next() * total;
      for (let index = 0; index < keys.length; index++) {
        target -= values[index]!;
        if (target < 0) return keys[index] as keyof typeof weights;
      }
      return keys[keys.length - 1] as keyof typeof weights;
    },
    fork: (label) => createRandom(`${seed}/${label}`),
  };
  return random;
}

interface WeightTable {
  keys: string[];
  values: number[];
  total: number;
}

/** Weights are mostly the world model's constants: their keys and sum are worked out once per object. */
const weightTables = new WeakMap<object, WeightTable>();

function weightTable(weights: Readonly<Record<string, number>>): WeightTable {
  let table = weightTables.get(weights);
  if (!table) {
    const keys = Object.keys(weights);
    const values = keys.map((key) => weights[key]!);
    let total = 0;
    for (const value of values) total += value;
    table = { keys, values, total };
    weightTables.set(weights, table);
  }
  return table;
}

/** Four words of state from the seed text (cyrb128). */
function seedState(text: string): number[] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  return [(h1 ^ h2 ^ h3 ^ h4) >>> 0, (h2 ^ h1) >>> 0, (h3 ^ h1) >>> 0, (h4 ^ h1) >>> 0];
}
