/**
 * The path-to-purchase report counted from one row per customer (path-to-purchase.query.ts), for all of them
 * or the members of an audience. The rows are held as columns, texts interned: customers who met the same
 * touchpoints share one set and are counted per set, so a pass over half a million customers allocates
 * almost nothing and a server can answer every date and segment filter from rows read once.
 */

import { percentileCont } from '../../platform/numeric/percentile.ts';
import { pass } from '../../platform/workers/pass-lanes.ts';
import { sharedArray } from '../../platform/workers/shared-arrays.ts';
import type { Audience } from '../lifecycle/index.ts';
import { PATH_SEPARATOR } from './journey-paths.query.ts';
import type { PathToPurchase } from './journeys.schema.ts';
import { MET_SEPARATOR, type PurchasePathRow } from './path-to-purchase.query.ts';

/** Lower bounds of the buckets: touchpoints before purchase, and days from first touch to purchase. */
export const TOUCHPOINT_BUCKETS = [0, 1, 2, 3, 4, 5, 6, 11, 21, 51];
export const DAY_BUCKETS = [0, 1, 7, 14, 30, 60, 90, 180];

/** The most common sequences the report lists. */
const SEQUENCES_LISTED = 20;

/** Customers' rows as columns, in customer order; NaN where a row holds null, -1 where it holds no text. */
export interface PurchasePaths {
  customers: Int32Array;
  bought: Uint8Array;
  touches: Float64Array;
  days: Float64Array;
  sequences: Int32Array;
  /** Each customer's set of touchpoints met, as an index into `sets`. */
  metSets: Int32Array;
  sequenceTexts: string[];
  /** Distinct sets of touchpoints met, as indexes into `labels`. */
  sets: number[][];
  labels: string[];
}

function interner() {
  const texts: string[] = [];
  const indexes = new Map<string, number>();
  return {
    texts,
    indexOf(text: string | null): number {
      if (text === null) return -1;
      const index = indexes.get(text);
      if (index !== undefined) return index;
      indexes.set(text, texts.length);
      return texts.push(text) - 1;
    },
  };
}

export function toPurchasePaths(rows: PurchasePathRow[]): PurchasePaths {
  const sequences = interner();
  const sets = interner();
  const labels = interner();
  const n = rows.length;
  const paths: PurchasePaths = {
    customers: sharedArray(Int32Array, n),
    bought: sharedArray(Uint8Array, n),
    touches: sharedArray(Float64Array, n),
    days: sharedArray(Float64Array, n),
    sequences: sharedArray(Int32Array, n),
    metSets: sharedArray(Int32Array, n),
    sequenceTexts: sequences.texts,
    sets: [],
    labels: labels.texts,
  };
  rows.forEach((row, i) => {
    paths.customers[i] = row.customer_id;
    paths.bought[i] = row.bought ? 1 : 0;
    paths.touches[i] = row.touches ?? Number.NaN;
    paths.days[i] = row.days ?? Number.NaN;
    paths.sequences[i] = sequences.indexOf(row.sequence);
    paths.metSets[i] = sets.indexOf(row.met);
  });
  paths.sets = sets.texts.map((set) => set.split(MET_SEPARATOR).map(labels.indexOf));
  return paths;
}

