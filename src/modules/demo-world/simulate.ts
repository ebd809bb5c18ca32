/**
 * Simulates the demo world's customers over 18 months as tracking messages, in time order: a discrete
 * event simulation with one pending event per person in a heap, so memory grows with people, not with
 * events. What each person does follows the planted model (world-model.ts); what happened is tallied for
 * the manifest.
 */
import { createRandom, type Random } from './random.ts';
import {
  ARRIVAL_DAYS,
  BASE_LOG_ODDS,
  CHANNEL_EFFECTS,
  DEMO_DAYS,
  DEMO_START,
  type DemoChannel,
  type DeviceKind,
  EXPERIMENT,
  FORMAT_EFFECTS,
  type Format,
  GIVE_UP,
  PERSONAS,
  type Persona,
  PRE_PURCHASE_VISIT,
  STAGES,
  type Stage,
  sigmoid,
} from './world-model.ts';

const DAY = 86_400_000;
/** Customers visit between purchases at this share of their rate before the first one. */
const AFTER_PURCHASE_VISITS = 1;
const END = DEMO_START + DEMO_DAYS * DAY;
const SITE = 'https://shop.lumen.example';
const BUYING_ROLES = ['economic_buyer', 'decision_maker', 'champion', 'influencer', 'user'] as const;
export const PRODUCT_COUNT = 60;
export const CONTENT_COUNT = 80;

interface Person {
  index: number;
  persona: Persona;
  anonymousId: string;
  userId: string | null;
  device: DeviceKind;
  stage: number;
  at: number;
  next: 'touch' | 'purchase';
  purchases: number;
  /** BG/NBD: purchases per day while alive, and the chance of leaving after each purchase. */
  lambda: number;
  dropout: number;
  meanSpend: number;
  boostUntil: number;
  assignedAt: number | null;
  group: 'exposed' | 'holdout' | null;
  account: { id: string; role: (typeof BUYING_ROLES)[number]; joined: boolean } | null;
  random: Random;
}

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
  events: number;
  /** B2B accounts (buying committees). */
  accounts: number;
  customers: Array<[anonymousId: string, personaId: string]>;
}

export type Message = Record<string, unknown>;

/** Every message of the world, in time order. `tally` fills as the simulation runs. */
export function* simulateWorld(
  options: { seed: number; customers: number },
  tally: Tally,
): Generator<Message> {
  const random = createRandom(options.seed);
  // One stream for drawing the people, one for what they do: both deterministic, as the heap's order is.
  const people = makePeople(options, random.fork('people'), random.fork('lives'), tally);
  const heap = new PersonHeap(people);
  let orderNumber = 0;
  while (heap.size > 0) {
    const person = heap.peek();
    if (person.at >= END) break;
    const messages =
      person.next === 'purchase' ? purchase(person, ++orderNumber, tally) : touch(person, tally);
    for (const message of messages) {
      tally.events += 1;
      yield message;
    }
    if (person.at >= END) heap.pop();
    else heap.update();
  }
}

export function emptyTally(): Tally {
  return {
    personas: {},
    transitions: {},
    purchases: {},
    experiment: { exposed: 0, holdout: 0, exposedConverted: 0, holdoutConverted: 0 },
    events: 0,
    accounts: 0,
    customers: [],
  };
}

