/**
 * Journey paths under any range and audience, from every touchpoint of all time held in memory. A path is
 * cut from the touchpoints in the range, so it changes with the range, and reading it means sorting the
 * range's touchpoints by customer and time; held in that order once per change of the data
 * (db/kept-reads.ts: in a server on DuckDB), each customer's path for any range, audience, anchor, depth or
 * touchpoints left out is a short walk from where the range begins. Elsewhere each Sankey is read on its own
 * (journey-paths.query.ts), and this walk follows the same steps as that SQL.
 */
import type { Database } from '../../platform/db/database.ts';
import { epochSeconds } from '../../platform/db/portable-sql.ts';
import { firstAtOrAfter } from '../../platform/numeric/sorted.ts';
import { pass } from '../../platform/workers/pass-lanes.ts';
import { sharedArray, sharedFrom } from '../../platform/workers/shared-arrays.ts';
import type { Audience } from '../lifecycle/index.ts';
import { STEP_SEPARATOR } from './compute-journey-paths.ts';
import type { PathQuery } from './journeys.schema.ts';

type Indexes = Uint16Array | Int32Array;

/** Every touchpoint (track, page, screen) of a workspace, by customer, then time, then message id. */
export interface HeldTouches {
  customers: Int32Array;
  /** The touchpoints of customers[c] are [starts[c], starts[c + 1]). */
  starts: Int32Array;
  /** Seconds since the epoch. */
  at: Float64Array;
  /** Indexes into `names` and `channels` (a touchpoint without a channel is "(none)", as a path names it). */
  names: Indexes;
  channels: Indexes;
  nameTexts: string[];
  channelTexts: string[];
  /**
   * Per anchor ("event:" or "channel:" and its label's index), where each customer first met it, -1 where
   * they never did: made when first asked for (holdAnchor), so that a walk skips the touchpoints before it.
   */
  anchors: Map<string, Int32Array>;
}

const TOUCHES = "FROM events WHERE workspace_id = $1 AND type IN ('track', 'page', 'screen')";
const NAMES = `SELECT DISTINCT name AS text ${TOUCHES}`;
const CHANNELS = `SELECT DISTINCT coalesce(channel, '(none)') AS text ${TOUCHES}`;
const numbered = (texts: string) =>
  `SELECT text, row_number() OVER (ORDER BY text) - 1 AS position FROM (${texts}) AS texts`;

export async function readHeldTouches(db: Database, workspaceId: number): Promise<HeldTouches> {
  const texts = () =>
    Promise.all([
      db.query<{ text: string }>(`${NAMES} ORDER BY text`, [workspaceId]),
      db.query<{ text: string }>(`${CHANNELS} ORDER BY text`, [workspaceId]),
    ]).then((lists) => lists.map((rows) => rows.map((row) => row.text)));
  // The texts are numbered in the query and listed apart: while they are the same before and after it, the
  // numbers are theirs. A name or channel first seen meanwhile is rare; then the touchpoints are read again.
  for (let before = await texts(); ; ) {
    const matrix = await db.queryMatrix(
      `SELECT e.customer_id, ${epochSeconds('e.occurred_at')} AS at, n.position AS name, c.position AS channel
       FROM events e
       JOIN (${numbered(NAMES)}) AS n ON n.text = e.name
       JOIN (${numbered(CHANNELS)}) AS c ON c.text = coalesce(e.channel, '(none)')
       WHERE e.workspace_id = $1 AND e.type IN ('track', 'page', 'screen')
       ORDER BY e.customer_id, e.occurred_at, e.message_id`,
      [workspaceId],
    );
    const after = await texts();
    if (JSON.stringify(after) === JSON.stringify(before))
      return toColumns(matrix.values, matrix.rows, after[0]!, after[1]!);
    before = after;
  }
}

