/**
 * Markov chain attribution (Anderl et al. 2016): paths are walks from a start state through touchpoint states
 * to conversion or to null (no conversion). A channel's removal effect is the share of conversions lost when
 * every state that holds it leads to null instead; credit is shared in proportion to the removal effects.
 */

export interface Transition {
  /** null: the start. */
  from: string | null;
  /** null: the path ended, with `outcome`. */
  to: string | null;
  outcome: 'conversion' | 'null' | null;
  paths: number;
}

export interface MarkovResult {
  /** Probability that a walk from the start converts, with every channel present. */
  conversionProbability: number;
  /** Channel → the share of conversions lost without it. */
  removalEffects: Map<string, number>;
}

const START = '\u0000start';
const CONVERSION = '\u0000conversion';
const NULL = '\u0000null';

/** `separator` splits a state of a higher order into its channels. */
export function computeMarkov(transitions: Transition[], separator: string): MarkovResult {
  const chain = buildChain(transitions);
  const channels = new Set<string>();
  for (const state of chain.keys())
    if (state !== START) for (const channel of state.split(separator)) channels.add(channel);
  const full = conversionProbability(chain, () => false);
  const removalEffects = new Map<string, number>();
  for (const channel of [...channels].sort()) {
    const without = conversionProbability(chain, (state) => state.split(separator).includes(channel));
    removalEffects.set(channel, full > 0 ? 1 - without / full : 0);
  }
  return { conversionProbability: full, removalEffects };
}

/** State → [next state, probability]. */
type Chain = Map<string, Array<[string, number]>>;

function buildChain(transitions: Transition[]): Chain {
  const counts = new Map<string, Map<string, number>>();
  for (const { from, to, outcome, paths } of transitions) {
    const source = from ?? START;
    const target = to ?? (outcome === 'conversion' ? CONVERSION : NULL);
    const out = counts.get(source) ?? new Map<string, number>();
    out.set(target, (out.get(target) ?? 0) + paths);
    counts.set(source, out);
  }
  const chain: Chain = new Map();
  for (const [source, out] of counts) {
    const total = [...out.values()].reduce((a, b) => a + b, 0);
    chain.set(
      source,
      [...out].map(([target, count]) => [target, count / total]),
    );
  }
  return chain;
}

/**
 * The chance of reaching conversion from the start, with `removed` states leading to null: the absorbing
 * chain solved by Gauss–Seidel sweeps, a state's own loop divided out (x = Σ p·x' / (1 − p_self)) so that
 * states customers stay in for long do not slow it down.
 */
function conversionProbability(chain: Chain, removed: (state: string) => boolean): number {
  // States by index, and each one's next states as indexes, so that the sweeps below look nothing up by name:
  // a walk into conversion is worth 1, into null, a removed state or one that leads nowhere 0.
  const names = [...chain.keys()];
  const indexOf = new Map(names.map((name, i) => [name, i]));
  const kept = names.map((name) => name === START || !removed(name));
  const value = new Float64Array(names.length);
  const CONVERTS = -1;
  const DEAD = -2;
  const steps = names.map((name) =>
    chain.get(name)!.map(([target, p]) => {
      const i = indexOf.get(target);
      const to = target === CONVERSION ? CONVERTS : i === undefined || !kept[i] ? DEAD : i;
      return { to, p, self: target === name };
    }),
  );
  const states = names.flatMap((_, i) => (kept[i] ? [i] : []));
  for (let sweep = 0; sweep < 100_000; sweep++) {
    let change = 0;
    for (const state of states) {
      let sum = 0;
      let self = 0;
      for (const { to, p, self: loops } of steps[state]!) {
        if (loops) self += p;
        else sum += p * (to === CONVERTS ? 1 : to === DEAD ? 0 : value[to]!);
      }
      const next = self < 1 ? sum / (1 - self) : 0;
      change = Math.max(change, Math.abs(next - value[state]!));
      value[state] = next;
    }
    if (change < 1e-13) break;
  }
  return value[indexOf.get(START) ?? -1] ?? 0;
}
