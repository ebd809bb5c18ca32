/**
 * The planted truth of the demo world (docs/demo-world.md): who the customers are, what moves them from
 * one lifecycle stage to the next, how they buy again and spend. Every number here is something a later
 * analysis should recover from the data alone; the manifest writes them out beside the data.
 */
import { STAGES } from '../taxonomy/stages.ts';

export { STAGES };
export type Stage = (typeof STAGES)[number];

export const DEMO_CHANNELS = [
  'organic_search',
  'paid_search',
  'email',
  'organic_social',
  'paid_social',
  'display',
  'video',
  'referral',
  'affiliate',
  'direct',
] as const;
export type DemoChannel = (typeof DEMO_CHANNELS)[number];

export const FORMATS = [
  'article',
  'video',
  'webinar',
  'whitepaper',
  'case_study',
  'how_to',
  'podcast',
] as const;
export type Format = (typeof FORMATS)[number];

export type DeviceKind = 'mobile' | 'desktop' | 'tablet';
export type Behaviour = 'access' | 'engage' | 'customize' | 'connect' | 'collaborate';

export interface Persona {
  id: string;
  name: string;
  share: number;
  b2b: boolean;
  channelMix: Record<DemoChannel, number>;
  deviceMix: Record<DeviceKind, number>;
  formatMix: Record<Format, number>;
  behaviourMix: Record<Behaviour, number>;
  /** Share of orders placed with a discount code. */
  priceSensitivity: number;
  /** Touchpoints per day before the first purchase. */
  touchesPerDay: number;
  /** BG/NBD: purchase rate λ ~ Gamma(r, rate α) per day while alive; drop-out p ~ Beta(a, b) after each purchase. */
  purchase: { r: number; alpha: number; a: number; b: number };
  /** Spend: each customer's mean order value ~ Gamma(q, mean/q); each order ~ Gamma(p, that mean/p). */
  spend: { p: number; q: number; mean: number };
  /** Chance that a customer in Loyalty starts to advocate (reviews, referrals) after a purchase. */
  advocacy: number;
  /** Share who give a public social handle when they sign up. */
  social: number;
  /** How satisfied they are: the chance of each review rating 1–5 and each NPS score band. */
  satisfaction: { ratings: [number, number, number, number, number]; nps: Record<NpsBand, number> };
}

export type NpsBand = 'detractor' | 'passive' | 'promoter';

const mix = <K extends string>(weights: Record<K, number>) => weights;

