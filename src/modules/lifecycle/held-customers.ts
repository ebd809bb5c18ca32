/**
 * Every customer held in memory: where they stand, when they entered each stage, and what a filter keeps them
 * by (when first seen, the first touch's channel and device, B2B or not, persona), with the members of the
 * saved segments asked for. The lifecycle funnel of any filter and breakdown is then one pass over half a
 * million customers, and the customers a filter keeps a mask by id, instead of a query per request: the
 * funnel's took 0.4 s at 500,000 customers under a date filter, and the ids other modules' filters read came
 * back as hundreds of thousands of rows (0.14–0.39 s). Read once per change of the data (db/kept-reads.ts:
 * in a server on DuckDB); elsewhere the SQL of lifecycle-report.query.ts answers, and these passes count
 * what it counts.
 */
import { type Database, matrixColumn } from '../../platform/db/database.ts';
import { epochSeconds } from '../../platform/db/portable-sql.ts';
import { firstAtOrAfter } from '../../platform/numeric/sorted.ts';
import { IdMask } from '../../platform/workers/id-mask.ts';
import { pass } from '../../platform/workers/pass-lanes.ts';
import { sharedArray } from '../../platform/workers/shared-arrays.ts';
import { type LifecycleQuery, STAGES } from './lifecycle.schema.ts';
import type { CustomerFilter, LifecycleReportRow } from './lifecycle-report.query.ts';

/** Customers kept by a filter: a Set of ids or, from held facts, a mask indexed by id. */
export interface Audience {
  has(customerId: number): boolean;
}

/** Every customer of a workspace: what a filter keeps them by, and where they stand, as columns. */
export interface HeldCustomers {
  customers: Int32Array;
  /** Seconds since the epoch of the first touch: the awareness stage's entry. */
  firstSeen: Float64Array;
  /** Indexes into `channelTexts` and `deviceTexts`; -1 where the first touch had none. */
  channels: Int32Array;
  devices: Int32Array;
  channelTexts: string[];
  deviceTexts: string[];
  /** 1 where the customer belongs to an account. */
  b2b: Uint8Array;
  /** The persona's id; 0 where none is assigned (ids start at 1). */
  personas: Int32Array;
  /** Persona names by id. */
  personaNames: Map<number, string>;
  /** Where the customer stands and which stages they reached, as one number: see `profileOf`. */
  profiles: Uint16Array;
  /**
   * Per stage, the days each customer took from the stage before it, in ascending order (none for the first
   * stage); and per customer and stage, the position of theirs among them, -1 where either stage was not
   * entered: STAGES.length per customer.
   */
  daysInOrder: Float64Array[];
  positions: Int32Array;
  /** Seconds since the epoch of the last event. */
  lastSeen: Float64Array;
  /** Each breakdown's group per customer, made when first asked for (groupsOf). */
  groups: Map<LifecycleQuery['breakdown'], Groups>;
}

/** A breakdown's groups: each customer's as an index into `keys`. */
interface Groups {
  keys: Array<string | number>;
  of: Int32Array;
}

/** The columns read per customer, in order. */
const COLUMNS = ['customer_id', 'first_seen', 'channel', 'device', 'b2b', 'persona', 'stage', 'last_seen'];
const WIDTH = COLUMNS.length + STAGES.length;
const STAGE_COLUMN = COLUMNS.indexOf('stage');

const FIRST_TEXTS = (column: string) =>
  `SELECT DISTINCT ${column} AS text FROM customer_lifecycle WHERE workspace_id = $1 AND ${column} IS NOT NULL`;
const numbered = (texts: string) =>
  `SELECT text, row_number() OVER (ORDER BY text) - 1 AS position FROM (${texts}) AS texts`;

