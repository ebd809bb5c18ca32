/**
 * What the simulation of a world counts as it runs, for the manifest: one tally per shard, added up when
 * the shards are done.
 */
import {
  addLifecycleCounts,
  createLifecycleTruth,
  type LifecycleCounts,
  type LifecycleTruth,
} from './lifecycle-truth.ts';
import type { Sentiment } from './voices.ts';
import type { Behaviour, BurstStage, Intent, NpsBand } from './world-model.ts';

export interface Tally {
  personas: Record<string, number>;
  /**
   * Per segment and stage left (`b2c:awareness`), per channel: touchpoints seen in that stage, moves to the
   * next stage, and the sum of the planted chances of those touchpoints (the expected number of moves).
   */
  transitions: Record<string, Record<string, { touches: number; moves: number; expected: number }>>;
  /** Per persona: buyers, their drawn purchase rates and drop-out chances, orders and spend. */
  purchases: Record<
    string,
    { buyers: number; lambdaSum: number; dropoutSum: number; orders: number; spend: number }
  >;
  experiment: { exposed: number; holdout: number; exposedConverted: number; holdoutConverted: number };
  /** Per persona, touchpoints between purchases by the behaviour drawn for them. */
  behaviours: Record<string, Record<Behaviour, number>>;
  /** Told by source: reviews, social mentions, NPS answers. */
  sentiment: Record<'reviews' | 'mentions' | 'nps', Record<Sentiment, number>>;
  /** Social mentions per day of the world (0 = the start), by tone: the incident shows as a spike. */
  mentionsByDay: Record<number, Record<Sentiment, number>>;
  nps: Record<NpsBand, number>;
  social: {
    handles: number;
    influencers: Array<{ handle: string; userId: string; anonymousId: string }>;
    follows: number;
    referralsSent: number;
    /** Friends who came, and how many of them bought, by who referred them. */
    friends: Record<'influencer' | 'other', { arrived: number; buyers: number }>;
  };
  /** Bursts by the stage the person stood in, and their intents. */
  microMoments: Record<BurstStage, Record<Intent, number>>;
  community: {
    reviews: number;
    stories: number;
    ideas: number;
    votes: number;
    eventsAttended: number;
    pledges: number;
  };
  /** Customers who left after a purchase, those of them drawn to come back, and those who did by the end. */
  left: number;
  comingBack: number;
  returned: string[];
  events: number;
  /** B2B accounts (buying committees). */
  accounts: number;
  customers: Array<[anonymousId: string, personaId: string]>;
  lifecycle: LifecycleTruth;
}

export function emptyTally(): Tally {
  return {
    personas: {},
    transitions: {},
    purchases: {},
    experiment: { exposed: 0, holdout: 0, exposedConverted: 0, holdoutConverted: 0 },
    behaviours: {},
    sentiment: { reviews: tones(), mentions: tones(), nps: tones() },
    mentionsByDay: {},
    nps: { detractor: 0, passive: 0, promoter: 0 },
    social: {
      handles: 0,
      influencers: [],
      follows: 0,
      referralsSent: 0,
      friends: { influencer: { arrived: 0, buyers: 0 }, other: { arrived: 0, buyers: 0 } },
    },
    microMoments: {
      awareness: { know: 0, go: 0, do: 0, buy: 0 },
      consideration: { know: 0, go: 0, do: 0, buy: 0 },
      preference: { know: 0, go: 0, do: 0, buy: 0 },
    },
    community: { reviews: 0, stories: 0, ideas: 0, votes: 0, eventsAttended: 0, pledges: 0 },
    left: 0,
    comingBack: 0,
    returned: [],
    events: 0,
    accounts: 0,
    customers: [],
    lifecycle: createLifecycleTruth(),
  };
}

const tones = (): Record<Sentiment, number> => ({ positive: 0, neutral: 0, negative: 0 });

/** A shard's tally as it leaves its thread: plain data, the lifecycle truth reduced to its counts. */
export type TallyCounts = Omit<Tally, 'lifecycle'> & { lifecycle: LifecycleCounts };

export function countsOf(tally: Tally): TallyCounts {
  return { ...tally, lifecycle: tally.lifecycle.counts() };
}

/** Two shards of one world as one: counts add up, lists join; both drew the same accounts. */
export function addTallies(a: TallyCounts, b: TallyCounts): TallyCounts {
  return {
    personas: addCounts(a.personas, b.personas),
    transitions: addCounts(a.transitions, b.transitions),
    purchases: addCounts(a.purchases, b.purchases),
    experiment: addCounts(a.experiment, b.experiment),
    behaviours: addCounts(a.behaviours, b.behaviours),
    sentiment: addCounts(a.sentiment, b.sentiment),
    mentionsByDay: addCounts(a.mentionsByDay, b.mentionsByDay),
    nps: addCounts(a.nps, b.nps),
    social: {
      handles: a.social.handles + b.social.handles,
      influencers: a.social.influencers.concat(b.social.influencers),
      follows: a.social.follows + b.social.follows,
      referralsSent: a.social.referralsSent + b.social.referralsSent,
      friends: addCounts(a.social.friends, b.social.friends),
    },
    microMoments: addCounts(a.microMoments, b.microMoments),
    community: addCounts(a.community, b.community),
    left: a.left + b.left,
    comingBack: a.comingBack + b.comingBack,
    returned: a.returned.concat(b.returned),
    events: a.events + b.events,
    accounts: a.accounts,
    customers: a.customers.concat(b.customers),
    lifecycle: addLifecycleCounts(a.lifecycle, b.lifecycle),
  };
}

/** Records of counts (nested to any depth) added key by key; a key one side lacks counts as zero. */
function addCounts<T extends object>(a: T, b: T): T {
  const sum = { ...a } as Record<string, unknown>;
  for (const [key, value] of Object.entries(b)) {
    const mine = sum[key];
    sum[key] =
      mine === undefined
        ? value
        : typeof value === 'number'
          ? (mine as number) + value
          : addCounts(mine as object, value as object);
  }
  return sum as T;
}