function makePeople(options: { customers: number }, random: Random, lives: Random, tally: Tally): Person[] {
  const shares = Object.fromEntries(PERSONAS.map((persona) => [persona.id, persona.share]));
  const people: Person[] = [];
  let accountMembers = 0;
  let accountNumber = 0;
  for (let index = 0; index < options.customers; index++) {
    const personaId = random.pick(shares);
    const persona = PERSONAS.find((candidate) => candidate.id === personaId)!;
    let account: Person['account'] = null;
    if (persona.b2b) {
      // Buying committees of three to six people; the first two of each are the ones who can buy.
      if (accountMembers === 0) {
        accountNumber += 1;
        tally.accounts = accountNumber;
        accountMembers = 3 + random.int(4);
      }
      const seat = accountMembers - 1;
      account = {
        id: `acct-${accountNumber}`,
        role: BUYING_ROLES[Math.min(seat, BUYING_ROLES.length - 1)]!,
        joined: false,
      };
      accountMembers -= 1;
    }
    const anonymousId = `anon-${index}`;
    people.push({
      index,
      persona,
      anonymousId,
      userId: null,
      device: random.pick(persona.deviceMix),
      stage: 0,
      at: DEMO_START + random.next() * ARRIVAL_DAYS * DAY,
      next: 'touch',
      purchases: 0,
      lambda: random.gamma(persona.purchase.r, 1 / persona.purchase.alpha),
      dropout: random.beta(persona.purchase.a, persona.purchase.b),
      meanSpend: random.gamma(persona.spend.q, persona.spend.mean / persona.spend.q),
      boostUntil: 0,
      assignedAt: null,
      group: null,
      account,
      random: lives,
    });
    tally.personas[persona.id] = (tally.personas[persona.id] ?? 0) + 1;
    tally.customers.push([anonymousId, persona.id]);
  }
  return people;
}

function touch(person: Person, tally: Tally): Message[] {
  const { persona, random } = person;
  const messages: Message[] = [];
  if (person.stage >= 3) {
    // A customer between purchases: engaging with content, not moving through the funnel.
    messages.push(visit(person, random.pick(persona.channelMix), 'consideration'));
    scheduleAfterPurchase(person);
    return messages;
  }
  if (person.account && !person.account.joined) messages.push(joinAccount(person, person.account));
  const stage = STAGES[person.stage]!;
  const channel = random.pick(persona.channelMix);
  const format = stage === 'consideration' ? random.pick(persona.formatMix) : null;
  messages.push(visit(person, channel, stage, format));
  messages.push(...assignExperiment(person, tally));

  if (canMoveOn(person)) {
    const base =
      BASE_LOG_ODDS[persona.b2b ? 'b2b' : 'b2c'][stage as 'awareness' | 'consideration' | 'preference'];
    const boost = person.at < person.boostUntil ? EXPERIMENT.logOdds : 0;
    const logit = base + CHANNEL_EFFECTS[channel] + (format ? FORMAT_EFFECTS[format] : 0) + boost;
    const chance = sigmoid(logit);
    const moved = random.chance(chance);
    const segment = `${persona.b2b ? 'b2b' : 'b2c'}:${stage}`;
    tally.transitions[segment] ??= {};
    tally.transitions[segment][channel] ??= { touches: 0, moves: 0, expected: 0 };
    const cell = tally.transitions[segment][channel];
    cell.touches += 1;
    cell.expected += chance;
    if (moved) {
      cell.moves += 1;
      person.stage += 1;
      if (STAGES[person.stage] === 'preference' && random.chance(0.5)) messages.push(signUp(person));
      if (STAGES[person.stage] === 'action') {
        person.stage = 2;
        person.next = 'purchase';
        person.at += random.exponential(4) * DAY;
        return messages;
      }
    }
  }
  if (person.stage < 3 && random.chance(GIVE_UP)) person.at = END;
  else person.at += random.exponential(persona.touchesPerDay) * DAY;
  return messages;
}

/** In a buying committee only the economic buyer and the decision maker place orders. */
function canMoveOn(person: Person): boolean {
  if (!person.account || STAGES[person.stage] !== 'preference') return true;
  return person.account.role === 'economic_buyer' || person.account.role === 'decision_maker';
}