export async function readHeldCustomers(db: Database, workspaceId: number): Promise<HeldCustomers> {
  const texts = () =>
    Promise.all([
      ...['first_channel', 'first_device'].map((column) =>
        db.query<{ text: string }>(`${FIRST_TEXTS(column)} ORDER BY text`, [workspaceId]),
      ),
      db.query<{ text: string }>(
        "SELECT CAST(persona_id AS TEXT) || ' ' || name AS text FROM personas WHERE workspace_id = $1 ORDER BY persona_id",
        [workspaceId],
      ),
    ]).then((lists) => lists.map((rows) => rows.map((row) => row.text)));
  const stageIndex = `CASE l.stage ${STAGES.map((stage, index) => `WHEN '${stage}' THEN ${index}`).join(' ')} END`;
  // Numbered in the query and listed apart, as held-touches.ts does: the numbers are the lists' while the
  // lists are the same before and after; a channel or device first seen meanwhile means reading again.
  for (let before = await texts(); ; ) {
    const matrix = await db.queryMatrix(
      `SELECT l.customer_id, ${epochSeconds('l.awareness_at')} AS first_seen,
         coalesce(c.position, -1) AS channel, coalesce(d.position, -1) AS device,
         CASE WHEN b2b.customer_id IS NULL THEN 0 ELSE 1 END AS b2b, coalesce(pa.persona_id, 0) AS persona,
         ${stageIndex} AS stage, ${epochSeconds('l.last_seen_at')} AS last_seen,
         ${STAGES.map((stage) => `${epochSeconds(`l.${stage}_at`)} AS ${stage}_at`).join(', ')}
       FROM customer_lifecycle l
       LEFT JOIN (${numbered(FIRST_TEXTS('first_channel'))}) AS c ON c.text = l.first_channel
       LEFT JOIN (${numbered(FIRST_TEXTS('first_device'))}) AS d ON d.text = l.first_device
       LEFT JOIN (SELECT DISTINCT customer_id FROM account_memberships WHERE workspace_id = $1) AS b2b
         ON b2b.customer_id = l.customer_id
       LEFT JOIN persona_assignments pa ON pa.workspace_id = l.workspace_id AND pa.customer_id = l.customer_id
       WHERE l.workspace_id = $1`,
      [workspaceId],
    );
    const after = await texts();
    if (JSON.stringify(after) !== JSON.stringify(before)) {
      before = after;
      continue;
    }
    const { rows } = matrix;
    const [channelTexts, deviceTexts, personas] = after as [string[], string[], string[]];
    return {
      customers: matrixColumn(matrix, 0, sharedArray(Int32Array, rows)),
      firstSeen: matrixColumn(matrix, 1, sharedArray(Float64Array, rows)),
      channels: matrixColumn(matrix, 2, sharedArray(Int32Array, rows)),
      devices: matrixColumn(matrix, 3, sharedArray(Int32Array, rows)),
      channelTexts,
      deviceTexts,
      b2b: matrixColumn(matrix, 4, sharedArray(Uint8Array, rows)),
      personas: matrixColumn(matrix, 5, sharedArray(Int32Array, rows)),
      personaNames: new Map(
        personas.map((text) => {
          const space = text.indexOf(' ');
          return [Number(text.slice(0, space)), text.slice(space + 1)];
        }),
      ),
      lastSeen: matrixColumn(matrix, 7, sharedArray(Float64Array, rows)),
      ...stagesReached(matrix.values, rows),
      groups: new Map(),
    };
  }
}

/**
 * A customer's stage (an index into STAGES) and the stages they reached (bit s for STAGES[s]), as one number
 * below PROFILES: a funnel counts customers by it, and only then by stage.
 */
const profileOf = (stage: number, reached: number) => reached * STAGES.length + stage;
const PROFILES = 2 ** STAGES.length * STAGES.length;

/**
 * Each customer's profile, and the days between stages held in order with each customer's position among
 * them, from the times each stage was entered (the matrix's columns after COLUMNS).
 */
function stagesReached(values: Float64Array, rows: number) {
  const stages = STAGES.length;
  const profiles = sharedArray(Uint16Array, rows);
  const days = new Float64Array(rows * stages).fill(Number.NaN);
  for (let i = 0; i < rows; i++) {
    const entered = i * WIDTH + COLUMNS.length;
    let reached = 0;
    for (let s = 0; s < stages; s++) {
      if (Number.isNaN(values[entered + s]!)) continue;
      reached |= 1 << s;
      if (s > 0) days[i * stages + s] = (values[entered + s]! - values[entered + s - 1]!) / 86400;
    }
    profiles[i] = profileOf(values[i * WIDTH + STAGE_COLUMN]!, reached);
  }
  const positions = sharedArray(Int32Array, rows * stages).fill(-1);
  const daysInOrder = STAGES.map((_, s) => inOrder(days, s, positions));
  return { profiles, daysInOrder, positions };
}

