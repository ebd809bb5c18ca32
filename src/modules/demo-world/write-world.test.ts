import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Manifest, shardsFor, worldFiles, writeWorld } from './write-world.ts';

const WORLD = { seed: 9, customers: 1500 };

describe('a demo world simulated in shards on two threads', () => {
  let dir: string;
  const written = async (name: string, shards: number) => {
    const files = worldFiles(path.join(dir, `${name}.ndjson`));
    const manifest = await writeWorld(files, WORLD, {}, shards);
    const text = (await readFile(files.events, 'utf8')) + (await readFile(files.live, 'utf8'));
    const messages = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    return { manifest, text, messages, manifestText: await readFile(files.manifest, 'utf8') };
  };
  let whole: Awaited<ReturnType<typeof written>>;
  let sharded: Awaited<ReturnType<typeof written>>;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'agora-shards-'));
    whole = await written('whole', 1);
    sharded = await written('sharded', 2);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('shards worlds of 100,000 customers and more', () => {
    expect([shardsFor(20_000), shardsFor(99_999), shardsFor(100_000), shardsFor(500_000)]).toEqual([
      1, 1, 2, 2,
    ]);
  });

  it('gives the same world for the same seed', async () => {
    const again = await written('again', 2);
    expect(again.text).toBe(sharded.text);
    expect(again.manifestText).toBe(sharded.manifestText);
  });

  it('merges the shards in time order', () => {
    const times = sharded.messages.map((message) => message.timestamp as string);
    expect(times.every((time, i) => i === 0 || times[i - 1]! <= time)).toBe(true);
  });

  it('draws the same people as the whole world, and gives each thing one number', () => {
    const drawn = (manifest: Manifest) =>
      Object.entries(manifest.customerPersonas)
        .filter(([id]) => Number(id.slice('anon-'.length)) < WORLD.customers)
        .sort();
    expect(drawn(sharded.manifest)).toEqual(drawn(whole.manifest));
    expect(sharded.manifest.realized.personas).toEqual(whole.manifest.realized.personas);
    expect(sharded.manifest.realized.accounts).toBe(whole.manifest.realized.accounts);
    const unique = (values: unknown[]) => new Set(values).size === values.length;
    const ids = (event: string, key: string) =>
      sharded.messages
        .filter((message) => message.event === event)
        .map((message) => (message.properties as Record<string, unknown>)[key]);
    expect(unique(ids('Order Completed', 'order_id'))).toBe(true);
    expect(unique(ids('Idea Submitted', 'idea_id'))).toBe(true);
    expect(unique(Object.keys(sharded.manifest.customerPersonas))).toBe(true);
  });

  it('adds up the shards’ tallies to what the messages show', () => {
    const { manifest, messages } = sharded;
    const count = (event: string) => messages.filter((message) => message.event === event).length;
    const orders = Object.values(manifest.realized.purchases).reduce(
      (sum, persona) => sum + persona.orders,
      0,
    );
    expect(manifest.realized.events).toBe(messages.length);
    expect(count('Order Completed')).toBe(orders);
    expect(count('Product Reviewed')).toBe(manifest.community.realized.reviews);
    expect(count('Idea Voted')).toBe(manifest.community.realized.votes);
    expect(count('Survey Answered')).toBe(
      Object.values(manifest.voice.realized.nps).reduce((a, b) => a + b, 0),
    );
    const { b2c, b2b } = manifest.lifecycle.realized;
    expect(b2c.people + b2b.people).toBe(Object.keys(manifest.customerPersonas).length);
    expect(Object.values(manifest.realized.personas).reduce((a, b) => a + b, 0)).toBe(WORLD.customers);
  });
});
