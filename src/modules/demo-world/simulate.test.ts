import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { classifyChannel } from '../ingestion/index.ts';
import { channelPage, intentWeights, simulateWorld } from './simulate.ts';
import {
  type BurstStage,
  DEMO_CHANNELS,
  DEMO_START,
  INCIDENT,
  MICRO_MOMENTS,
  type NpsBand,
  PERSONAS,
  RETURNS,
} from './world-model.ts';
import { emptyTally, type Tally } from './world-tally.ts';

type Props = Record<string, unknown>;

function run(seed: number, customers: number) {
  const tally = emptyTally();
  const hash = createHash('sha256');
  const times: number[] = [];
  const followers = new Map<string, number>();
  const surveys: Array<{ userId: string; day: number; score: number }> = [];
  const invitations: string[] = [];
  for (const message of simulateWorld({ seed, customers }, tally)) {
    hash.update(JSON.stringify(message));
    const time = Date.parse(message.timestamp as string);
    times.push(time);
    const properties = (message.properties ?? {}) as Props;
    if (message.event === 'User Followed') {
      const handle = properties.followed_handle as string;
      followers.set(handle, (followers.get(handle) ?? 0) + 1);
    }
    if (message.event === 'Survey Answered')
      surveys.push({
        userId: message.userId as string,
        day: (time - DEMO_START) / 86_400_000,
        score: properties.score as number,
      });
    const url = ((message.context as Props | undefined)?.page as Props | undefined)?.url as
      | string
      | undefined;
    if (url?.includes('?ref=')) invitations.push(url);
  }
  return { tally, digest: hash.digest('hex'), times, followers, surveys, invitations };
}

/** |observed share − planted share| within four standard deviations of a share of n draws. */
function expectShare(observed: number, n: number, planted: number, label: string) {
  expect(n, label).toBeGreaterThan(0);
  const sd = Math.sqrt((planted * (1 - planted)) / n);
  expect(Math.abs(observed / n - planted), label).toBeLessThanOrEqual(4 * sd + 1e-9);
}

const shares = <K extends string>(weights: Record<K, number>) => {
  const total = Object.values<number>(weights).reduce((a, b) => a + b, 0);
  return Object.entries<number>(weights).map(([key, weight]) => [key as K, weight / total] as const);
};

