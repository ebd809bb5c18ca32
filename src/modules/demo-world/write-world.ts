/**
 * Writes a demo world to files: its events as NDJSON in the tracking API's shape (the history, for bulk
 * import, and the last 30 days, sent live through the tracking API), its catalogue (products, content) as
 * NDJSON for `agora import`, and the manifest of its planted truth as JSON.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Worker } from 'node:worker_threads';
import { AppError, appErrorFrom } from '../../platform/errors/app-error.ts';
import { messagesFrom, startWorker } from '../../platform/workers/run-worker.ts';
import { summariseLifecycle } from './lifecycle-truth.ts';
import { createRandom } from './random.ts';
import { CONTENT_COUNT, type Message, PRODUCT_COUNT, type Shard, simulateWorld } from './simulate.ts';
import {
  BASE_LOG_ODDS,
  BEHAVIOUR_EVENTS,
  CHANNEL_EFFECTS,
  COMMUNITY,
  COUPON_AT_THE_END,
  DEMO_DAYS,
  DEMO_START,
  EXPERIMENT,
  FORMAT_EFFECTS,
  FORMATS,
  GIVE_UP,
  INCIDENT,
  MARKETING_COSTS,
  MICRO_MOMENTS,
  NO_EFFECT_CHANNELS,
  PERSONAS,
  PRE_PURCHASE_VISIT,
  RETURNS,
  SOCIAL,
  STAGES,
  VOICE,
} from './world-model.ts';
import { addTallies, countsOf, emptyTally, type TallyCounts } from './world-tally.ts';

export interface DemoOptions {
  seed: number;
  customers: number;
}

/** The world's last days arrive as a live site's would: through the tracking API. */
export const LIVE_DAYS = 30;
const LIVE_FROM = DEMO_START + (DEMO_DAYS - LIVE_DAYS) * 86_400_000;

export interface WorldFiles {
  events: string;
  live: string;
  products: string;
  content: string;
  costs: string;
  manifest: string;
}

/**
 * `world.ndjson` → world.ndjson, world.live.ndjson, world.products.ndjson, world.content.ndjson,
 * world.costs.ndjson, world.manifest.json.
 */
export function worldFiles(eventsFile: string): WorldFiles {
  const base = eventsFile.replace(/\.(ndjson|jsonl)$/, '');
  return {
    events: eventsFile,
    live: `${base}.live.ndjson`,
    products: `${base}.products.ndjson`,
    content: `${base}.content.ndjson`,
    costs: `${base}.costs.ndjson`,
    manifest: `${base}.manifest.json`,
  };
}

/** What the generating worker tells the loader (generate.worker.ts). */
export type GenerationEvent =
  | { type: 'progress'; events: number; days: number }
  | { type: 'catalogue' }
  | { type: 'part'; file: string }
  | { type: 'done'; manifest: Manifest }
  | { type: 'error'; error: { code: string; message: string } };

export interface WriteListener {
  progress?(events: number, simulatedDays: number): void;
  /** The catalogue files are written (before any event). */
  catalogue?(): void;
  /**
   * With `historyPart` set, the history is written in parts of about that many messages
   * (`world.part-0001.ndjson`, …) instead of one file, each announced once complete: a loader can import one
   * part while the next is being simulated.
   */
  historyPart?: { messages: number; written(file: string): void };
}

