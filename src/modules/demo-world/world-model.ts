/**
 * The planted truth of the demo world (docs/demo-world.md): who the customers are, what moves them from
 * one lifecycle stage to the next, how they buy again and spend. Every number here is something a later
 * analysis should recover from the data alone; the manifest writes them out beside the data.
 */

export const STAGES = ['awareness', 'consideration', 'preference', 'action', 'loyalty', 'advocacy'] as const;
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
}

const mix = <K extends string>(weights: Record<K, number>) => weights;

export const PERSONAS: Persona[] = [
  {
    id: 'deal_seeker',
    name: 'Deal seeker',
    share: 0.3,
    b2b: false,
    channelMix: mix({
      organic_search: 2,
      paid_search: 3,
      email: 2,
      organic_social: 1,
      paid_social: 2,
      display: 2,
      video: 0.5,
      referral: 0.5,
      affiliate: 1,
      direct: 1,
    }),
    deviceMix: mix({ mobile: 6, desktop: 3, tablet: 1 }),
    formatMix: mix({
      article: 3,
      video: 2,
      webinar: 0,
      whitepaper: 0,
      case_study: 0,
      how_to: 2,
      podcast: 0.5,
    }),
    behaviourMix: mix({ access: 5, engage: 3, customize: 1, connect: 1, collaborate: 0.2 }),
    priceSensitivity: 0.7,
    touchesPerDay: 0.25,
    purchase: { r: 0.9, alpha: 60, a: 1.2, b: 3 },
    spend: { p: 6, q: 4, mean: 45 },
    advocacy: 0.05,
  },
  {
    id: 'enthusiast',
    name: 'Loyal enthusiast',
    share: 0.2,
    b2b: false,
    channelMix: mix({
      organic_search: 2,
      paid_search: 1,
      email: 4,
      organic_social: 3,
      paid_social: 1,
      display: 0.5,
      video: 2,
      referral: 2,
      affiliate: 0.5,
      direct: 3,
    }),
    deviceMix: mix({ mobile: 5, desktop: 3, tablet: 2 }),
    formatMix: mix({ article: 2, video: 4, webinar: 1, whitepaper: 0, case_study: 0, how_to: 3, podcast: 2 }),
    behaviourMix: mix({ access: 2, engage: 4, customize: 3, connect: 4, collaborate: 2 }),
    priceSensitivity: 0.15,
    touchesPerDay: 0.4,
    purchase: { r: 1.5, alpha: 40, a: 0.6, b: 6 },
    spend: { p: 6, q: 5, mean: 90 },
    advocacy: 0.3,
  },
  {
    id: 'busy_professional',
    name: 'Busy professional',
    share: 0.2,
    b2b: false,
    channelMix: mix({
      organic_search: 3,
      paid_search: 2,
      email: 1,
      organic_social: 0.5,
      paid_social: 1,
      display: 1,
      video: 0.5,
      referral: 1,
      affiliate: 0.5,
      direct: 2,
    }),
    deviceMix: mix({ mobile: 7, desktop: 2, tablet: 1 }),
    formatMix: mix({ article: 2, video: 1, webinar: 0, whitepaper: 0, case_study: 0, how_to: 1, podcast: 3 }),
    behaviourMix: mix({ access: 6, engage: 2, customize: 2, connect: 0.5, collaborate: 0.2 }),
    priceSensitivity: 0.2,
    touchesPerDay: 0.15,
    purchase: { r: 1.1, alpha: 70, a: 1, b: 4 },
    spend: { p: 5, q: 4, mean: 120 },
    advocacy: 0.08,
  },
  {
    id: 'researcher',
    name: 'Careful researcher',
    share: 0.15,
    b2b: false,
    channelMix: mix({
      organic_search: 5,
      paid_search: 1,
      email: 1,
      organic_social: 1,
      paid_social: 0.5,
      display: 0.5,
      video: 2,
      referral: 2,
      affiliate: 0.5,
      direct: 1,
    }),
    deviceMix: mix({ mobile: 3, desktop: 6, tablet: 1 }),
    formatMix: mix({ article: 4, video: 2, webinar: 1, whitepaper: 1, case_study: 1, how_to: 3, podcast: 1 }),
    behaviourMix: mix({ access: 2, engage: 6, customize: 2, connect: 2, collaborate: 1 }),
    priceSensitivity: 0.35,
    touchesPerDay: 0.3,
    purchase: { r: 0.8, alpha: 80, a: 1, b: 5 },
    spend: { p: 5, q: 4, mean: 150 },
    advocacy: 0.15,
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
      organic_social: 0.5,
      paid_social: 2,
      display: 1,
      video: 1,
      referral: 2,
      affiliate: 0,
      direct: 2,
    }),
    deviceMix: mix({ mobile: 2, desktop: 7, tablet: 1 }),
    formatMix: mix({
      article: 1,
      video: 1,
      webinar: 3,
      whitepaper: 4,
      case_study: 4,
      how_to: 1,
      podcast: 0.5,
    }),
    behaviourMix: mix({ access: 2, engage: 5, customize: 2, connect: 1, collaborate: 2 }),
    priceSensitivity: 0.1,
    touchesPerDay: 0.5,
    purchase: { r: 2, alpha: 90, a: 0.5, b: 8 },
    spend: { p: 4, q: 6, mean: 2400 },
    advocacy: 0.1,
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
  b2b: { awareness: -2.8, consideration: -3.2, preference: -3.4 },
};

/** Chance that a buyer looks for a coupon (affiliate) or types the address (direct) just before buying. */
export const PRE_PURCHASE_VISIT = 0.6;
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
