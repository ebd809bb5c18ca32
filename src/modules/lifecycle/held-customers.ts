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
  /** Index into STAGES of where the customer stands. */
  stages: Uint8Array;
  /** Bit s set where the customer reached STAGES[s]. */
  reached: Uint8Array;
  /**
   * Days from the stage before to each stage, NaN where either was not entered (and for the first stage):
   * STAGES.length per customer.
   */
  days: Float64Array;
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
      customers: matrixColumn(matrix, 0, new Int32Array(rows)),
      firstSeen: matrixColumn(matrix, 1, new Float64Array(rows)),
      channels: matrixColumn(matrix, 2, new Int32Array(rows)),
      devices: matrixColumn(matrix, 3, new Int32Array(rows)),
      channelTexts,
      deviceTexts,
      b2b: matrixColumn(matrix, 4, new Uint8Array(rows)),
      personas: matrixColumn(matrix, 5, new Int32Array(rows)),
      personaNames: new Map(
        personas.map((text) => {
          const space = text.indexOf(' ');
          return [Number(text.slice(0, space)), text.slice(space + 1)];
        }),
      ),
      stages: matrixColumn(matrix, 6, new Uint8Array(rows)),
      lastSeen: matrixColumn(matrix, 7, new Float64Array(rows)),
      ...stagesReached(matrix.values, rows),
      groups: new Map(),
    };
  }
}

/** Which stages each customer reached, and the days between stages, from the times each was entered. */
function stagesReached(values: Float64Array, rows: number) {
  const stages = STAGES.length;
  const reached = new Uint8Array(rows);
  const days = new Float64Array(rows * stages).fill(Number.NaN);
  for (let i = 0; i < rows; i++) {
    const entered = i * WIDTH + COLUMNS.length;
    for (let s = 0; s < stages; s++) {
      if (Number.isNaN(values[entered + s]!)) continue;
      reached[i]! |= 1 << s;
      if (s > 0) days[i * stages + s] = (values[entered + s]! - values[entered + s - 1]!) / 86400;
    }
  }
  return { reached, days };
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

/** Customers kept as a mask over their ids: a lookup as cheap as reading one byte. */
class Mask implements Audience {
  constructor(private readonly kept: Uint8Array) {}
  has(customerId: number): boolean {
    return this.kept[customerId] === 1;
  }
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
  const kept = new Uint8Array(largest + 1);
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
  return new Mask(kept);
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
  const size = groups.keys.length * stages;
  const [customers, reached, current, lapsed, timed] = [
    new Int32Array(groups.keys.length),
    ...[0, 1, 2, 3].map(() => new Int32Array(size)),
  ] as Int32Array[];
  // Each kept customer's group (-1: not kept); the days are then written into arrays of their size.
  const groupOf = new Int32Array(held.customers.length).fill(-1);
  for (let i = 0; i < held.customers.length; i++) {
    if (kept && !kept.has(held.customers[i]!)) continue;
    const g = groups.of[i]!;
    groupOf[i] = g;
    customers![g]!++;
    const at = g * stages + held.stages[i]!;
    current![at]!++;
    if (held.lastSeen[i]! < lapsedCutoff) lapsed![at]!++;
    for (let s = 0, bits = held.reached[i]!; bits; s++, bits >>= 1) {
      if (!(bits & 1)) continue;
      reached![g * stages + s]!++;
      if (!Number.isNaN(held.days[i * stages + s]!)) timed![g * stages + s]!++;
    }
  }
  const days = [...timed!].map((count) => new Float64Array(count));
  const filled = new Int32Array(size);
  for (let i = 0; i < held.customers.length; i++) {
    const g = groupOf[i]!;
    if (g < 0) continue;
    for (let s = 1; s < stages; s++) {
      const value = held.days[i * stages + s]!;
      if (!Number.isNaN(value)) days[g * stages + s]![filled[g * stages + s]!++] = value;
    }
  }
  const rows: LifecycleReportRow[] = [];
  groups.keys.forEach((key, g) => {
    if (customers![g] === 0) return;
    const of = (counts: Int32Array) => [...counts.subarray(g * stages, (g + 1) * stages)];
    const group = {
      customers: customers![g]!,
      reached: of(reached!),
      current: of(current!),
      lapsed: of(lapsed!),
      days: days.slice(g * stages, (g + 1) * stages),
    };
    rows.push(toRow(breakdown === 'cohort' ? new Date(Number(key)) : String(key), group));
  });
  return rows.sort((a, b) => b.customers - a.customers || compareKeys(a.group_key, b.group_key));
}

interface GroupTally {
  customers: number;
  reached: number[];
  current: number[];
  lapsed: number[];
  /** Per stage, the days each customer took from the stage before it. */
  days: Float64Array[];
}

/** The breakdown's group of every held customer, made once per breakdown and held with the customers. */
function groupsOf(held: HeldCustomers, breakdown: LifecycleQuery['breakdown']): Groups {
  const found = held.groups.get(breakdown);
  if (found) return found;
  const keyOf = groupKey(held, breakdown);
  const keys: Array<string | number> = [];
  const indexOfKey = new Map<string | number, number>();
  const of = new Int32Array(held.customers.length);
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
    const days = group.days[s]!;
    figures[`median_${stage}`] = percentileCont(days, 0.5);
    figures[`p90_${stage}`] = percentileCont(days, 0.9);
  });
  return { ...figures, group_key: key, customers: group.customers } as LifecycleReportRow;
}

/**
 * As SQL's percentile_cont: the value q of the way through `values` in order, between the two around it by
 * its share. Found by selection, not by sorting half a million days (reorders `values`).
 */
function percentileCont(values: Float64Array, q: number): number | null {
  if (values.length === 0) return null;
  const position = q * (values.length - 1);
  const below = Math.floor(position);
  const lower = select(values, below);
  // Every value after `below` is at least `lower` now: the next in order is the least of them.
  let upper = lower;
  if (position > below) {
    upper = Number.POSITIVE_INFINITY;
    for (let i = below + 1; i < values.length; i++) upper = Math.min(upper, values[i]!);
  }
  return lower + (position - below) * (upper - lower);
}

/** The k-th smallest of `values` (from 0), moved to index k with none larger before it nor smaller after it. */
function select(values: Float64Array, k: number): number {
  let left = 0;
  let right = values.length - 1;
  while (right > left) {
    const pivot = values[(left + right) >>> 1]!;
    let i = left;
    let j = right;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        [values[i], values[j]] = [values[j]!, values[i]!];
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return values[k]!;
}

const compareKeys = (a: string | Date, b: string | Date) =>
  a instanceof Date && b instanceof Date ? a.getTime() - b.getTime() : a < b ? -1 : a > b ? 1 : 0;
