/**
 * Simulates the demo world's customers over 18 months as tracking messages, in time order: a discrete
 * event simulation with one pending event per person in a heap, so memory grows with people, not with
 * events; what a person sets in motion for later (a survey answer, a review, the rest of a burst of
 * touchpoints) waits in a second heap. What each person does follows the planted model (world-model.ts);
 * what happened is tallied for the manifest.
 */
import { Heap } from 'mnemonist';
import { createRandom, type Random } from './random.ts';
import {
  incidentMention,
  mentionText,
  npsScore,
  reviewText,
  type Sentiment,
  sentimentOfNps,
  sentimentOfRating,
  storyText,
} from './voices.ts';
import {
  ARRIVAL_DAYS,
  BASE_LOG_ODDS,
  BEHAVIOUR_EVENTS,
  type BurstStage,
  CHANNEL_EFFECTS,
  COMMUNITY,
  COUPON_AT_THE_END,
  DEMO_DAYS,
  DEMO_START,
  type DemoChannel,
  type DeviceKind,
  EXPERIMENT,
  FORMAT_EFFECTS,
  type Format,
  GIVE_UP,
  INCIDENT,
  type Intent,
  MICRO_MOMENTS,
  type NpsBand,
  PERSONAS,
  type Persona,
  PRE_PURCHASE_VISIT,
  RETURNS,
  SOCIAL,
  STAGES,
  type Stage,
  sigmoid,
  VOICE,
} from './world-model.ts';
import type { Tally } from './world-tally.ts';

const DAY = 86_400_000;
const MINUTE = 60_000;
const INCIDENT_START = DEMO_START + INCIDENT.day * DAY;
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
  next: 'touch' | 'beforeFirstPurchase' | 'purchase' | 'return';
  purchases: number;
  /** BG/NBD: purchases per day while alive, and the chance of leaving after each purchase. */
  lambda: number;
  dropout: number;
  meanSpend: number;
  boostUntil: number;
  assignedAt: number | null;
  group: 'exposed' | 'holdout' | null;
  account: { id: string; role: (typeof BUYING_ROLES)[number]; joined: boolean } | null;
  /** A public handle on the persona's network, given at sign-up; influencers are followed by many. */
  handle: string | null;
  influencer: boolean;
  /** Log-odds a referral adds to this person's stage moves. */
  referralBoost: number;
  referredBy: 'influencer' | 'other' | null;
  /** A referred friend's first visit comes through the invitation link with this code. */
  inviteCode: string | null;
  /** Left after a purchase and came back once (they do not come back twice). */
  returned: boolean;
  /** The community event they last registered for. */
  registeredFor: number;
  random: Random;
}

export type Message = Record<string, unknown>;

/**
 * One of `of` parts of a world, simulated on its own (on its own thread): every shard draws all the people,
 * keeps those whose index it holds, and numbers what it creates (people, orders, ideas) so that no other
 * shard can give the same number. The whole world is the shards' messages merged by time.
 */
export interface Shard {
  index: number;
  of: number;
}

const WHOLE: Shard = { index: 0, of: 1 };

/** A shard's `n`th order, idea or referred friend (from 1), as a number no other shard gives. */
const numbered = (shard: Shard, n: number) => (n - 1) * shard.of + shard.index + 1;

/** What a person's actions set going: the people heap, messages due later, and shared counters. */
interface World {
  shard: Shard;
  /** People by the time of their next event. */
  people: Heap<Person>;
  later: MessageQueue;
  tally: Tally;
  /** Everyone's handle, and the influencers' among them: who can be followed, in any shard. */
  handles: string[];
  influencers: string[];
  /** Draws for people who arrive during the run (referred friends), apart from everyone's lives. */
  friends: Random;
  /** People drawn at the start; referred friends' indexes follow theirs. */
  drawn: number;
  /** Referred friends so far, in this shard. */
  friendsMade: number;
  /** Friends who said yes to a referral, waiting to join the heap once the current step is done. */
  arrivals: Person[];
  /** Orders and ideas so far, in this shard. */
  orders: number;
  ideas: number;
  /** Each vote's idea, so that a new vote favours ideas many voted for. */
  votes: number[];
}