function purchase(person: Person, orderNumber: number, tally: Tally): Message[] {
  const { persona, random } = person;
  const messages: Message[] = [];
  const first = person.purchases === 0;
  if (first) {
    // Planted: buyers often look for a coupon or type the address just before buying; it moves no one.
    if (random.chance(PRE_PURCHASE_VISIT))
      messages.push(visit(person, persona.b2b || random.chance(0.5) ? 'direct' : 'affiliate', 'preference'));
    if (!person.userId) messages.push(signUp(person));
    person.stage = 3;
    tally.purchases[persona.id] ??= {
      buyers: 0,
      lambdaSum: 0,
      dropoutSum: 0,
      orders: 0,
      spend: 0,
    };
    const stats = tally.purchases[persona.id]!;
    stats.buyers += 1;
    stats.lambdaSum += person.lambda;
    stats.dropoutSum += person.dropout;
    if (person.assignedAt !== null && person.at - person.assignedAt <= EXPERIMENT.conversionDays * DAY) {
      if (person.group === 'exposed') tally.experiment.exposedConverted += 1;
      else tally.experiment.holdoutConverted += 1;
    }
  } else if (person.stage === 3) person.stage = 4;
  const total = Math.round(random.gamma(persona.spend.p, person.meanSpend / persona.spend.p) * 100) / 100;
  const discounted = random.chance(persona.priceSensitivity);
  const stats = tally.purchases[persona.id]!;
  stats.orders += 1;
  stats.spend += total;
  messages.push({
    type: 'track',
    event: 'Order Completed',
    userId: person.userId,
    anonymousId: person.anonymousId,
    messageId: `order-${orderNumber}`,
    timestamp: new Date(person.at).toISOString(),
    properties: {
      order_id: `O-${orderNumber}`,
      total,
      currency: 'USD',
      ...(discounted ? { discount: Math.round(total * 10) / 100, coupon: 'SAVE10' } : {}),
      products: [{ product_id: `P-${1 + random.int(PRODUCT_COUNT)}`, price: total, quantity: 1 }],
    },
    context: deviceContext(person, { page: { url: `${SITE}/checkout/complete` } }),
  });
  person.purchases += 1;
  if (person.stage === 4 && random.chance(persona.advocacy)) {
    person.stage = 5;
    messages.push(track(person, 'Product Reviewed', { rating: 4 + random.int(2) }));
    messages.push(track(person, 'Referral Sent', {}));
  }
  // BG/NBD: after each purchase the customer may leave for good.
  if (random.chance(person.dropout)) person.at = END;
  else scheduleAfterPurchase(person);
  return messages;
}

/** Purchases and engagement visits compete; both are Poisson while the customer is alive. */
function scheduleAfterPurchase(person: Person): void {
  const { random, persona } = person;
  const purchaseIn = random.exponential(person.lambda);
  const visitIn = random.exponential(persona.touchesPerDay * AFTER_PURCHASE_VISITS);
  person.next = purchaseIn < visitIn ? 'purchase' : 'touch';
  person.at += Math.min(purchaseIn, visitIn) * DAY;
}

/** The randomised campaign: people mid-funnel in its window are split into exposed and holdout. */
function assignExperiment(person: Person, tally: Tally): Message[] {
  const day = (person.at - DEMO_START) / DAY;
  if (person.group || person.stage < 1 || day < EXPERIMENT.startDay || day >= EXPERIMENT.endDay) return [];
  person.group = person.random.chance(EXPERIMENT.exposedShare) ? 'exposed' : 'holdout';
  person.assignedAt = person.at;
  tally.experiment[person.group] += 1;
  const assigned = track(person, 'Experiment Assigned', {
    experiment: EXPERIMENT.campaign,
    group: person.group,
  });
  if (person.group === 'holdout') return [assigned];
  person.boostUntil = person.at + EXPERIMENT.effectDays * DAY;
  return [assigned, visit(person, 'email', 'consideration', null, EXPERIMENT.campaign)];
}

/** A B2B person's first touchpoint tells their company and role (a `group` call). */
function joinAccount(person: Person, account: NonNullable<Person['account']>): Message {
  account.joined = true;
  const number = Number(account.id.slice('acct-'.length));
  return {
    type: 'group',
    anonymousId: person.anonymousId,
    groupId: account.id,
    timestamp: new Date(person.at).toISOString(),
    traits: {
      name: `Company ${number}`,
      industry: INDUSTRIES[number % INDUSTRIES.length],
      buying_role: account.role,
    },
  };
}

const INDUSTRIES = ['hospitality', 'retail', 'offices', 'healthcare', 'education'];

function signUp(person: Person): Message {
  person.userId = `user-${person.index}`;
  const messages = {
    type: 'identify',
    userId: person.userId,
    anonymousId: person.anonymousId,
    timestamp: new Date(person.at).toISOString(),
    traits: {
      email: `customer${person.index}@mail.example`,
      ...(person.account ? { company: person.account.id } : {}),
    },
  };
  return messages;
}