export async function writeWorld(
  files: WorldFiles,
  options: DemoOptions,
  listener: WriteListener = {},
  shards = shardsFor(options.customers),
): Promise<Manifest> {
  const parts = listener.historyPart;
  let part = 1;
  let history = await openForWriting(parts ? historyPartFile(files, part) : files.events);
  let inPart = 0;
  const live = await openForWriting(files.live);
  await writeFile(files.products, catalogue(options.seed, 'products').join('\n'));
  await writeFile(files.content, catalogue(options.seed, 'content').join('\n'));
  await writeFile(files.costs, marketingCosts(options.customers).join('\n'));
  listener.catalogue?.();
  let out = history;
  let lines: string[] = [];
  let messages = 0;
  let liveMessages = 0;
  const flush = async () => {
    if (lines.length > 0) await write(out, `${lines.join('\n')}\n`);
    lines = [];
  };
  const endPart = async () => {
    await flush();
    await close(history);
    parts?.written(historyPartFile(files, part));
  };
  // Times are ISO texts of one format, which sort as the times do: no parsing per message.
  const liveFrom = new Date(LIVE_FROM).toISOString();
  const world = shards === 1 ? simulateHere(options) : simulateOnThreads(options, shards);
  for await (const batch of world.batches) {
    for (let i = 0; i < batch.lines.length; i++) {
      // Messages come in time order: once the live days start, everything after is live.
      if (out === history && batch.times[i]! >= liveFrom) {
        await (parts ? endPart() : flush());
        out = live;
      }
      if (out === live) liveMessages += 1;
      else if (parts && ++inPart > parts.messages) {
        await endPart();
        part += 1;
        inPart = 1;
        history = await openForWriting(historyPartFile(files, part));
        out = history;
      }
      lines.push(batch.lines[i]!);
    }
    await flush();
    messages += batch.lines.length;
    const at = Date.parse(batch.times[batch.times.length - 1]!);
    listener.progress?.(messages, (at - DEMO_START) / 86_400_000);
  }
  if (out === history && parts) await endPart();
  await flush();
  for (const stream of parts ? [live] : [history, live]) await close(stream);
  const manifest = manifestOf(options, world.tally(), liveMessages);
  await writeFile(files.manifest, JSON.stringify(manifest, null, 1));
  return manifest;
}

/** Worlds this large are simulated in two shards on two threads; the shard count is part of the world. */
const SHARDED_FROM = 100_000;

export function shardsFor(customers: number): number {
  return customers >= SHARDED_FROM ? 2 : 1;
}

/** The world's messages as NDJSON lines in time order, a batch at a time; then what the simulation counted. */
interface SimulatedWorld {
  batches: Iterable<LineBatch> | AsyncIterable<LineBatch>;
  tally(): TallyCounts;
}

/** Lines, each beside its message's time. */
interface LineBatch {
  times: string[];
  lines: string[];
}

/** What a shard's thread tells the writer (simulate.worker.ts). */
export type ShardEvent =
  | ({ type: 'batch' } & LineBatch)
  | { type: 'done'; tally: TallyCounts }
  | { type: 'error'; error: { code: string; message: string } };

const BATCH_LINES = 2000;
/** Batches a shard may send before the writer has read them. */
const BATCHES_AHEAD = 8;
const SIMULATE_WORKER = new URL('./simulate.worker.ts', import.meta.url);

/** Messages as NDJSON lines beside their times, `size` at a time. */
export function* lineBatches(messages: Iterable<Message>, size = BATCH_LINES): Generator<LineBatch> {
  let batch: LineBatch = { times: [], lines: [] };
  for (const message of messages) {
    batch.times.push(message.timestamp as string);
    batch.lines.push(JSON.stringify(message));
    if (batch.lines.length === size) {
      yield batch;
      batch = { times: [], lines: [] };
    }
  }
  if (batch.lines.length > 0) yield batch;
}

/** The whole world simulated on this thread. */
function simulateHere(options: DemoOptions): SimulatedWorld {
  const tally = emptyTally();
  return { batches: lineBatches(simulateWorld(options, tally)), tally: () => countsOf(tally) };
}

/** Each shard simulated on a thread of its own, their lines merged by time (ties: the lower shard first). */
function simulateOnThreads(options: DemoOptions, shards: number): SimulatedWorld {
  const tallies: TallyCounts[] = [];
  async function* batches(): AsyncGenerator<LineBatch> {
    const feeds = Array.from({ length: shards }, (_, index) => new ShardFeed(options, { index, of: shards }));
    try {
      let merged: LineBatch = { times: [], lines: [] };
      for (;;) {
        let earliest: ShardFeed | null = null;
        for (const feed of feeds) {
          if (!(feed.hasLine() || (await feed.fill()))) continue;
          if (!earliest || feed.time() < earliest.time()) earliest = feed;
        }
        if (!earliest) break;
        merged.times.push(earliest.time());
        merged.lines.push(earliest.take());
        if (merged.lines.length === BATCH_LINES) {
          yield merged;
          merged = { times: [], lines: [] };
        }
      }
      if (merged.lines.length > 0) yield merged;
      for (const feed of feeds) tallies.push(feed.tally!);
    } finally {
      await Promise.all(feeds.map((feed) => feed.stop()));
    }
  }
  return { batches: batches(), tally: () => tallies.reduce(addTallies) };
}