describe('the demo world simulation', () => {
  const world = run(11, 6000);
  const { tally } = world;

  it('is the same for the same seed, and another for another seed', () => {
    expect(run(11, 500).digest).toBe(run(11, 500).digest);
    expect(run(12, 500).digest).not.toBe(run(11, 500).digest);
  });

  it('sends its messages in time order', () => {
    expect(world.times.every((time, index) => index === 0 || time >= world.times[index - 1]!)).toBe(true);
    expect(tally.events).toBe(world.times.length);
  });

  it('gives each planted persona its share of customers', () => {
    for (const persona of PERSONAS) {
      const share = (tally.personas[persona.id] ?? 0) / 6000;
      // Binomial with n = 6,000: four standard deviations are at most 0.026.
      expect(Math.abs(share - persona.share)).toBeLessThan(0.026);
    }
  });

  it('moves people between stages at the planted rates', () => {
    for (const [segment, cells] of Object.entries(tally.transitions)) {
      const total = sum(Object.values(cells));
      // The moves are independent Bernoulli draws: within four standard deviations of their expectation.
      expect(Math.abs(total.moves - total.expected), segment).toBeLessThan(4 * Math.sqrt(total.expected) + 1);
    }
    // The planted order of effects shows in the data: email moves people more than display, which beats
    // the no-effect channels.
    const awareness = tally.transitions['b2c:awareness']!;
    const rate = (channel: string) => awareness[channel]!.moves / awareness[channel]!.touches;
    expect(rate('email')).toBeGreaterThan(rate('display'));
    expect(rate('display')).toBeGreaterThan(rate('direct') - 0.01);
  });

  it('draws purchase rates, drop-out and spend from each persona’s planted distributions', () => {
    for (const persona of PERSONAS) {
      const stats = tally.purchases[persona.id]!;
      const { r, alpha, a, b } = persona.purchase;
      const lambdaSd = Math.sqrt(r) / alpha / Math.sqrt(stats.buyers);
      expect(Math.abs(stats.lambdaSum / stats.buyers - r / alpha), persona.id).toBeLessThan(4 * lambdaSd);
      const dropoutSd = Math.sqrt((a * b) / ((a + b) ** 2 * (a + b + 1))) / Math.sqrt(stats.buyers);
      expect(Math.abs(stats.dropoutSum / stats.buyers - a / (a + b)), persona.id).toBeLessThan(4 * dropoutSd);
      expect(Math.abs(stats.spend / stats.orders / persona.spend.mean - 1), persona.id).toBeLessThan(0.2);
    }
  });

  it('splits the experiment evenly and converts the exposed more often', () => {
    const { exposed, holdout, exposedConverted, holdoutConverted } = tally.experiment;
    expect(Math.abs(exposed - holdout)).toBeLessThan(4 * Math.sqrt(exposed + holdout));
    expect(exposedConverted / exposed).toBeGreaterThan(holdoutConverted / holdout);
  });

  it('tells each channel the way Agora classifies it, and a friend’s invitation link as a referral', () => {
    for (const channel of DEMO_CHANNELS) {
      const page = channelPage(channel, 'https://shop.lumen.example/');
      expect(classifyChannel({ pageUrl: page.url, referrer: page.referrer }).channel, channel).toBe(channel);
    }
    expect(world.invitations.length).toBe(
      tally.social.friends.influencer.arrived + tally.social.friends.other.arrived,
    );
    expect(classifyChannel({ pageUrl: world.invitations[0] }).channel).toBe('referral');
  });

  it('draws what customers do between purchases from each persona’s planted behaviour mix', () => {
    for (const persona of PERSONAS) {
      const counts = tally.behaviours[persona.id]!;
      const n = Object.values(counts).reduce((a, b) => a + b, 0);
      for (const [behaviour, planted] of shares(persona.behaviourMix))
        expectShare(counts[behaviour], n, planted, `${persona.id} ${behaviour}`);
    }
  });

  it('makes influencers the most followed, and their friends the likeliest to buy', () => {
    const influencers = new Set(tally.social.influencers.map((influencer) => influencer.handle));
    const mean = (chosen: boolean) => {
      const counts = [...world.followers].filter(([handle]) => influencers.has(handle) === chosen);
      return (
        counts.reduce((total, [, n]) => total + n, 0) / (chosen ? influencers.size : tally.social.handles)
      );
    };
    expect(mean(true)).toBeGreaterThan(10 * mean(false));
    const { influencer, other } = tally.social.friends;
    expect(influencer.arrived).toBeGreaterThan(30);
    expect(influencer.buyers / influencer.arrived).toBeGreaterThan(other.buyers / other.arrived + 0.1);
  });

  it('answers surveys from each persona’s planted satisfaction, and mostly as detractors in the incident', () => {
    const personaOf = new Map(
      tally.customers.map(([anonymousId, persona]) => [anonymousId.slice(5), persona]),
    );
    const band = (score: number): NpsBand => (score <= 6 ? 'detractor' : score <= 8 ? 'passive' : 'promoter');
    const inIncident = (day: number) => day >= INCIDENT.day && day < INCIDENT.day + INCIDENT.days;
    for (const persona of PERSONAS) {
      const answers = world.surveys.filter(
        (survey) => !inIncident(survey.day) && personaOf.get(survey.userId.slice(5)) === persona.id,
      );
      for (const [name, planted] of shares(persona.satisfaction.nps))
        expectShare(
          answers.filter((answer) => band(answer.score) === name).length,
          answers.length,
          planted,
          `${persona.id} ${name}`,
        );
    }
    const incident = world.surveys.filter((survey) => inIncident(survey.day));
    expect(incident.length).toBeGreaterThan(5);
    expect(
      incident.filter((answer) => band(answer.score) === 'detractor').length / incident.length,
    ).toBeGreaterThan(0.6);
  });

  it('posts a burst of negative mentions on the incident days', () => {
    const day = (d: number) => tally.mentionsByDay[d] ?? { positive: 0, neutral: 0, negative: 0 };
    const total = (d: number) => day(d).positive + day(d).neutral + day(d).negative;
    const incidentDays = Array.from({ length: INCIDENT.days }, (_, i) => INCIDENT.day + i);
    const before = Array.from({ length: 30 }, (_, i) => INCIDENT.day - 30 + i);
    const perDay = (days: number[]) => days.reduce((sum, d) => sum + total(d), 0) / days.length;
    expect(perDay(incidentDays)).toBeGreaterThan(5 * perDay(before));
    const negative = incidentDays.reduce((sum, d) => sum + day(d).negative, 0);
    expect(negative / (perDay(incidentDays) * INCIDENT.days)).toBeGreaterThan(0.8);
  });

  it('brings back the planted share of customers who leave', () => {
    expectShare(tally.comingBack, tally.left, RETURNS.share, 'coming back');
    expect(tally.returned.length).toBeGreaterThan(0);
    expect(tally.returned.length).toBeLessThanOrEqual(tally.comingBack);
  });

  it('opens micro-moments with intents in their planted proportions, kept to those that fit the stage', () => {
    for (const stage of Object.keys(MICRO_MOMENTS.intentsByStage) as BurstStage[]) {
      const bursts = tally.microMoments[stage];
      const n = Object.values(bursts).reduce((a, b) => a + b, 0);
      for (const [intent, planted] of shares(intentWeights(stage)))
        expectShare(bursts[intent], n, planted, `${stage}: ${intent}`);
    }
  });

  it('shows in its messages the stages the model took people to', () => {
    const lifecycle = tally.lifecycle.summary();
    for (const segment of ['b2c', 'b2b'] as const) {
      const { reached, modelReached, people } = lifecycle[segment];
      expect(reached[0], segment).toBe(people);
      // A move shows at the next touchpoint: missing only for the few who gave up at once or ran out of time.
      for (const stage of [1, 2]) {
        expect(reached[stage]!, `${segment} ${stage}`).toBeLessThanOrEqual(modelReached[stage]!);
        expect(reached[stage]!, `${segment} ${stage}`).toBeGreaterThan(0.95 * modelReached[stage]!);
      }
      // A first purchase is its own message.
      expect(reached[3], segment).toBe(modelReached[3]);
    }
    // Business buyers take longer, with more touchpoints, more of them seeking information.
    expect(lifecycle.b2b.medianDaysToFirstPurchase!).toBeGreaterThan(
      lifecycle.b2c.medianDaysToFirstPurchase! + 10,
    );
    expect(lifecycle.b2b.meanTouchesToFirstPurchase!).toBeGreaterThan(
      lifecycle.b2c.meanTouchesToFirstPurchase!,
    );
    expect(lifecycle.b2b.informationSeekingShare!).toBeGreaterThan(
      lifecycle.b2c.informationSeekingShare! + 0.05,
    );
  });
});

function sum(cells: Array<Tally['transitions'][string][string]>) {
  return cells.reduce(
    (total, cell) => ({
      touches: total.touches + cell.touches,
      moves: total.moves + cell.moves,
      expected: total.expected + cell.expected,
    }),
    { touches: 0, moves: 0, expected: 0 },
  );
}