function track(person: Person, event: string, properties: Record<string, unknown>): Message {
  return {
    type: 'track',
    event,
    ...(person.userId ? { userId: person.userId } : {}),
    anonymousId: person.anonymousId,
    timestamp: new Date(person.at).toISOString(),
    properties,
    context: deviceContext(person, {}),
  };
}

const STAGE_EVENTS: Record<Stage, string> = {
  awareness: 'Page Viewed',
  consideration: 'Content Viewed',
  preference: 'Product Added',
  action: 'Order Completed',
  loyalty: 'Order Completed',
  advocacy: 'Product Reviewed',
};

/** A touchpoint through a channel, told the way a browser SDK would: page URL, referrer, UTM tags. */
function visit(
  person: Person,
  channel: DemoChannel,
  stage: Stage,
  format: Format | null = null,
  campaign?: string,
) {
  const { random } = person;
  const event = STAGE_EVENTS[stage];
  const path =
    stage === 'consideration'
      ? `/guides/${1 + random.int(CONTENT_COUNT)}`
      : stage === 'preference'
        ? `/products/${1 + random.int(PRODUCT_COUNT)}`
        : '/';
  const page = channelPage(channel, `${SITE}${path}`, campaign);
  const properties: Record<string, unknown> =
    stage === 'consideration'
      ? { content_id: `C-${1 + random.int(CONTENT_COUNT)}`, format: format ?? 'article' }
      : stage === 'preference'
        ? { product_id: `P-${1 + random.int(PRODUCT_COUNT)}` }
        : {};
  return {
    type: event === 'Page Viewed' ? 'page' : 'track',
    ...(event === 'Page Viewed' ? {} : { event }),
    ...(person.userId ? { userId: person.userId } : {}),
    anonymousId: person.anonymousId,
    timestamp: new Date(person.at).toISOString(),
    properties,
    context: deviceContext(person, { page }),
  };
}

/** How each channel shows in a page view, so that Agora's classifier finds the planted channel. */
export function channelPage(
  channel: DemoChannel,
  url: string,
  campaign = 'always_on',
): { url: string; referrer?: string } {
  const tagged = (source: string, medium: string) =>
    `${url}?utm_source=${source}&utm_medium=${medium}&utm_campaign=${campaign}`;
  switch (channel) {
    case 'organic_search':
      return { url, referrer: 'https://www.google.com/' };
    case 'paid_search':
      return { url: tagged('google', 'cpc') };
    case 'email':
      return { url: tagged('newsletter', 'email') };
    case 'organic_social':
      return { url, referrer: 'https://www.instagram.com/' };
    case 'paid_social':
      return { url: tagged('facebook', 'paid_social') };
    case 'display':
      return { url: tagged('adnetwork', 'display') };
    case 'video':
      return { url, referrer: 'https://www.youtube.com/' };
    case 'referral':
      return { url, referrer: 'https://lighting-blog.example/reviews' };
    case 'affiliate':
      return { url: tagged('coupon-site', 'affiliate') };
    case 'direct':
      return { url };
  }
}

function deviceContext(person: Person, context: Record<string, unknown>): Record<string, unknown> {
  return {
    ...context,
    device: { type: person.device },
    ...(person.account ? { groupId: person.account.id } : {}),
  };
}

/** A min-heap of people by the time of their next event. */
class PersonHeap {
  private readonly items: Person[];

  constructor(people: Person[]) {
    this.items = [...people];
    for (let index = Math.floor(this.items.length / 2); index >= 0; index--) this.down(index);
  }

  get size(): number {
    return this.items.length;
  }

  peek(): Person {
    return this.items[0]!;
  }

  pop(): void {
    const last = this.items.pop()!;
    if (this.items.length > 0) {
      this.items[0] = last;
      this.down(0);
    }
  }

  /** The first person's time moved later. */
  update(): void {
    this.down(0);
  }

  private down(start: number): void {
    const items = this.items;
    let index = start;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < items.length && items[left]!.at < items[smallest]!.at) smallest = left;
      if (right < items.length && items[right]!.at < items[smallest]!.at) smallest = right;
      if (smallest === index) return;
      [items[index], items[smallest]] = [items[smallest]!, items[index]!];
      index = smallest;
    }
  }
}