/** One shard's thread, read a batch at a time. */
class ShardFeed {
  private readonly worker: Worker;
  private readonly events: AsyncGenerator<ShardEvent>;
  private batch: LineBatch = { times: [], lines: [] };
  private position = 0;
  tally: TallyCounts | null = null;

  constructor(options: DemoOptions, shard: Shard) {
    this.worker = startWorker(SIMULATE_WORKER, {
      options,
      shard,
      batch: BATCH_LINES,
      ahead: BATCHES_AHEAD,
    });
    this.events = messagesFrom<ShardEvent>(
      this.worker,
      (event) => event.type !== 'batch',
      `Shard ${shard.index + 1} of the demo world's simulation`,
    );
  }

  hasLine(): boolean {
    return this.position < this.batch.lines.length;
  }

  time(): string {
    return this.batch.times[this.position]!;
  }

  take(): string {
    return this.batch.lines[this.position++]!;
  }

  /** Reads the next batch; false once the shard is done. */
  async fill(): Promise<boolean> {
    if (this.tally) return false;
    const { value: event } = await this.events.next();
    if (!event) throw new AppError('INTERNAL', "The demo world's simulation ended without its tally.");
    if (event.type === 'error') throw appErrorFrom(event.error);
    if (event.type === 'done') {
      this.tally = event.tally;
      return false;
    }
    this.worker.postMessage('read');
    this.batch = event;
    this.position = 0;
    return this.hasLine();
  }

  async stop(): Promise<void> {
    await this.events.return(undefined);
    await this.worker.terminate();
  }
}

/** `world.ndjson`, part 3 → `world.part-0003.ndjson`. */
export function historyPartFile(files: WorldFiles, part: number): string {
  return `${files.events.replace(/\.(ndjson|jsonl)$/, '')}.part-${String(part).padStart(4, '0')}.ndjson`;
}

function close(stream: WriteStream): Promise<void> {
  return new Promise<void>((resolve, reject) =>
    stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

/** A bad --out path is answered before any work, not with a stack trace. */
function openForWriting(file: string): Promise<WriteStream> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(file);
    out.once('open', () => resolve(out));
    out.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new AppError(
          'INVALID_INPUT',
          `Cannot write ${file} (${error.code ?? error.message}); choose another --out path.`,
        ),
      ),
    );
  });
}

/** Resolves when the stream takes more; rejects if writing fails (a full disk). */
function write(out: WriteStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const more = out.write(text, (error) => {
      if (error) reject(error);
      else if (!more) resolve();
    });
    if (more) resolve();
  });
}

const PRODUCT_LINES = ['pendant', 'desk lamp', 'floor lamp', 'wall light', 'smart bulb', 'light strip'];

/** The products and guides the events point at (P-1…, C-1…), as import records. */
function catalogue(seed: number, kind: 'products' | 'content'): string[] {
  const random = createRandom(`${seed}/${kind}`);
  if (kind === 'products') {
    return Array.from({ length: PRODUCT_COUNT }, (_, i) => {
      const line = PRODUCT_LINES[i % PRODUCT_LINES.length]!;
      return JSON.stringify({
        product_id: `P-${i + 1}`,
        name: `Lumen ${line} ${i + 1}`,
        category: line,
        price: Math.round((15 + random.gamma(2, 40)) * 100) / 100,
        currency: 'USD',
      });
    });
  }
  return Array.from({ length: CONTENT_COUNT }, (_, i) => {
    const format = FORMATS[i % FORMATS.length]!;
    return JSON.stringify({
      content_id: `C-${i + 1}`,
      title: `Guide ${i + 1}: lighting ${['a kitchen', 'an office', 'a shop', 'a hotel lobby'][i % 4]}`,
      format,
      url: `https://shop.lumen.example/guides/${i + 1}`,
      stage_tags: ['consideration'],
    });
  });
}

/** One `costs` import line per channel and calendar month of the world (MARKETING_COSTS). */
export function marketingCosts(customers: number): string[] {
  const lines: string[] = [];
  const end = DEMO_START + DEMO_DAYS * 86_400_000;
  for (let month = new Date(DEMO_START); ; ) {
    const next = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1));
    if (next.getTime() > end) break;
    for (const [objective, channels] of Object.entries(MARKETING_COSTS))
      for (const [channel, perThousand] of Object.entries(channels))
        lines.push(
          JSON.stringify({
            objective,
            channel,
            from: month.toISOString().slice(0, 10),
            to: next.toISOString().slice(0, 10),
            amount: Math.round((perThousand * customers) / 10) / 100,
            currency: 'USD',
          }),
        );
    month = next;
  }
  return lines;
}