/** Every message of the world (or of one shard), in time order. `tally` fills as the simulation runs. */
export function* simulateWorld(
  options: { seed: number; customers: number },
  tally: Tally,
  shard: Shard = WHOLE,
): Generator<Message> {
  const random = createRandom(options.seed);
  // Each shard lives its own stream; the whole world keeps the names it always had.
  const stream = (name: string) => random.fork(shard.of === 1 ? name : `${name}/${shard.index}`);
  // One stream for drawing the people, one for what they do: both deterministic, as the heap's order is.
  const everyone = makePeople(options, random.fork('people'), stream('lives'), tally);
  const people = everyone.filter((person) => person.index % shard.of === shard.index);
  for (const person of people) {
    register(person, tally);
    // The drawn people's personas (referred friends are counted apart).
    tally.personas[person.persona.id] = (tally.personas[person.persona.id] ?? 0) + 1;
  }
  const world: World = {
    shard,
    people: Heap.from(people, (a, b) => a.at - b.at),
    later: new MessageQueue(),
    tally,
    handles: everyone.flatMap((person) => (person.handle ? [person.handle] : [])),
    influencers: everyone.flatMap((person) => (person.influencer ? [person.handle!] : [])),
    friends: stream('friends'),
    drawn: everyone.length,
    friendsMade: 0,
    arrivals: [],
    orders: 0,
    ideas: 0,
    votes: [],
  };
  let incidentTold = false;
  for (;;) {
    const person = world.people.peek() ?? null;
    const personAt = person && person.at < END ? person.at : Number.POSITIVE_INFINITY;
    const now = Math.min(personAt, world.later.nextAt);
    if (now >= END) break;
    if (!incidentTold && now >= INCIDENT_START) {
      incidentTold = true;
      tellIncident(world, now);
      continue;
    }
    const fromLater = world.later.nextAt <= personAt;
    const messages = fromLater ? [world.later.pop()] : act(person!, world);
    for (const message of messages) {
      tally.events += 1;
      tally.lifecycle.note(message);
      yield message;
    }
    if (!fromLater) {
      if (person!.at >= END) world.people.pop();
      // Its time moved later: back into place.
      else world.people.replace(person!);
    }
    if (world.arrivals.length > 0) {
      for (const friend of world.arrivals) world.people.push(friend);
      world.arrivals.length = 0;
    }
  }
}

function act(person: Person, world: World): Message[] {
  if (person.next === 'beforeFirstPurchase') return beforeFirstPurchase(person, world);
  if (person.next === 'purchase') return purchase(person, numbered(world.shard, ++world.orders), world);
  if (person.next === 'return') return comeBack(person, world);
  return touch(person, world);
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
    const at = DEMO_START + random.next() * ARRIVAL_DAYS * DAY;
    people.push(makePerson(index, persona, at, account, random, lives));
  }
  return people;
}

/** `random` draws who the person is; `lives` is the stream their actions draw from. */
function makePerson(
  index: number,
  persona: Persona,
  at: number,
  account: Person['account'],
  random: Random,
  lives: Random,
): Person {
  const anonymousId = `anon-${index}`;
  const handle = random.chance(persona.social) ? `@${persona.id.split('_')[0]}_${index}` : null;
  const influencer = handle !== null && random.chance(SOCIAL.influencerShare);
  return {
    index,
    persona,
    anonymousId,
    userId: null,
    device: random.pick(persona.deviceMix),
    stage: 0,
    at,
    next: 'touch',
    purchases: 0,
    lambda: random.gamma(persona.purchase.r, 1 / persona.purchase.alpha),
    dropout: random.beta(persona.purchase.a, persona.purchase.b),
    meanSpend: random.gamma(persona.spend.q, persona.spend.mean / persona.spend.q),
    boostUntil: 0,
    assignedAt: null,
    group: null,
    account,
    handle,
    influencer,
    referralBoost: 0,
    referredBy: null,
    inviteCode: null,
    returned: false,
    registeredFor: 0,
    random: lives,
  };
}