function toColumns(values: Float64Array, rows: number, nameTexts: string[], channelTexts: string[]) {
  const indexes = (texts: string[]) =>
    texts.length <= 0xffff ? sharedArray(Uint16Array, rows) : sharedArray(Int32Array, rows);
  const touches = {
    at: sharedArray(Float64Array, rows),
    names: indexes(nameTexts),
    channels: indexes(channelTexts),
    nameTexts,
    channelTexts,
  };
  const customers: number[] = [];
  const starts: number[] = [];
  for (let i = 0; i < rows; i++) {
    const customer = values[i * 4]!;
    if (customer !== customers[customers.length - 1]) {
      customers.push(customer);
      starts.push(i);
    }
    touches.at[i] = values[i * 4 + 1]!;
    touches.names[i] = values[i * 4 + 2]!;
    touches.channels[i] = values[i * 4 + 3]!;
  }
  starts.push(rows);
  return {
    ...touches,
    customers: sharedFrom(Int32Array, customers),
    starts: sharedFrom(Int32Array, starts),
    anchors: new Map<string, Int32Array>(),
  };
}

/** The labels a query's paths are made of, their texts, and its anchor's index among them (-1 if none). */
function labelsOf(held: HeldTouches, query: PathQuery) {
  const [labels, texts] =
    query.by === 'channel' ? [held.channels, held.channelTexts] : [held.names, held.nameTexts];
  return { labels, texts, anchor: texts.indexOf((query.start ?? query.end)!) };
}

/**
 * Where each customer first met the query's anchor, -1 where they never did (null when no one did), made
 * when first asked for and held with the touchpoints: asked for before a walk on another thread, so that it
 * is made once.
 */
export function holdAnchor(held: HeldTouches, query: PathQuery): Int32Array | null {
  const { labels, anchor } = labelsOf(held, query);
  if (anchor < 0) return null;
  const key = `${query.by}:${anchor}`;
  const found = held.anchors.get(key);
  if (found) return found;
  const firsts = sharedArray(Int32Array, held.customers.length).fill(-1);
  for (let c = 0; c < held.customers.length; c++) {
    const end = held.starts[c + 1]!;
    for (let i = held.starts[c]!; i < end; i++)
      if (labels[i] === anchor) {
        firsts[c] = i;
        break;
      }
  }
  held.anchors.set(key, firsts);
  return firsts;
}

/** One customer's touchpoints in a range, [first, end), as the walk reads them. */
interface InRange {
  first: number;
  end: number;
  /** Where to look for the anchor: no touchpoint before it has the anchor's label. */
  anchorFrom: number;
  at: Float64Array;
  labels: Indexes;
  names: Indexes;
  /** 1 for a name left out of paths, by name index; null when none is. */
  leftOut: Uint8Array | null;
}

/**
 * The customers on each path (labels joined by STEP_SEPARATOR), each kept customer's path as
 * buildJourneyPathsSql finds it: the touchpoints in [from, to) but those left
 * out, from (or up to) the first time the customer did the anchor in them, a repeat of the label just before
 * counted once, `depth` steps from the anchor (or to it).
 */