/**
 * Stage `s`'s days in ascending order, each customer's position among them written into `positions`: the
 * days sorted as numbers by the engine (fast), then each customer given the first free position of their
 * value, found by halving.
 */
function inOrder(days: Float64Array, s: number, positions: Int32Array): Float64Array {
  const stages = STAGES.length;
  const rows = days.length / stages;
  let count = 0;
  for (let i = 0; i < rows; i++) if (!Number.isNaN(days[i * stages + s]!)) count++;
  const sorted = sharedArray(Float64Array, count);
  for (let i = 0, at = 0; i < rows; i++)
    if (!Number.isNaN(days[i * stages + s]!)) sorted[at++] = days[i * stages + s]!;
  sorted.sort();
  // Positions already given to a customer whose value is first found at each position.
  const taken = new Int32Array(count);
  for (let i = 0; i < rows; i++) {
    const value = days[i * stages + s]!;
    if (Number.isNaN(value)) continue;
    const first = firstAtOrAfter(sorted, value);
    positions[i * stages + s] = first + taken[first]!++;
  }
  return sorted;
}

/** The members of a workspace's saved segment, as of its last refresh (none if no segment has the slug). */
export async function readSegmentMembers(
  db: Database,
  workspaceId: number,
  slug: string,
): Promise<Int32Array> {
  const { rows, values } = await db.queryMatrix(
    `SELECT m.customer_id FROM segment_members m
     JOIN segments sg ON sg.workspace_id = m.workspace_id AND sg.segment_id = m.segment_id
     WHERE m.workspace_id = $1 AND sg.slug = $2`,
    [workspaceId, slug],
  );
  return Int32Array.from(values.subarray(0, rows));
}

/**
 * The customers `filter` keeps, as queryCustomersKept keeps them; null when it keeps everyone.
 * `segmentMembers`: the members of `filter.savedSegment`, when it names one.
 */
export function keepCustomers(
  held: HeldCustomers,
  filter: CustomerFilter,
  segmentMembers: Int32Array | null,
): Audience | null {
  const { from, to, segment, channel, device, persona, savedSegment } = filter;
  if (!from && !to && !segment && !channel && !device && !persona && !savedSegment) return null;
  const start = from ? from.getTime() / 1000 : Number.NEGATIVE_INFINITY;
  const end = to ? to.getTime() / 1000 : Number.POSITIVE_INFINITY;
  // A channel or device no customer first came through keeps no one: -2 matches no index.
  const channelIndex = channel === undefined ? null : indexOr(held.channelTexts, channel);
  const deviceIndex = device === undefined ? null : indexOr(held.deviceTexts, device);
  const b2b = segment === undefined ? null : segment === 'b2b' ? 1 : 0;
  let largest = 0;
  for (const customer of held.customers) largest = Math.max(largest, customer);
  const kept = sharedArray(Uint8Array, largest + 1);
  if (savedSegment) for (const member of segmentMembers ?? []) if (member <= largest) kept[member] = 2;
  // 2 marks a member of the saved segment, which the pass below keeps (1) if everything else agrees.
  const wanted = savedSegment ? 2 : 0;
  for (let i = 0; i < held.customers.length; i++) {
    const customer = held.customers[i]!;
    if (kept[customer] !== wanted) continue;
    const firstSeen = held.firstSeen[i]!;
    if (firstSeen < start || firstSeen >= end) continue;
    if (channelIndex !== null && held.channels[i] !== channelIndex) continue;
    if (deviceIndex !== null && held.devices[i] !== deviceIndex) continue;
    if (b2b !== null && held.b2b[i] !== b2b) continue;
    if (persona !== undefined && held.personas[i] !== persona) continue;
    kept[customer] = 1;
  }
  return new IdMask(kept);
}

const indexOr = (texts: string[], text: string) => {
  const index = texts.indexOf(text);
  return index < 0 ? -2 : index;
};

/**
 * The lifecycle funnel of the customers `kept` holds (all when null), grouped by the query's breakdown: the
 * rows buildLifecycleReportSql reads, counted in one pass over flat counts by group and stage.
 */