/** A person of this shard is counted, and followed for the lifecycle truth. */
function register(person: Person, tally: Tally): void {
  const { anonymousId, persona, handle } = person;
  tally.customers.push([anonymousId, persona.id]);
  if (handle) tally.social.handles += 1;
  if (person.influencer)
    tally.social.influencers.push({ handle: handle!, userId: `user-${person.index}`, anonymousId });
  tally.lifecycle.follow(anonymousId, persona.b2b, person);
  if (handle) tally.lifecycle.alias(`${networkOf(person)}:${handle}`, anonymousId);
}

function touch(person: Person, world: World): Message[] {
  const { persona, random } = person;
  const { tally } = world;
  const messages: Message[] = [];
  if (person.stage >= 3) {
    // A customer between purchases: one touchpoint of a behaviour from their persona's mix.
    messages.push(...behave(person, world));
    scheduleAfterPurchase(person);
    return messages;
  }
  if (person.account && !person.account.joined) messages.push(joinAccount(person, person.account));
  const stage = STAGES[person.stage]!;
  const invited = person.inviteCode !== null;
  const channel = invited ? 'referral' : random.pick(persona.channelMix);
  const format = stage === 'consideration' ? random.pick(persona.formatMix) : null;
  messages.push(visit(person, channel, stage, format));
  person.inviteCode = null;
  messages.push(...assignExperiment(person, tally));
  burst(person, world);

  if (canMoveOn(person)) {
    const base =
      BASE_LOG_ODDS[persona.b2b ? 'b2b' : 'b2c'][stage as 'awareness' | 'consideration' | 'preference'];
    const boost = person.at < person.boostUntil ? EXPERIMENT.logOdds : 0;
    const logit =
      base + CHANNEL_EFFECTS[channel] + (format ? FORMAT_EFFECTS[format] : 0) + boost + person.referralBoost;
    const chance = sigmoid(logit);
    const moved = random.chance(chance);
    // Referred friends carry a planted boost on top of the channel's effect: tallied apart.
    const segment = `${persona.b2b ? 'b2b' : 'b2c'}:${stage}${person.referredBy ? ':referred' : ''}`;
    tally.transitions[segment] ??= {};
    tally.transitions[segment][channel] ??= { touches: 0, moves: 0, expected: 0 };
    const cell = tally.transitions[segment][channel];
    cell.touches += 1;
    cell.expected += chance;
    if (moved) {
      cell.moves += 1;
      person.stage += 1;
      if (STAGES[person.stage] === 'preference' && random.chance(0.5)) messages.push(signUp(person, world));
      if (STAGES[person.stage] === 'action') {
        person.stage = 2;
        person.next = 'beforeFirstPurchase';
        const buysAt = person.at + random.exponential(4) * DAY;
        // A purchase after the world's end is not seen: the way to it ends here.
        if (buysAt >= END) messages.push(...couponAtTheEnd(person));
        person.at = buysAt;
        return messages;
      }
    }
  }
  const next = random.chance(GIVE_UP) ? END : person.at + random.exponential(persona.touchesPerDay) * DAY;
  if (next >= END) messages.push(...couponAtTheEnd(person));
  person.at = next;
  return messages;
}

/**
 * The coupon site's visit at the end of a way to a first purchase (see COUPON_AT_THE_END), at the moment of
 * the person's last touchpoint or order: the same chance whether the way ends in a purchase or not.
 */
function couponAtTheEnd(person: Person): Message[] {
  if (!person.random.chance(COUPON_AT_THE_END)) return [];
  return [visit(person, 'affiliate', STAGES[person.stage]!)];
}

/**
 * Two minutes before a first purchase. Planted: a decided buyer often types the address just before buying
 * (it moves no one, but paths holding it convert); a buyer who has not signed up does.
 */