export const PERSONAS: Persona[] = [
  {
    id: 'deal_seeker',
    name: 'Deal seeker',
    share: 0.3,
    b2b: false,
    channelMix: mix({
      organic_search: 0.5,
      paid_search: 5,
      email: 1,
      organic_social: 0.3,
      paid_social: 3,
      display: 3,
      video: 0.3,
      referral: 0.3,
      affiliate: 1,
      direct: 0.5,
    }),
    deviceMix: mix({ mobile: 8, desktop: 1.5, tablet: 0.5 }),
    formatMix: mix({
      article: 3,
      video: 1,
      webinar: 0,
      whitepaper: 0,
      case_study: 0,
      how_to: 3,
      podcast: 0.2,
    }),
    behaviourMix: mix({ access: 7, engage: 2, customize: 1, connect: 0.5, collaborate: 0.1 }),
    priceSensitivity: 0.7,
    touchesPerDay: 0.25,
    purchase: { r: 0.9, alpha: 60, a: 1.2, b: 3 },
    spend: { p: 6, q: 4, mean: 45 },
    advocacy: 0.05,
    social: 0.3,
    satisfaction: {
      ratings: [0.1, 0.15, 0.3, 0.3, 0.15],
      nps: { detractor: 0.35, passive: 0.4, promoter: 0.25 },
    },
  },
  {
    id: 'enthusiast',
    name: 'Loyal enthusiast',
    share: 0.2,
    b2b: false,
    channelMix: mix({
      organic_search: 0.5,
      paid_search: 0.3,
      email: 5,
      organic_social: 4,
      paid_social: 0.3,
      display: 0.2,
      video: 2,
      referral: 2,
      affiliate: 0.2,
      direct: 1.5,
    }),
    deviceMix: mix({ mobile: 3, desktop: 1, tablet: 6 }),
    formatMix: mix({
      article: 0.5,
      video: 5,
      webinar: 0.5,
      whitepaper: 0,
      case_study: 0,
      how_to: 2,
      podcast: 3,
    }),
    behaviourMix: mix({ access: 1, engage: 2, customize: 3, connect: 5, collaborate: 3 }),
    priceSensitivity: 0.15,
    touchesPerDay: 0.4,
    purchase: { r: 1.5, alpha: 40, a: 0.6, b: 6 },
    spend: { p: 6, q: 5, mean: 90 },
    advocacy: 0.3,
    social: 0.7,
    satisfaction: {
      ratings: [0.02, 0.03, 0.1, 0.35, 0.5],
      nps: { detractor: 0.1, passive: 0.25, promoter: 0.65 },
    },
  },
  {
    id: 'busy_professional',
    name: 'Busy professional',
    share: 0.2,
    b2b: false,
    channelMix: mix({
      organic_search: 4,
      paid_search: 0.5,
      email: 0.5,
      organic_social: 0.2,
      paid_social: 0.3,
      display: 0.3,
      video: 0.2,
      referral: 1,
      affiliate: 0.2,
      direct: 1.5,
    }),
    deviceMix: mix({ mobile: 9, desktop: 1, tablet: 0 }),
    formatMix: mix({
      article: 1,
      video: 0.5,
      webinar: 0,
      whitepaper: 0,
      case_study: 0,
      how_to: 0.5,
      podcast: 6,
    }),
    behaviourMix: mix({ access: 7, engage: 1, customize: 3, connect: 0.3, collaborate: 0.1 }),
    priceSensitivity: 0.2,
    touchesPerDay: 0.15,
    purchase: { r: 1.1, alpha: 70, a: 1, b: 4 },
    spend: { p: 5, q: 4, mean: 120 },
    advocacy: 0.08,
    social: 0.25,
    satisfaction: {
      ratings: [0.05, 0.1, 0.25, 0.4, 0.2],
      nps: { detractor: 0.2, passive: 0.45, promoter: 0.35 },
    },
  },
  {
    id: 'researcher',
    name: 'Careful researcher',
    share: 0.15,
    b2b: false,
    channelMix: mix({
      organic_search: 6,
      paid_search: 0.5,
      email: 0.5,
      organic_social: 0.5,
      paid_social: 0.2,
      display: 0.2,
      video: 3,
      referral: 2,
      affiliate: 0.2,
      direct: 0.5,
    }),
    deviceMix: mix({ mobile: 1.5, desktop: 8, tablet: 0.5 }),
    formatMix: mix({
      article: 4,
      video: 1,
      webinar: 1,
      whitepaper: 1,
      case_study: 1,
      how_to: 3,
      podcast: 0.5,
    }),
    behaviourMix: mix({ access: 1, engage: 7, customize: 2, connect: 2, collaborate: 1 }),
    priceSensitivity: 0.35,
    touchesPerDay: 0.3,
    purchase: { r: 0.8, alpha: 80, a: 1, b: 5 },
    spend: { p: 5, q: 4, mean: 150 },
    advocacy: 0.15,
    social: 0.4,
    satisfaction: {
      ratings: [0.05, 0.1, 0.2, 0.4, 0.25],
      nps: { detractor: 0.2, passive: 0.4, promoter: 0.4 },
    },
  },
  {
    id: 'business_buyer',
    name: 'Business buyer',
    share: 0.15,
    b2b: true,
    channelMix: mix({
      organic_search: 3,
      paid_search: 2,
      email: 3,
      organic_social: 0.3,
      paid_social: 2,
      display: 0.5,
      video: 0.5,
      referral: 2,
      affiliate: 0,
      direct: 2,
    }),
    deviceMix: mix({ mobile: 1, desktop: 9, tablet: 0 }),
    formatMix: mix({
      article: 0.5,
      video: 0.5,
      webinar: 3,
      whitepaper: 4,
      case_study: 4,
      how_to: 0.5,
      podcast: 0,
    }),
    behaviourMix: mix({ access: 2, engage: 5, customize: 2, connect: 1, collaborate: 2 }),
    priceSensitivity: 0.1,
    touchesPerDay: 0.3,
    purchase: { r: 2, alpha: 90, a: 0.5, b: 8 },
    spend: { p: 4, q: 6, mean: 2400 },
    advocacy: 0.1,
    social: 0.35,
    satisfaction: {
      ratings: [0.03, 0.07, 0.25, 0.45, 0.2],
      nps: { detractor: 0.15, passive: 0.45, promoter: 0.4 },
    },
  },
];