export function countLifecycle(
  held: HeldCustomers,
  breakdown: LifecycleQuery['breakdown'],
  kept: Audience | null,
  lapsedBefore: Date,
): LifecycleReportRow[] {
  const groups = groupsOf(held, breakdown);
  const lapsedCutoff = lapsedBefore.getTime() / 1000;
  const stages = STAGES.length;
  // Kept customers by group, profile and whether lapsed; and per stage, each kept customer's group (+ 1) at
  // their position among the days in order, which the percentiles then walk in order.
  const byProfile = new Int32Array(groups.keys.length * PROFILES * 2);
  const marks = held.daysInOrder.map((days) =>
    groups.keys.length < 0xff ? new Uint8Array(days.length) : new Int32Array(days.length),
  );
  for (let i = 0; i < held.customers.length; i++) {
    if (kept && !kept.has(held.customers[i]!)) continue;
    const g = groups.of[i]!;
    const profile = held.profiles[i]!;
    byProfile[(g * PROFILES + profile) * 2 + (held.lastSeen[i]! < lapsedCutoff ? 1 : 0)]!++;
    // A stage with days: reached, as was the one before it.
    const reached = Math.floor(profile / stages);
    for (let s = 1, timed = reached & (reached >> 1); timed; s++, timed >>= 1)
      if (timed & 1) marks[s]![held.positions[i * stages + s]!] = g + 1;
  }
  const rows: LifecycleReportRow[] = [];
  const tallies = groups.keys.map((_, g) => tallyOf(byProfile, g));
  const percentiles = STAGES.map((_, s) =>
    s === 0 ? null : stagePercentiles(held.daysInOrder[s]!, marks[s]!, tallies, s),
  );
  groups.keys.forEach((key, g) => {
    const tally = tallies[g]!;
    if (tally.customers === 0) return;
    tally.medians = percentiles.map((found) => found?.medians[g] ?? null);
    tally.p90s = percentiles.map((found) => found?.p90s[g] ?? null);
    rows.push(toRow(breakdown === 'cohort' ? new Date(Number(key)) : String(key), tally));
  });
  return rows.sort((a, b) => b.customers - a.customers || compareKeys(a.group_key, b.group_key));
}

/** Group g's counts from its customers by profile and whether lapsed. */
function tallyOf(byProfile: Int32Array, g: number): GroupTally {
  const stages = STAGES.length;
  const tally: GroupTally = {
    customers: 0,
    reached: STAGES.map(() => 0),
    current: STAGES.map(() => 0),
    lapsed: STAGES.map(() => 0),
    timed: STAGES.map(() => 0),
    medians: [],
    p90s: [],
  };
  for (let profile = 0; profile < PROFILES; profile++) {
    const at = (g * PROFILES + profile) * 2;
    const [lapsed, customers] = [byProfile[at + 1]!, byProfile[at]! + byProfile[at + 1]!];
    if (customers === 0) continue;
    const [stage, reached] = [profile % stages, Math.floor(profile / stages)];
    tally.customers += customers;
    tally.current[stage]! += customers;
    tally.lapsed[stage]! += lapsed;
    for (let s = 0; s < stages; s++) {
      if (reached & (1 << s)) tally.reached[s]! += customers;
      if (s > 0 && reached & (1 << s) && reached & (1 << (s - 1))) tally.timed[s]! += customers;
    }
  }
  return tally;
}

interface GroupTally {
  customers: number;
  reached: number[];
  current: number[];
  lapsed: number[];
  /** Per stage, the customers with days from the stage before it. */
  timed: number[];
  /** Per stage, the median and 90th percentile of the days from the stage before it; null where none. */
  medians: Array<number | null>;
  p90s: Array<number | null>;
}

/** The breakdown's group of every held customer, made once per breakdown and held with the customers. */
export function groupsOf(held: HeldCustomers, breakdown: LifecycleQuery['breakdown']): Groups {
  const found = held.groups.get(breakdown);
  if (found) return found;
  const keyOf = groupKey(held, breakdown);
  const keys: Array<string | number> = [];
  const indexOfKey = new Map<string | number, number>();
  const of = sharedArray(Int32Array, held.customers.length);
  for (let i = 0; i < held.customers.length; i++) {
    const key = keyOf(i);
    let g = indexOfKey.get(key);
    if (g === undefined) {
      g = keys.push(key) - 1;
      indexOfKey.set(key, g);
    }
    of[i] = g;
  }
  const groups = { keys, of };
  held.groups.set(breakdown, groups);
  return groups;
}

