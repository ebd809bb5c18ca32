/**
 * The customers a filter keeps, from what every customer is filtered by held in memory: when first seen, the
 * first touch's channel and device, B2B or not, persona, and the members of the saved segments asked for. A
 * filter is then one pass over half a million numbers instead of a query whose hundreds of thousands of ids
 * must come back as rows (0.14–0.39 s at 500,000 customers) on every filtered request. Read once per change of
 * the data (db/kept-reads.ts: in a server on DuckDB); elsewhere the filter is read by SQL
 * (queryCustomersKept), and this pass keeps whom that SQL keeps.
 */
import type { Database } from '../../platform/db/database.ts';
import { epochSeconds } from '../../platform/db/portable-sql.ts';
import type { CustomerFilter } from './lifecycle-report.query.ts';

/** Customers kept by a filter: a Set of ids or, from held facts, a mask indexed by id. */
export interface Audience {
  has(customerId: number): boolean;
}

/** Every customer of a workspace and what a filter keeps them by, as columns. */
export interface HeldAudience {
  customers: Int32Array;
  /** Seconds since the epoch of the first touch. */
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
}

const FIRST_TEXTS = (column: string) =>
  `SELECT DISTINCT ${column} AS text FROM customer_lifecycle WHERE workspace_id = $1 AND ${column} IS NOT NULL`;
const numbered = (texts: string) =>
  `SELECT text, row_number() OVER (ORDER BY text) - 1 AS position FROM (${texts}) AS texts`;

export async function readHeldAudience(db: Database, workspaceId: number): Promise<HeldAudience> {
  const texts = () =>
    Promise.all(
      ['first_channel', 'first_device'].map((column) =>
        db.query<{ text: string }>(`${FIRST_TEXTS(column)} ORDER BY text`, [workspaceId]),
      ),
    ).then((lists) => lists.map((rows) => rows.map((row) => row.text)));
  // Numbered in the query and listed apart, as held-touches.ts does: the numbers are the lists' while the
  // lists are the same before and after; a channel or device first seen meanwhile means reading again.
  for (let before = await texts(); ; ) {
    const { rows, values } = await db.queryMatrix(
      `SELECT l.customer_id, ${epochSeconds('l.awareness_at')} AS first_seen,
         coalesce(c.position, -1) AS channel, coalesce(d.position, -1) AS device,
         CASE WHEN b2b.customer_id IS NULL THEN 0 ELSE 1 END AS b2b, coalesce(pa.persona_id, 0) AS persona
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
    const column = <T extends { [index: number]: number }>(array: T, offset: number) => {
      for (let i = 0; i < rows; i++) array[i] = values[i * 6 + offset]!;
      return array;
    };
    return {
      customers: column(new Int32Array(rows), 0),
      firstSeen: column(new Float64Array(rows), 1),
      channels: column(new Int32Array(rows), 2),
      devices: column(new Int32Array(rows), 3),
      channelTexts: after[0]!,
      deviceTexts: after[1]!,
      b2b: column(new Uint8Array(rows), 4),
      personas: column(new Int32Array(rows), 5),
    };
  }
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
  held: HeldAudience,
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