/**
 * The log-odds each touchpoint adds to the chance of moving to the next stage, by channel and by content
 * format. Affiliate and direct have no effect, though they are planted to appear right before purchases.
 */
export const CHANNEL_EFFECTS: Record<DemoChannel, number> = {
  organic_search: 0.5,
  paid_search: 0.7,
  email: 0.9,
  organic_social: 0.3,
  paid_social: 0.4,
  display: 0.15,
  video: 0.35,
  referral: 0.8,
  affiliate: 0,
  direct: 0,
};
export const NO_EFFECT_CHANNELS: DemoChannel[] = ['affiliate', 'direct'];
export const FORMAT_EFFECTS: Record<Format, number> = {
  article: 0.2,
  video: 0.4,
  webinar: 0.6,
  whitepaper: 0.5,
  case_study: 0.7,
  how_to: 0.3,
  podcast: 0.1,
};

/** Base log-odds of moving on from a stage at one touchpoint, before the touchpoint's own effect. */
export const BASE_LOG_ODDS: Record<
  'b2c' | 'b2b',
  Record<'awareness' | 'consideration' | 'preference', number>
> = {
  b2c: { awareness: -2.2, consideration: -2.6, preference: -2.4 },
  b2b: { awareness: -2.2, consideration: -3.9, preference: -2.9 },
};

/**
 * Chance that a buyer types the address (direct) just before the first purchase: a visit that the decision
 * causes, so that paths holding it convert more.
 */
export const PRE_PURCHASE_VISIT = 0.6;
/**
 * Chance that a coupon site (affiliate) catches a person at the end of their way to a first purchase, however
 * it ends: just before the purchase, as they give up, or at their last touchpoint before the world ends. It is
 * drawn alike for everyone, so it comes right before purchases but does not change whether anyone buys.
 */
export const COUPON_AT_THE_END = 0.3;
/** Chance, at each touchpoint before the first purchase, that a person loses interest for good. */
export const GIVE_UP = 0.03;

/** The randomised campaign: who was in consideration or preference in its window, half exposed. */
export const EXPERIMENT = {
  campaign: 'spring_reactivation',
  channel: 'email' as const,
  startDay: 300,
  endDay: 330,
  /** Log-odds the campaign adds to the exposed person's next transitions, for `effectDays` days. */
  logOdds: 0.8,
  effectDays: 21,
  /** Conversion = a first purchase within this many days of assignment. */
  conversionDays: 30,
  exposedShare: 0.5,
};

export const DEMO_START = Date.parse('2025-01-01T00:00:00Z');
export const DEMO_DAYS = 548;
/** People first meet the company in the first 15 months, so that the last ones have time to move. */
export const ARRIVAL_DAYS = 456;

export const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** What customers do between purchases: one touchpoint of a behaviour drawn from their persona's mix. */
export const BEHAVIOUR_EVENTS: Record<Behaviour, readonly string[]> = {
  access: ['Page Viewed', 'Store Located', 'Support Requested'],
  engage: ['Content Viewed', 'Video Playback Completed', 'Review Read'],
  customize: ['Product Customized', 'Preferences Updated', 'Recommendation Clicked'],
  connect: ['Product Reviewed', 'Story Shared', 'Event Attended', 'Social Mention Posted', 'Product Shared'],
  collaborate: ['Idea Submitted', 'Idea Voted', 'Campaign Pledged'],
};

