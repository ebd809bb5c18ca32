/**
 * The lifecycle of each simulated person as their own messages tell it, read with Agora's default taxonomy:
 * a stage is entered at the earliest funnel signal of it or of a later stage (docs/lifecycle.md). Kept
 * beside the stage the planted model took them to, so that a test can hold the lifecycle engine to both.
 */
import { DEFAULT_TAXONOMY } from '../taxonomy/index.ts';
import { STAGES, type Stage } from './world-model.ts';

const DAY = 86_400_000;

interface Signals {
  any?: number;
  first?: number;
  repeat?: number;
}

/** Names that show a customer studying what the company offers (behaviour `engage`): information seeking. */
const ENGAGING = new Set(
  DEFAULT_TAXONOMY.filter((rule) => rule.behavior === 'engage').map((rule) => rule.eventName),
);

/** Stage rank by event name and occurrence, from the default rules; names with no signal are absent. */
const SIGNALS = new Map<string, Signals>();
for (const rule of DEFAULT_TAXONOMY) {
  if (!rule.funnelSignal) continue;
  const signals = SIGNALS.get(rule.eventName) ?? {};
  signals[rule.occurrence] = STAGES.indexOf(rule.funnelSignal as Stage);
  SIGNALS.set(rule.eventName, signals);
}

interface Followed {
  b2b: boolean;
  /** The planted model's stage, read at the end. */
  person: { readonly stage: number };
  /** When each stage was entered (ms), NaN while not. */
  entered: number[];
  /** Occurrences so far of the names whose first and later occurrences mean different stages. */
  seen: Map<string, number>;
  /**
   * Touchpoints before the first purchase, and those of them that seek information. A touchpoint at the
   * very moment of the purchase is not before it: those of the latest moment are counted apart until
   * the next moment comes.
   */
  touches: number;
  engaging: number;
  moment: { at: string; touches: number; engaging: number };
}

export interface SegmentLifecycle {
  people: number;
  /** People who entered each stage, as their messages show it. */
  reached: number[];
  /** People the planted model took to each stage (its moves, whether or not a later message showed them). */
  modelReached: number[];
  buyers: number;
  meanDaysToFirstPurchase: number | null;
  medianDaysToFirstPurchase: number | null;
  /** Over buyers: touchpoints (track, page, screen) before the first purchase, and the share that seek information. */
  meanTouchesToFirstPurchase: number | null;
  informationSeekingShare: number | null;
}

export type LifecycleSummary = Record<'b2c' | 'b2b', SegmentLifecycle>;

export function createLifecycleTruth() {
  const people = new Map<string, Followed>();
  return {
    follow(anonymousId: string, b2b: boolean, person: { readonly stage: number }): void {
      people.set(anonymousId, {
        b2b,
        person,
        entered: STAGES.map(() => Number.NaN),
        seen: new Map(),
        touches: 0,
        engaging: 0,
        moment: { at: '', touches: 0, engaging: 0 },
      });
    },

    /** Another anonymous id of the same person (a listening connector's, by their handle). */
    alias(anonymousId: string, of: string): void {
      const followed = people.get(of);
      if (followed) people.set(anonymousId, followed);
    },

    /** Messages arrive in time order, so the first signal that reaches a stage is its entry. */
    note(message: Record<string, unknown>): void {
      const followed = people.get(message.anonymousId as string);
      // Once in Advocacy, every stage is entered and the touchpoints before buying are counted.
      if (!followed || !Number.isNaN(followed.entered[5])) return;
      const { type } = message;
      const touchpoint = type === 'track' || type === 'page' || type === 'screen';
      if (touchpoint && Number.isNaN(followed.entered[3])) countTouch(followed, message);
      const name = type === 'page' ? 'Page Viewed' : type === 'track' ? message.event : null;
      const signals = typeof name === 'string' ? SIGNALS.get(name) : undefined;
      if (!signals) return;
      let rank = signals.any;
      if (signals.first !== undefined || signals.repeat !== undefined) {
        const nth = (followed.seen.get(name as string) ?? 0) + 1;
        followed.seen.set(name as string, nth);
        rank = nth === 1 ? (signals.first ?? signals.any) : (signals.repeat ?? signals.any);
      }
      // Stages fill from the first up: once this one is entered, so are all before it.
      if (rank === undefined || !Number.isNaN(followed.entered[rank])) return;
      const at = Date.parse(message.timestamp as string);
      for (let stage = 0; stage <= rank; stage++)
        if (Number.isNaN(followed.entered[stage])) followed.entered[stage] = at;
    },

    /** What was counted, in a form that adds up over the shards of a world (see `summariseLifecycle`). */
    counts(): LifecycleCounts {
      const counts = { b2c: emptySegmentCounts(), b2b: emptySegmentCounts() };
      for (const followed of new Set(people.values())) {
        const segment = counts[followed.b2b ? 'b2b' : 'b2c'];
        segment.people += 1;
        followed.entered.forEach((at, stage) => {
          if (!Number.isNaN(at)) segment.reached[stage]! += 1;
        });
        for (let stage = 0; stage <= followed.person.stage; stage++) segment.modelReached[stage]! += 1;
        const [firstTouch, , , firstPurchase] = followed.entered;
        if (!Number.isNaN(firstPurchase)) {
          segment.daysToFirstPurchase.push((firstPurchase! - firstTouch!) / DAY);
          segment.touches += followed.touches;
          segment.engaging += followed.engaging;
        }
      }
      return counts;
    },

    summary(): LifecycleSummary {
      return summariseLifecycle(this.counts());
    },
  };
}