/** The report for the given customers (all when null). */
export function countPathToPurchase(paths: PurchasePaths, members: Audience | null): PathToPurchase {
  // The kept customers' touchpoints and days before purchase, written into arrays sized for everyone.
  const touches = new Float64Array(paths.customers.length);
  const days = new Float64Array(paths.customers.length);
  let [touchCount, dayCount] = [0, 0];
  const bySequence = new Int32Array(paths.sequenceTexts.length);
  // Customers per set of touchpoints met: [0] those who never bought, [1] buyers.
  const bySet = [new Int32Array(paths.sets.length), new Int32Array(paths.sets.length)] as const;
  const counted = [0, 0];
  for (let i = 0; i < paths.customers.length; i++) {
    if (members && !members.has(paths.customers[i]!)) continue;
    const bought = paths.bought[i]!;
    counted[bought]!++;
    if (!Number.isNaN(paths.touches[i]!)) touches[touchCount++] = paths.touches[i]!;
    if (!Number.isNaN(paths.days[i]!)) days[dayCount++] = paths.days[i]!;
    if (paths.sequences[i]! >= 0) bySequence[paths.sequences[i]!]!++;
    if (paths.metSets[i]! >= 0) bySet[bought]![paths.metSets[i]!]!++;
  }
  const [nonBuyers, buyers] = counted as [number, number];
  const perLabel = (customersBySet: Int32Array) => {
    const customers = new Int32Array(paths.labels.length);
    paths.sets.forEach((set, index) => {
      for (const label of set) customers[label]! += customersBySet[index]!;
    });
    return customers;
  };
  const [converting, nonConverting] = [perLabel(bySet[1]), perLabel(bySet[0])];
  return {
    buyers,
    nonBuyers,
    touchpointsToPurchase: distribution(touches.subarray(0, touchCount), TOUCHPOINT_BUCKETS, true),
    daysToPurchase: distribution(days.subarray(0, dayCount), DAY_BUCKETS, false),
    sequences: mostCommon(paths.sequenceTexts, bySequence),
    touchpoints: paths.labels
      .map((name, label) => {
        const convertingShare = buyers ? converting[label]! / buyers : 0;
        const nonConvertingShare = nonBuyers ? nonConverting[label]! / nonBuyers : 0;
        return {
          name,
          convertingShare,
          nonConvertingShare,
          ratio: nonConvertingShare ? convertingShare / nonConvertingShare : null,
        };
      })
      .filter((_, label) => converting[label]! + nonConverting[label]! > 0)
      .sort((a, b) => b.convertingShare - a.convertingShare || a.name.localeCompare(b.name)),
  };
}

/** The sequences most customers' paths ended with, then by text (as the engines order text: by code unit). */
function mostCommon(texts: string[], customers: Int32Array): PathToPurchase['sequences'] {
  return texts
    .map((text, index) => ({ text, customers: customers[index]! }))
    .filter((sequence) => sequence.customers > 0)
    .sort((a, b) => b.customers - a.customers || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0))
    .slice(0, SEQUENCES_LISTED)
    .map(({ text, customers }) => ({ path: text.split(PATH_SEPARATOR), customers }));
}

/** Mean, median, 90th percentile (interpolated, as percentile_cont) and buckets of `values` (moves them). */
function distribution(
  values: Float64Array,
  lowers: number[],
  counts: boolean,
): PathToPurchase['daysToPurchase'] {
  const inBucket = new Array<number>(lowers.length).fill(0);
  let sum = 0;
  for (const value of values) {
    sum += value;
    let bucket = lowers.length - 1;
    while (bucket >= 0 && value < lowers[bucket]!) bucket--;
    if (bucket >= 0) inBucket[bucket]!++;
  }
  const labels = bucketLabels(lowers, counts);
  return {
    mean: values.length ? sum / values.length : null,
    median: percentileCont(values, 0.5),
    p90: percentileCont(values, 0.9),
    buckets: labels.map((label, index) => ({ label, customers: inBucket[index]! })),
  };
}

/** "0", "1", … "6–10", "51+" for counts; "under 1", "1–7", … "180+" for days. */
function bucketLabels(lowers: number[], counts: boolean): string[] {
  return lowers.map((lower, index) => {
    const next = lowers[index + 1];
    if (next === undefined) return `${lower}+`;
    if (!counts) return lower === 0 ? `under ${next}` : `${lower}–${next}`;
    return next === lower + 1 ? String(lower) : `${lower}–${next - 1}`;
  });
}

/** countPathToPurchase on either lane (platform/workers/pass-lanes.ts). */
export const PURCHASE_PASS = pass(import.meta.url, countPathToPurchase);