function beforeFirstPurchase(person: Person, world: World): Message[] {
  const messages: Message[] = [];
  if (person.random.chance(PRE_PURCHASE_VISIT)) messages.push(visit(person, 'direct', 'preference'));
  if (!person.userId) messages.push(signUp(person, world));
  person.next = 'purchase';
  person.at += 2 * MINUTE;
  return messages;
}

/** A mobile touchpoint may open a micro-moment: a few more touchpoints of one intent, minutes apart. */
function burst(person: Person, world: World): void {
  const { random } = person;
  if (person.device !== 'mobile' || !random.chance(MICRO_MOMENTS.burstShare)) return;
  // Its intent fits where the person stands: a burst never shows a stage they have not reached.
  const stage = STAGES[person.stage] as BurstStage;
  const intent = random.pick(intentWeights(stage));
  world.tally.microMoments[stage][intent] += 1;
  const events = MICRO_MOMENTS.events[intent];
  let at = person.at;
  for (let step = 0, steps = 2 + random.int(4); step < steps; step++) {
    at += (0.2 + random.exponential(1 / MICRO_MOMENTS.gapMinutes)) * MINUTE;
    const event = events[random.int(events.length)]!;
    world.later.push(at, track(person, event, momentProperties(event, random), at));
  }
}

/** The planted intent weights, kept to the intents that fit the stage (one object per stage). */
export function intentWeights(stage: BurstStage): Record<Intent, number> {
  return INTENT_WEIGHTS[stage];
}

const INTENT_WEIGHTS = Object.fromEntries(
  Object.entries(MICRO_MOMENTS.intentsByStage).map(([stage, intents]) => {
    const fits = new Set<string>(intents);
    const weights = Object.fromEntries(
      Object.entries(MICRO_MOMENTS.intents).map(([intent, weight]) => [
        intent,
        fits.has(intent) ? weight : 0,
      ]),
    );
    return [stage, weights];
  }),
) as Record<BurstStage, Record<Intent, number>>;

function momentProperties(event: string, random: Random): Record<string, unknown> {
  switch (event) {
    case 'Products Searched':
      return { query: ['warm pendant', 'smart bulb', 'desk lamp dimmable', 'outdoor light'][random.int(4)] };
    case 'Store Located':
    case 'Appointment Booked':
      return { store_id: `S-${1 + random.int(12)}` };
    case 'Video Playback Completed':
      return { content_id: `C-${1 + random.int(CONTENT_COUNT)}`, format: 'how_to' };
    default:
      return { product_id: `P-${1 + random.int(PRODUCT_COUNT)}` };
  }
}

/**
 * A touchpoint between purchases, of a behaviour drawn from the persona's mix: reaching the brand,
 * studying it, shaping it, speaking for it or building with it (docs/taxonomy.md names the events).
 */
function behave(person: Person, world: World): Message[] {
  const { persona, random } = person;
  const behaviour = random.pick(persona.behaviourMix);
  world.tally.behaviours[persona.id] ??= { access: 0, engage: 0, customize: 0, connect: 0, collaborate: 0 };
  world.tally.behaviours[persona.id]![behaviour] += 1;
  const event = BEHAVIOUR_EVENTS[behaviour][random.int(BEHAVIOUR_EVENTS[behaviour].length)]!;
  const product = `P-${1 + random.int(PRODUCT_COUNT)}`;
  switch (event) {
    case 'Page Viewed':
      return [visit(person, random.pick(persona.channelMix), 'awareness')];
    case 'Content Viewed':
      return [
        visit(person, random.pick(persona.channelMix), 'consideration', random.pick(persona.formatMix)),
      ];
    case 'Product Reviewed':
      return [review(person, world, rating(person), person.at)];
    case 'Story Shared':
      world.tally.community.stories += 1;
      return [track(person, event, { text: storyText(random) })];
    case 'Event Attended':
      return [attendEvent(person, world, product)];
    case 'Social Mention Posted':
      if (person.handle) return [mention(person, world, sentimentOfRating(rating(person)), person.at)];
      return [track(person, 'Product Shared', { product_id: product, network: 'whatsapp' })];
    case 'Idea Submitted':
    case 'Idea Voted':
    case 'Campaign Pledged':
      return [collaborate(person, world, event)];
    default:
      return [track(person, event, behaviourProperties(event, product, random))];
  }
}