export function walkPaths(
  held: HeldTouches,
  query: PathQuery,
  members: Audience | null,
): Map<string, number> {
  const { labels, texts, anchor } = labelsOf(held, query);
  const firsts = holdAnchor(held, query);
  const ignored = query.ignore.map((name) => held.nameTexts.indexOf(name)).filter((name) => name >= 0);
  const leftOut = ignored.length ? new Uint8Array(held.nameTexts.length) : null;
  for (const name of ignored) leftOut![name] = 1;
  const from = query.from ? query.from.getTime() / 1000 : Number.NEGATIVE_INFINITY;
  const to = query.to ? query.to.getTime() / 1000 : Number.POSITIVE_INFINITY;
  // A path is counted under a number, its labels as digits (label + 1, so that a shorter path differs),
  // when every path of `depth` labels has one: a string per customer would cost more than the walk.
  const base = texts.length + 1;
  const numbered = base ** query.depth <= Number.MAX_SAFE_INTEGER;
  const customersByKey = new Map<number | string, number>();
  const steps = new Int32Array(query.depth);
  const touches: InRange = {
    first: 0,
    end: 0,
    anchorFrom: 0,
    at: held.at,
    labels,
    names: held.names,
    leftOut,
  };
  for (let c = 0; firsts && c < held.customers.length; c++) {
    if (firsts[c]! < 0 || (members && !members.has(held.customers[c]!))) continue;
    touches.first = firstAtOrAfter(held.at, from, held.starts[c]!, held.starts[c + 1]!);
    touches.end = firstAtOrAfter(held.at, to, touches.first, held.starts[c + 1]!);
    touches.anchorFrom = Math.max(touches.first, firsts[c]!);
    const count = query.start ? stepsFrom(touches, anchor, steps) : stepsTo(touches, anchor, steps);
    if (count < 0) continue;
    let key: number | string = 0;
    if (numbered) for (let step = count - 1; step >= 0; step--) key = key * base + steps[step]! + 1;
    else key = [...steps.subarray(0, count)].join(',');
    customersByKey.set(key, (customersByKey.get(key) ?? 0) + 1);
  }
  const customersByPath = new Map<string, number>();
  for (const [key, customers] of customersByKey) {
    const path: string[] = [];
    if (typeof key === 'string') path.push(...key.split(',').map((label) => texts[Number(label)]!));
    else for (let rest = key; rest > 0; rest = Math.floor(rest / base)) path.push(texts[(rest % base) - 1]!);
    customersByPath.set(path.join(STEP_SEPARATOR), customers);
  }
  return customersByPath;
}

const isLeftOut = (touches: InRange, i: number) => touches.leftOut?.[touches.names[i]!] === 1;

/** The first touchpoint in range, not left out, with the anchor's label; -1 if none. */
function firstAnchor(touches: InRange, anchor: number): number {
  for (let i = touches.anchorFrom; i < touches.end; i++)
    if (touches.labels[i] === anchor && !isLeftOut(touches, i)) return i;
  return -1;
}

/**
 * From the anchor: the touchpoints from its time on (with any at the same time before it), a repeat of the
 * label before counted once, up to `steps.length` labels from the first anchor among them, written into
 * `steps`; how many, or -1 where the anchor is not in range.
 */
function stepsFrom(touches: InRange, anchor: number, steps: Int32Array): number {
  const at = firstAnchor(touches, anchor);
  if (at < 0) return -1;
  let count = 0;
  let previous = -1;
  for (let i = firstAtOrAfter(touches.at, touches.at[at]!, touches.first, at); i < touches.end; i++) {
    if (isLeftOut(touches, i) || touches.labels[i] === previous) continue;
    previous = touches.labels[i]!;
    if (count > 0 || previous === anchor) steps[count++] = previous;
    if (count === steps.length) break;
  }
  return count;
}

/**
 * To the anchor: the touchpoints in range up to its first time, a repeat of the label before counted once,
 * the last `steps.length` labels, ending with the first anchor among them, written into `steps`; how many,
 * or -1 where the anchor is not in range.
 */
function stepsTo(touches: InRange, anchor: number, steps: Int32Array): number {
  const at = firstAnchor(touches, anchor);
  if (at < 0) return -1;
  // Every label up to the anchor, each written over the one `depth` before it: the last `depth` remain.
  const depth = steps.length;
  let count = 0;
  let previous = -1;
  for (let i = touches.first; i <= at; i++) {
    if (isLeftOut(touches, i) || touches.labels[i] === previous) continue;
    previous = touches.labels[i]!;
    steps[count++ % depth] = previous;
  }
  if (count <= depth) return count;
  const last = [...steps.subarray(count % depth), ...steps.subarray(0, count % depth)];
  steps.set(last);
  return depth;
}

/** walkPaths on either lane (platform/workers/pass-lanes.ts): holdAnchor first, where the anchor is then held. */
export const PATHS_PASS = pass(import.meta.url, walkPaths);