export type Manifest = ReturnType<typeof manifestOf>;

function manifestOf(options: DemoOptions, tally: TallyCounts, liveMessages: number) {
  const rate = (converted: number, of: number) => (of === 0 ? null : converted / of);
  const exposedRate = rate(tally.experiment.exposedConverted, tally.experiment.exposed);
  const holdoutRate = rate(tally.experiment.holdoutConverted, tally.experiment.holdout);
  return {
    company: 'Lumen & Co: lighting for homes (B2C) and for hotels, shops and offices (B2B)',
    seed: options.seed,
    customers: options.customers,
    start: new Date(DEMO_START).toISOString(),
    days: DEMO_DAYS,
    /** The last days' messages (world.live.ndjson) are sent through the tracking API, the rest imported. */
    live: { days: LIVE_DAYS, from: new Date(LIVE_FROM).toISOString(), messages: liveMessages },
    personas: PERSONAS,
    stageModel: {
      description:
        'At each touchpoint before the first purchase, P(move to the next stage) = sigmoid(base[segment][stage] + ' +
        'channelEffect[channel] + formatEffect[format, in consideration] + experimentEffect[while exposed])',
      baseLogOdds: BASE_LOG_ODDS,
      channelEffects: CHANNEL_EFFECTS,
      formatEffects: FORMAT_EFFECTS,
      noEffectChannels: NO_EFFECT_CHANNELS,
      prePurchaseVisit: PRE_PURCHASE_VISIT,
      couponAtTheEnd: COUPON_AT_THE_END,
      giveUpPerTouch: GIVE_UP,
    },
    costs: {
      description:
        'Marketing spend a month per 1,000 customers of the world, by objective and channel, one costs line per calendar month',
      perThousandCustomersPerMonth: MARKETING_COSTS,
    },
    lifecycle: {
      description:
        'Per segment: people who entered each stage as their messages show it (the earliest funnel signal of the ' +
        "stage or a later one, by Agora's default taxonomy), people the model took to each stage, and days " +
        'from first touch to first purchase',
      stages: STAGES,
      realized: summariseLifecycle(tally.lifecycle),
    },
    experiment: {
      ...EXPERIMENT,
      realized: {
        ...tally.experiment,
        exposedRate,
        holdoutRate,
        lift: exposedRate !== null && holdoutRate !== null ? exposedRate - holdoutRate : null,
      },
    },
    behaviours: {
      description:
        "Between purchases each touchpoint shows one behaviour, drawn from the persona's behaviourMix; the events of each behaviour are listed",
      events: BEHAVIOUR_EVENTS,
      realized: tally.behaviours,
    },
    social: {
      ...SOCIAL,
      description:
        'People with a handle (a share per persona) follow others, mostly influencers; referred friends arrive through the invitation link and add referredLogOdds to every stage move',
      realized: tally.social,
    },
    voice: {
      description:
        'Reviews, social mentions and NPS answers; tone follows the persona satisfaction (ratings 4-5 positive, 3 neutral, 1-2 negative; promoters positive, passives neutral, detractors negative)',
      ...VOICE,
      incident: {
        ...INCIDENT,
        date: new Date(DEMO_START + INCIDENT.day * 86_400_000).toISOString().slice(0, 10),
      },
      realized: {
        sentiment: tally.sentiment,
        nps: tally.nps,
        mentionsByDay: tally.mentionsByDay,
      },
    },
    microMoments: { ...MICRO_MOMENTS, realized: tally.microMoments },
    community: { ...COMMUNITY, realized: tally.community },
    returns: {
      ...RETURNS,
      description:
        'After a BG/NBD drop-out a customer comes back once with this share, after an exponential gap, through the win-back email',
      left: tally.left,
      comingBack: tally.comingBack,
      /** User ids of those who came back before the end. */
      returned: tally.returned,
    },
    realized: {
      events: tally.events,
      accounts: tally.accounts,
      personas: tally.personas,
      transitions: tally.transitions,
      purchases: tally.purchases,
    },
    /** Each customer's persona, by anonymous id (`anon-<n>`; the same person signs up as `user-<n>`). */
    customerPersonas: Object.fromEntries(tally.customers),
  };
}