function behaviourProperties(event: string, product: string, random: Random): Record<string, unknown> {
  switch (event) {
    case 'Product Customized':
      return { product_id: product, options: { colour: ['brass', 'black', 'white'][random.int(3)] } };
    case 'Preferences Updated':
      return { preferences: { newsletter: random.chance(0.5), warm_light: random.chance(0.7) } };
    case 'Recommendation Clicked':
    case 'Product Shared':
      return { product_id: product };
    case 'Store Located':
      return { store_id: `S-${1 + random.int(12)}` };
    case 'Support Requested':
      return { topic: ['delivery', 'app', 'warranty'][random.int(3)] };
    default:
      return { content_id: `C-${1 + random.int(CONTENT_COUNT)}` };
  }
}

/** Ideas to vote on, votes that favour ideas many voted for, pledges while the co-creation campaign runs. */
function collaborate(person: Person, world: World, wanted: string): Message {
  const { random } = person;
  const day = (person.at - DEMO_START) / DAY;
  const pledging = day >= COMMUNITY.pledgeCampaign.startDay && day < COMMUNITY.pledgeCampaign.endDay;
  if (wanted === 'Campaign Pledged' && pledging) {
    world.tally.community.pledges += 1;
    return track(person, wanted, {
      campaign: COMMUNITY.pledgeCampaign.id,
      amount: [25, 50, 100, 250][random.int(4)],
    });
  }
  // Few submit an idea; most vote on those there are.
  if ((wanted === 'Idea Submitted' && random.chance(0.25)) || world.ideas === 0) {
    const idea = numbered(world.shard, ++world.ideas);
    world.tally.community.ideas += 1;
    return track(person, 'Idea Submitted', {
      idea_id: `I-${idea}`,
      title: `Idea ${idea}: ${['a dimmer on the cord', 'warmer night mode', 'a recycled shade', 'a travel lamp'][random.int(4)]}`,
    });
  }
  // Preferential attachment: most votes follow an earlier vote's idea.
  const idea =
    world.votes.length > 0 && random.chance(0.7)
      ? world.votes[random.int(world.votes.length)]!
      : numbered(world.shard, 1 + random.int(world.ideas));
  world.votes.push(idea);
  world.tally.community.votes += 1;
  return track(person, 'Idea Voted', { idea_id: `I-${idea}` });
}

/** The next community event (one every 60 days), attended on its day; one registration each. */
function attendEvent(person: Person, world: World, product: string): Message {
  const every = COMMUNITY.eventEveryDays;
  const number = Math.max(1, Math.ceil((person.at - DEMO_START) / DAY / every));
  if (person.registeredFor === number) return track(person, 'Product Shared', { product_id: product });
  person.registeredFor = number;
  const at = DEMO_START + number * every * DAY + 18 * 3_600_000;
  const name = `Lumen evening ${number}`;
  if (at < END) {
    world.later.push(at, track(person, 'Event Attended', { event_id: `E-${number}`, name }, at));
    world.tally.community.eventsAttended += 1;
  }
  return track(person, 'Event Registered', { event_id: `E-${number}`, name });
}

/** A review rating drawn from the persona's planted satisfaction. */
function rating(person: Person): number {
  const [one, two, three, four, five] = person.persona.satisfaction.ratings;
  return Number(person.random.pick({ 1: one, 2: two, 3: three, 4: four, 5: five }));
}

/** In a buying committee only the economic buyer and the decision maker place orders. */
function canMoveOn(person: Person): boolean {
  if (!person.account || STAGES[person.stage] !== 'preference') return true;
  return person.account.role === 'economic_buyer' || person.account.role === 'decision_maker';
}