/**
 * The social network: people with a public handle follow others, and a few are influencers whom many
 * follow. A referral brings a friend, who arrives through the referral channel with the referrer's code;
 * an influencer's friends are far likelier to buy than anyone else's.
 */
export const SOCIAL = {
  influencerShare: 0.02,
  /** Follows per person with a handle: Poisson mean; each goes to an influencer with this chance. */
  followsMean: 5,
  followInfluencer: 0.6,
  /** Referrals an advocate sends at each purchase: influencers many, others one. */
  referralsSent: { influencer: 6, other: 1 },
  /** Chance a referred friend comes at all; they arrive within days. */
  referralAccepted: 0.5,
  /** Log-odds added to each of a referred friend's stage moves, by who referred them. */
  referredLogOdds: { influencer: 1.5, other: 0.2 },
};

/** Mobile micro-moments: a burst of two to five touchpoints with one intent, minutes apart. */
export const MICRO_MOMENTS = {
  /** Chance that a mobile touchpoint opens a burst. */
  burstShare: 0.12,
  intents: { know: 4, go: 2, do: 2, buy: 2 },
  /**
   * The intents open to a person in each stage before buying: their events signal no stage beyond it
   * (docs/taxonomy.md), so a burst never takes anyone further down the funnel than the model did.
   */
  intentsByStage: {
    awareness: ['go'],
    consideration: ['know', 'go', 'do'],
    preference: ['know', 'go', 'do', 'buy'],
  },
  events: {
    know: ['Products Searched', 'Review Read', 'Product Viewed'],
    go: ['Store Located', 'Appointment Booked'],
    do: ['Video Playback Completed'],
    buy: ['Product Added', 'Product Added to Wishlist'],
  },
  /** Minutes between touchpoints of a burst: exponential with this mean. */
  gapMinutes: 1.5,
} as const;
export type Intent = keyof typeof MICRO_MOMENTS.intents;
export type BurstStage = keyof typeof MICRO_MOMENTS.intentsByStage;

/** Customers who leave (BG/NBD drop-out) may come back after a long silence, won back by an email. */
export const RETURNS = { share: 0.15, meanGapDays: 120, campaign: 'we_miss_you' };

/**
 * The incident: a firmware update stops Lumen smart bulbs from answering. For three days, customers with
 * a handle who bought post angry mentions, and survey answers drop.
 */
export const INCIDENT = {
  day: 410,
  days: 3,
  description: 'Firmware 4.2 leaves Lumen smart bulbs unresponsive',
  /** Chance that a customer with a handle who has bought posts about it. */
  mentionChance: 0.35,
  /** NPS answers given in the incident window are detractors with this chance. */
  detractorShare: 0.7,
};

/** Surveys and mentions outside the incident. */
export const VOICE = {
  /** A customer is asked for an NPS score this many days after each purchase; this share answers. */
  npsAfterDays: 14,
  npsResponse: 0.3,
  /** Chance that a buyer with a handle mentions the brand after a purchase; the tone follows the rating. */
  mentionAfterPurchase: 0.12,
  /** Chance that a purchase is followed by a review (advocates always review). */
  reviewAfterPurchase: 0.08,
};

/** Community events (meet-ups, live sessions), every 60 days from day 60. */
export const COMMUNITY = {
  eventEveryDays: 60,
  /** The co-creation campaign people pledge to. */
  pledgeCampaign: { id: 'design_the_next_lamp', startDay: 380, endDay: 470 },
};

/**
 * What Lumen spends on marketing a month, per 1,000 customers of the world: acquisition on the paid
 * channels, retention on email (the newsletter and the win-back mails). Written as `costs` import lines,
 * one per channel and calendar month of the world (docs/models/value.md, "Conquest or relations").
 */
export const MARKETING_COSTS = {
  acquisition: { paid_search: 400, paid_social: 250, display: 150, video: 120, affiliate: 80 },
  retention: { email: 60 },
} as const;
