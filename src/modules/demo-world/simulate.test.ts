import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { classifyChannel } from '../ingestion/index.ts';
import { channelPage, emptyTally, simulateWorld, type Tally } from './simulate.ts';
import { DEMO_CHANNELS, PERSONAS } from './world-model.ts';

function run(seed: number, customers: number) {
  const tally = emptyTally();
  const hash = createHash('sha256');
  const times: number[] = [];
  for (const message of simulateWorld({ seed, customers }, tally)) {
    hash.update(JSON.stringify(message));
    times.push(Date.parse(message.timestamp as string));
  }
  return { tally, digest: hash.digest('hex'), times };
}

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

  it('tells each channel the way Agora classifies it', () => {
    for (const channel of DEMO_CHANNELS) {
      const page = channelPage(channel, 'https://shop.lumen.example/');
      expect(classifyChannel({ pageUrl: page.url, referrer: page.referrer }).channel, channel).toBe(channel);
    }
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