function purchase(person: Person, orderNumber: number, world: World): Message[] {
  const { persona, random } = person;
  const { tally } = world;
  const messages: Message[] = [];
  const first = person.purchases === 0;
  if (first) {
    messages.push(...couponAtTheEnd(person));
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
    if (person.referredBy) tally.social.friends[person.referredBy].buyers += 1;
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
  const product = `P-${1 + random.int(PRODUCT_COUNT)}`;
  messages.push({
    type: 'track',
    event: 'Order Completed',
    userId: person.userId,
    anonymousId: person.anonymousId,
    messageId: `order-${orderNumber}`,
    timestamp: isoTime(person.at),
    properties: {
      order_id: `O-${orderNumber}`,
      total,
      currency: 'USD',
      ...(discounted ? { discount: Math.round(total * 10) / 100, coupon: 'SAVE10' } : {}),
      products: [{ product_id: product, price: total, quantity: 1 }],
    },
    context: deviceContext(person, { page: { url: `${SITE}/checkout/complete` } }),
  });
  person.purchases += 1;
  afterPurchase(person, world, product);
  if (person.stage === 4 && random.chance(persona.advocacy)) {
    person.stage = 5;
    messages.push(review(person, world, 4 + random.int(2), person.at, product));
    messages.push(...refer(person, world, SOCIAL.referralsSent.other));
  } else if (person.influencer) messages.push(...refer(person, world, SOCIAL.referralsSent.influencer));
  // BG/NBD: after each repeat purchase the customer may leave for good (the first one only makes them a
  // customer, as in the model); a few come back once, much later.
  if (!first && random.chance(person.dropout)) leave(person, world);
  else scheduleAfterPurchase(person);
  return messages;
}

/** What a purchase sets going for later: a review, a survey answer, a mention. */
function afterPurchase(person: Person, world: World, product: string): void {
  const { random } = person;
  // What would come after the world's end is neither written nor counted.
  if (random.chance(VOICE.reviewAfterPurchase)) {
    const at = person.at + (3 + random.int(8)) * DAY;
    if (at < END) world.later.push(at, review(person, world, rating(person), at, product));
  }
  if (random.chance(VOICE.npsResponse)) {
    const at = person.at + (VOICE.npsAfterDays + random.next()) * DAY;
    if (at < END) world.later.push(at, npsAnswer(person, world, at));
  }
  if (person.handle && random.chance(VOICE.mentionAfterPurchase)) {
    const at = person.at + (1 + 2 * random.next()) * DAY;
    world.later.push(at, mention(person, world, sentimentOfRating(rating(person)), at));
  }
}

function leave(person: Person, world: World): void {
  world.tally.left += 1;
  if (person.returned || !person.random.chance(RETURNS.share)) {
    person.at = END;
    return;
  }
  world.tally.comingBack += 1;
  person.next = 'return';
  person.at += person.random.exponential(1 / RETURNS.meanGapDays) * DAY;
}

/** Back after a long silence: the win-back email brings them, and they buy as before. */
function comeBack(person: Person, world: World): Message[] {
  person.returned = true;
  world.tally.returned.push(person.userId!);
  const message = visit(person, 'email', 'consideration', null, RETURNS.campaign);
  person.next = 'purchase';
  person.at += person.random.exponential(0.5) * DAY;
  return [message];
}

function review(person: Person, world: World, stars: number, at: number, product?: string): Message {
  const { random } = person;
  const sentiment = sentimentOfRating(stars);
  world.tally.sentiment.reviews[sentiment] += 1;
  world.tally.community.reviews += 1;
  return track(
    person,
    'Product Reviewed',
    {
      product_id: product ?? `P-${1 + random.int(PRODUCT_COUNT)}`,
      rating: stars,
      text: reviewText(random, sentiment),
    },
    at,
  );
}

/** An NPS answer; in the days after the incident most answers are angry. */
function npsAnswer(person: Person, world: World, at: number): Message {
  const { random } = person;
  const inIncident = at >= INCIDENT_START && at < INCIDENT_START + INCIDENT.days * DAY;
  const band: NpsBand =
    inIncident && random.chance(INCIDENT.detractorShare)
      ? 'detractor'
      : random.pick(person.persona.satisfaction.nps);
  world.tally.nps[band] += 1;
  const sentiment = sentimentOfNps(band);
  world.tally.sentiment.nps[sentiment] += 1;
  return track(
    person,
    'Survey Answered',
    {
      survey: 'nps',
      score: npsScore(random, band),
      comment: inIncident && band === 'detractor' ? incidentMention(random) : reviewText(random, sentiment),
    },
    at,
  );
}

/**
 * A post on the person's social network, as a listening connector sends it: known by the handle, which
 * Agora links to the customer who gave it at sign-up.
 */
function mention(person: Person, world: World, sentiment: Sentiment, at: number, text?: string): Message {
  const network = networkOf(person);
  if (at < END) {
    const { tally } = world;
    tally.sentiment.mentions[sentiment] += 1;
    const day = Math.floor((at - DEMO_START) / DAY);
    tally.mentionsByDay[day] ??= { positive: 0, neutral: 0, negative: 0 };
    tally.mentionsByDay[day][sentiment] += 1;
  }
  return {
    type: 'track',
    event: 'Social Mention Posted',
    anonymousId: `${network}:${person.handle}`,
    timestamp: isoTime(at),
    properties: {
      network,
      text: text ?? mentionText(person.random, sentiment),
    },
    context: { traits: { [network]: person.handle } },
  };
}

/** The incident: customers with a handle who have bought post about it within its days. */
function tellIncident(world: World, now: number): void {
  for (const person of world.people.toArray()) {
    if (!person.handle || person.purchases === 0 || !person.random.chance(INCIDENT.mentionChance)) continue;
    const at = Math.max(now, INCIDENT_START + person.random.next() * INCIDENT.days * DAY);
    world.later.push(at, mention(person, world, 'negative', at, incidentMention(person.random)));
  }
}

/**
 * Referral invitations; each friend who says yes arrives within days through the invitation link, and
 * carries the planted boost of who invited them.
 */
function refer(person: Person, world: World, count: number): Message[] {
  const messages: Message[] = [];
  const kind = person.influencer ? 'influencer' : 'other';
  for (let n = 0; n < count; n++) {
    const code = `R-${person.index}-${world.tally.social.referralsSent++}`;
    messages.push(track(person, 'Referral Sent', { referral_code: code }));
    const friends = world.friends;
    const arrival = person.at + (0.1 + friends.exponential(1 / 3)) * DAY;
    if (!friends.chance(SOCIAL.referralAccepted) || arrival >= END) continue;
    const persona = friends.pick(B2C_SHARES);
    const friend = makePerson(
      world.drawn + numbered(world.shard, ++world.friendsMade) - 1,
      PERSONAS.find((candidate) => candidate.id === persona)!,
      arrival,
      null,
      friends,
      person.random,
    );
    register(friend, world.tally);
    friend.referredBy = kind;
    friend.referralBoost = SOCIAL.referredLogOdds[kind];
    friend.inviteCode = code;
    world.tally.social.friends[kind].arrived += 1;
    if (friend.handle) world.handles.push(friend.handle);
    if (friend.influencer) world.influencers.push(friend.handle!);
    world.arrivals.push(friend);
  }
  return messages;
}

/** Referred friends are consumers: a buying committee is not formed by one invitation. */
const B2C_SHARES = Object.fromEntries(
  PERSONAS.filter((persona) => !persona.b2b).map((persona) => [persona.id, persona.share]),
);

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
    timestamp: isoTime(person.at),
    traits: {
      name: `Company ${number}`,
      industry: INDUSTRIES[number % INDUSTRIES.length],
      buying_role: account.role,
    },
  };
}