/** Per segment: the sums behind a `SegmentLifecycle`, and each buyer's days to the first purchase. */
export type LifecycleCounts = Record<'b2c' | 'b2b', SegmentCounts>;

interface SegmentCounts {
  people: number;
  reached: number[];
  modelReached: number[];
  daysToFirstPurchase: number[];
  /** Over buyers: touchpoints before the first purchase, and those that seek information. */
  touches: number;
  engaging: number;
}

const emptySegmentCounts = (): SegmentCounts => ({
  people: 0,
  reached: STAGES.map(() => 0),
  modelReached: STAGES.map(() => 0),
  daysToFirstPurchase: [],
  touches: 0,
  engaging: 0,
});

/** The counts of two shards of one world as one. */
export function addLifecycleCounts(a: LifecycleCounts, b: LifecycleCounts): LifecycleCounts {
  const add = (x: SegmentCounts, y: SegmentCounts): SegmentCounts => ({
    people: x.people + y.people,
    reached: x.reached.map((n, stage) => n + y.reached[stage]!),
    modelReached: x.modelReached.map((n, stage) => n + y.modelReached[stage]!),
    daysToFirstPurchase: x.daysToFirstPurchase.concat(y.daysToFirstPurchase),
    touches: x.touches + y.touches,
    engaging: x.engaging + y.engaging,
  });
  return { b2c: add(a.b2c, b.b2c), b2b: add(a.b2b, b.b2b) };
}

export function summariseLifecycle(counts: LifecycleCounts): LifecycleSummary {
  const summarise = ({
    people,
    reached,
    modelReached,
    daysToFirstPurchase,
    touches,
    engaging,
  }: SegmentCounts) => {
    const days = [...daysToFirstPurchase].sort((a, b) => a - b);
    const buyers = days.length;
    const middle = buyers / 2;
    return {
      people,
      reached,
      modelReached,
      buyers,
      meanDaysToFirstPurchase: buyers ? days.reduce((a, b) => a + b, 0) / buyers : null,
      medianDaysToFirstPurchase: buyers
        ? buyers % 2
          ? days[Math.floor(middle)]!
          : (days[middle - 1]! + days[middle]!) / 2
        : null,
      meanTouchesToFirstPurchase: buyers ? touches / buyers : null,
      informationSeekingShare: touches ? engaging / touches : null,
    };
  };
  return { b2c: summarise(counts.b2c), b2b: summarise(counts.b2b) };
}

export type LifecycleTruth = ReturnType<typeof createLifecycleTruth>;

/** A touchpoint before the first purchase; those of one moment wait until the moment is over (see Followed). */
function countTouch(followed: Followed, message: Record<string, unknown>): void {
  // Times are ISO texts of one format: equal texts are the same moment, no parsing needed.
  const at = message.timestamp as string;
  const { moment } = followed;
  if (at !== moment.at) {
    followed.touches += moment.touches;
    followed.engaging += moment.engaging;
    moment.at = at;
    moment.touches = 0;
    moment.engaging = 0;
  }
  moment.touches += 1;
  if (message.type === 'track' && ENGAGING.has(message.event as string)) moment.engaging += 1;
}
