/**
 * Micro-moments under any range and audience, from every moment of all time held in memory. Finding the
 * moments means sorting every touchpoint of every customer; counting those that began in a range, of the
 * customers an audience keeps, is one pass over a list of moments. So the moments of all time are read once
 * per change of the data (db/kept-reads.ts: in a server on DuckDB) into columns by customer, and
 * the console's date and segment filters answer at once when its page's own view has been made. Elsewhere
 * each report is read on its own.
 */
import type { Database } from '../../platform/db/database.ts';
import { createKeptReads, readKey } from '../../platform/db/kept-reads.ts';
import { type PassLanes, pass } from '../../platform/workers/pass-lanes.ts';
import { sharedArray } from '../../platform/workers/shared-arrays.ts';
import type { Audience, LifecycleService } from '../lifecycle/index.ts';
import { audienceOf } from './journey-paths.query.ts';
import type { MicroMomentQuery } from './journeys.schema.ts';
import {
  type MomentListRow,
  type MomentRow,
  queryMicroMoments,
  queryMomentList,
} from './micro-moments.query.ts';

/** Lists of moments held at most (one per workspace and set of parameters). */
const HELD_LISTS = 8;

/** The moments of all time as columns, in customer order; text values as indexes into `names`. */
interface MomentList {
  customers: Int32Array;
  startedAt: Float64Array;
  hours: Uint8Array;
  intents: Uint16Array;
  stages: Uint16Array;
  channels: Uint16Array;
  converted: Uint8Array;
  mostlyMobile: Uint8Array;
  /** The texts of intents, stages and channels, by index. */
  names: string[];
}

const MOMENTS_PASS = pass(import.meta.url, countMoments);

export function createMomentCounts(
  db: Database,
  lifecycle: Pick<LifecycleService, 'customersKept'>,
  keepReads: boolean,
  lanes: PassLanes,
) {
  const lists = createKeptReads<MomentList>(db, HELD_LISTS, keepReads);
  return async (workspaceId: number, query: MicroMomentQuery): Promise<MomentRow[]> => {
    if (!lists.keeps) return queryMicroMoments(db, workspaceId, query);
    const { from, to, segment, channel, device, persona, savedSegment, ...moment } = query;
    const key = readKey({ workspaceId, ...moment });
    const [list, members] = await Promise.all([
      lists.get(key, async () => toColumns(await queryMomentList(db, workspaceId, query))),
      lifecycle.customersKept(workspaceId, audienceOf(query)),
    ]);
    return lanes.run(MOMENTS_PASS, list, { from, to }, members);
  };
}

export function toColumns(rows: MomentListRow[]): MomentList {
  const names: string[] = [];
  const indexes = new Map<string, number>();
  const indexOf = (name: string) => {
    const index = indexes.get(name);
    if (index !== undefined) return index;
    indexes.set(name, names.length);
    return names.push(name) - 1;
  };
  const n = rows.length;
  const list: MomentList = {
    customers: sharedArray(Int32Array, n),
    startedAt: sharedArray(Float64Array, n),
    hours: sharedArray(Uint8Array, n),
    intents: sharedArray(Uint16Array, n),
    stages: sharedArray(Uint16Array, n),
    channels: sharedArray(Uint16Array, n),
    converted: sharedArray(Uint8Array, n),
    mostlyMobile: sharedArray(Uint8Array, n),
    names,
  };
  rows.forEach((row, i) => {
    list.customers[i] = row.customer_id;
    list.startedAt[i] = row.started_at;
    list.hours[i] = row.hour;
    list.intents[i] = indexOf(row.intent);
    list.stages[i] = indexOf(row.stage);
    list.channels[i] = indexOf(row.channel);
    list.converted[i] = row.converted ? 1 : 0;
    list.mostlyMobile[i] = row.mostly_mobile ? 1 : 0;
  });
  return list;
}

/** The groupings of the report's rows: by intent alone, and by intent and each of stage, channel and hour. */
const BY = ['intent', 'stage', 'channel', 'hour'] as const;

/**
 * The report's rows (as buildMicroMomentsSql groups them) for the moments that began in [from, to) of the
 * given customers (all when null). Each grouping's counts sit in typed arrays by intent and value, so that a
 * pass over half a million moments allocates nothing. The list is in customer order: a group counts a
 * customer the first time one of their moments falls in it after another customer's.
 */
export function countMoments(
  list: MomentList,
  range: { from?: Date | undefined; to?: Date | undefined },
  members: Audience | null,
): MomentRow[] {
  const first = range.from ? range.from.getTime() / 1000 : Number.NEGATIVE_INFINITY;
  const end = range.to ? range.to.getTime() / 1000 : Number.POSITIVE_INFINITY;
  // A cell per grouping, intent (a name's index) and value (a name's index, or the hour).
  const values = Math.max(list.names.length, 24);
  const cells = BY.length * list.names.length * values;
  const counts = {
    moments: new Int32Array(cells),
    customers: new Int32Array(cells),
    converted: new Int32Array(cells),
    onMobile: new Int32Array(cells),
    lastCustomer: new Int32Array(cells).fill(-1),
  };
  const add = (i: number, by: number, value: number) => {
    const cell = (by * list.names.length + list.intents[i]!) * values + value;
    const customer = list.customers[i]!;
    counts.moments[cell]!++;
    counts.converted[cell]! += list.converted[i]!;
    counts.onMobile[cell]! += list.mostlyMobile[i]!;
    if (counts.lastCustomer[cell] !== customer) {
      counts.customers[cell]!++;
      counts.lastCustomer[cell] = customer;
    }
  };
  for (let i = 0; i < list.customers.length; i++) {
    const startedAt = list.startedAt[i]!;
    if (startedAt < first || startedAt >= end || (members && !members.has(list.customers[i]!))) continue;
    add(i, 0, 0);
    add(i, 1, list.stages[i]!);
    add(i, 2, list.channels[i]!);
    add(i, 3, list.hours[i]!);
  }
  const rows: MomentRow[] = [];
  for (let cell = 0; cell < cells; cell++) {
    if (counts.moments[cell] === 0) continue;
    const value = cell % values;
    const intent = Math.floor(cell / values) % list.names.length;
    const by = BY[Math.floor(cell / values / list.names.length)]!;
    rows.push({
      intent: list.names[intent]!,
      stage: by === 'stage' ? list.names[value]! : null,
      channel: by === 'channel' ? list.names[value]! : null,
      hour: by === 'hour' ? value : null,
      moments: counts.moments[cell]!,
      customers: counts.customers[cell]!,
      converted: counts.converted[cell]!,
      on_mobile: counts.onMobile[cell]!,
    });
  }
  return rows;
}