const INDUSTRIES = ['hospitality', 'retail', 'offices', 'healthcare', 'education'];

function signUp(person: Person, world: World): Message {
  person.userId = `user-${person.index}`;
  const network = networkOf(person);
  if (person.handle) follow(person, world, network);
  return {
    type: 'identify',
    userId: person.userId,
    anonymousId: person.anonymousId,
    timestamp: isoTime(person.at),
    traits: {
      email: `customer${person.index}@mail.example`,
      ...(person.account ? { company: person.account.id } : {}),
      ...(person.handle ? { [network]: person.handle } : {}),
    },
  };
}

const networkOf = (person: Person) => (person.persona.b2b ? 'linkedin' : 'instagram');

/**
 * Whom a new member with a handle follows in the month after signing up, as the network's connector
 * reports it: mostly influencers, the rest anyone with a handle.
 */
function follow(person: Person, world: World, network: string): void {
  const { random } = person;
  let count = 0;
  for (
    let time = random.exponential(SOCIAL.followsMean);
    time < 1;
    time += random.exponential(SOCIAL.followsMean)
  )
    count += 1;
  for (let n = 0; n < count; n++) {
    const pool =
      world.influencers.length > 0 && random.chance(SOCIAL.followInfluencer)
        ? world.influencers
        : world.handles;
    const followed = pool[random.int(pool.length)]!;
    if (followed === person.handle) continue;
    const at = person.at + random.next() * 30 * DAY;
    world.tally.social.follows += 1;
    world.later.push(at, {
      type: 'track',
      event: 'User Followed',
      anonymousId: `${network}:${person.handle}`,
      timestamp: isoTime(at),
      properties: { network, followed_handle: followed },
      context: { traits: { [network]: person.handle } },
    });
  }
}