/** The customer's group (as GROUP_KEYS names it); a cohort as the time its month began. */
function groupKey(
  held: HeldCustomers,
  breakdown: LifecycleQuery['breakdown'],
): (i: number) => string | number {
  switch (breakdown) {
    case 'none':
      return () => 'all';
    case 'segment':
      return (i) => (held.b2b[i] ? 'b2b' : 'b2c');
    case 'persona':
      return (i) => held.personaNames.get(held.personas[i]!) ?? 'no persona';
    case 'firstChannel':
      return (i) => held.channelTexts[held.channels[i]!] ?? 'unknown';
    case 'firstDevice':
      return (i) => held.deviceTexts[held.devices[i]!] ?? 'unknown';
    case 'cohort':
      return (i) => {
        const first = new Date(held.firstSeen[i]! * 1000);
        return Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), 1);
      };
  }
}

function toRow(key: string | Date, group: GroupTally): LifecycleReportRow {
  const figures: Record<string, number | null> = {};
  STAGES.forEach((stage, s) => {
    figures[`reached_${stage}`] = group.reached[s]!;
    figures[`current_${stage}`] = group.current[s]!;
    figures[`lapsed_${stage}`] = group.lapsed[s]!;
    if (s === 0) return;
    figures[`median_${stage}`] = group.medians[s]!;
    figures[`p90_${stage}`] = group.p90s[s]!;
  });
  return { ...figures, group_key: key, customers: group.customers } as LifecycleReportRow;
}

/**
 * Each group's median and 90th percentile of stage `s`'s days, as SQL's percentile_cont finds them: the value
 * q of the way through the group's days in order, between the two around it by its share. One walk over
 * every customer's days in order, `marks` telling whose group (+ 1) each is kept in, instead of sorting each
 * group's days.
 */
function stagePercentiles(
  days: Float64Array,
  marks: Uint8Array | Int32Array,
  tallies: GroupTally[],
  s: number,
) {
  const QUANTILES = [0.5, 0.9];
  const groups = tallies.length;
  // Per group and quantile, the ranks of the values below and above the quantile's position, and the values.
  const ranks = new Float64Array(groups * 4).fill(-1);
  const values = new Float64Array(groups * 4);
  let unfinished = 0;
  tallies.forEach((tally, g) => {
    const count = tally.timed[s]!;
    if (count === 0) return;
    unfinished++;
    QUANTILES.forEach((q, k) => {
      ranks[g * 4 + k * 2] = Math.floor(q * (count - 1));
      ranks[g * 4 + k * 2 + 1] = Math.ceil(q * (count - 1));
    });
  });
  // The last rank asked is the 90th percentile's upper one: a group is done when it passes it.
  const seen = new Int32Array(groups);
  for (let at = 0; at < marks.length && unfinished > 0; at++) {
    if (marks[at] === 0) continue;
    const g = marks[at]! - 1;
    const rank = seen[g]!++;
    for (let r = g * 4; r < g * 4 + 4; r++) if (ranks[r] === rank) values[r] = days[at]!;
    if (rank === ranks[g * 4 + 3]) unfinished--;
  }
  const percentile = (g: number, k: number) => {
    const count = tallies[g]!.timed[s]!;
    if (count === 0) return null;
    const position = QUANTILES[k]! * (count - 1);
    const [lower, upper] = [values[g * 4 + k * 2]!, values[g * 4 + k * 2 + 1]!];
    return lower + (position - Math.floor(position)) * (upper - lower);
  };
  return {
    medians: Array.from({ length: groups }, (_, g) => percentile(g, 0)),
    p90s: Array.from({ length: groups }, (_, g) => percentile(g, 1)),
  };
}

const compareKeys = (a: string | Date, b: string | Date) =>
  a instanceof Date && b instanceof Date ? a.getTime() - b.getTime() : a < b ? -1 : a > b ? 1 : 0;

/** countLifecycle on either lane (platform/workers/pass-lanes.ts). */
export const FUNNEL_PASS = pass(import.meta.url, countLifecycle);