function track(person: Person, event: string, properties: Record<string, unknown>, at = person.at): Message {
  return {
    type: 'track',
    event,
    ...(person.userId ? { userId: person.userId } : {}),
    anonymousId: person.anonymousId,
    timestamp: isoTime(at),
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
  const page = person.inviteCode
    ? {
        url: `${SITE}/?ref=${person.inviteCode}&utm_source=friend&utm_medium=referral&utm_campaign=refer_a_friend`,
      }
    : channelPage(channel, `${SITE}${path}`, campaign);
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
    timestamp: isoTime(person.at),
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

/**
 * `new Date(ms).toISOString()`, faster: messages come day by day, so the day's part is made once a day.
 * The time is cut to the millisecond as a Date does.
 */
const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);
let isoDay = Number.NaN;
let isoDayText = '';
function isoTime(time: number): string {
  const ms = Math.trunc(time);
  const day = Math.floor(ms / DAY);
  if (day !== isoDay) {
    isoDay = day;
    isoDayText = new Date(day * DAY).toISOString().slice(0, 11);
  }
  let rest = ms - day * DAY;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / MINUTE);
  rest -= minutes * MINUTE;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  return `${isoDayText}${two(hours)}:${two(minutes)}:${two(seconds)}.${millis < 10 ? `00${millis}` : millis < 100 ? `0${millis}` : millis}Z`;
}

/** The device (and B2B group) added to a context object made for this one message. */
function deviceContext(person: Person, context: Record<string, unknown>): Record<string, unknown> {
  context.device = { type: person.device };
  if (person.account) context.groupId = person.account.id;
  return context;
}

/**
 * Messages due later, earliest first; messages due at the same moment leave in the order they were made,
 * so that the world stays the same for the same seed.
 */
class MessageQueue {
  private readonly heap = new Heap<{ at: number; order: number; message: Message }>(
    (a, b) => a.at - b.at || a.order - b.order,
  );
  private made = 0;

  get nextAt(): number {
    return this.heap.peek()?.at ?? Number.POSITIVE_INFINITY;
  }

  push(at: number, message: Message): void {
    if (at < END) this.heap.push({ at, order: this.made++, message });
  }

  pop(): Message {
    return this.heap.pop()!.message;
  }
}
