/**
 * Micro-moments under any range and audience, from every moment of all time held in memory. Finding the
 * moments means sorting every touchpoint of every customer; counting those that began in a range, of the
 * customers an audience keeps, is one pass over a list of moments. So the moments of all time are read once
 * per change of the data (db/kept-reads.ts: in a server on DuckDB) into columns by customer, and
 * the console's date and segment filters answer at once when its page's own view has been made. Elsewhere
 * each report is read on its own.
 */
import type { Database } from '../../platform/db/database.ts';
import { createKeptReads } from '../../platform/db/kept-reads.ts';
import { buildCustomerSubquery } from '../lifecycle/index.ts';
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

export function createMomentCounts(db: Database, keepReads: boolean) {
  const lists = createKeptReads<MomentList>(db, HELD_LISTS, keepReads);
  return async (workspaceId: number, query: MicroMomentQuery): Promise<MomentRow[]> => {
    if (!lists.keeps) return queryMicroMoments(db, workspaceId, query);
    const { from, to, segment, channel, device, persona, savedSegment, ...moment } = query;
    const key = JSON.stringify({ workspaceId, ...moment });
    const [list, members] = await Promise.all([
      lists.get(key, async () => toColumns(await queryMomentList(db, workspaceId, query))),
      membersOf(db, workspaceId, query),
    ]);
    return countMoments(list, { from, to }, members);
  };
}

/** The customers a report's audience filters keep; null when they keep everyone. */
export async function membersOf(
  db: Database,
  workspaceId: number,
  query: MicroMomentQuery,
): Promise<Set<number> | null> {
  const params: unknown[] = [workspaceId];
  const customers = buildCustomerSubquery(audienceOf(query), params);
  if (!customers) return null;
  const rows = await db.query<{ customer_id: number }>(customers, params);
  return new Set(rows.map((row) => row.customer_id));
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
    customers: new Int32Array(n),
    startedAt: new Float64Array(n),
    hours: new Uint8Array(n),
    intents: new Uint16Array(n),
    stages: new Uint16Array(n),
    channels: new Uint16Array(n),
    converted: new Uint8Array(n),
    mostlyMobile: new Uint8Array(n),
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

/**
 * The report's rows (as buildMicroMomentsSql groups them) for the moments that began in [from, to) of the
 * given customers (all when null). The list is in customer order, so a group counts a customer the first
 * time one of their moments falls in it after another customer's.
 */
export function countMoments(
  list: MomentList,
  range: { from?: Date | undefined; to?: Date | undefined },
  members: Set<number> | null,
): MomentRow[] {
  const first = range.from ? range.from.getTime() / 1000 : Number.NEGATIVE_INFINITY;
  const end = range.to ? range.to.getTime() / 1000 : Number.POSITIVE_INFINITY;
  const groups = new Map<string, MomentRow & { lastCustomer: number }>();
  const add = (i: number, stage: string | null, channel: string | null, hour: number | null) => {
    const intent = list.names[list.intents[i]!]!;
    const key = `${intent}\u0000${stage}\u0000${channel}\u0000${hour}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        intent,
        stage,
        channel,
        hour,
        moments: 0,
        customers: 0,
        converted: 0,
        on_mobile: 0,
        lastCustomer: -1,
      };
      groups.set(key, group);
    }
    group.moments++;
    group.converted += list.converted[i]!;
    group.on_mobile += list.mostlyMobile[i]!;
    if (group.lastCustomer !== list.customers[i]) {
      group.customers++;
      group.lastCustomer = list.customers[i]!;
    }
  };
  for (let i = 0; i < list.customers.length; i++) {
    const startedAt = list.startedAt[i]!;
    if (startedAt < first || startedAt >= end || (members && !members.has(list.customers[i]!))) continue;
    add(i, null, null, null);
    add(i, list.names[list.stages[i]!]!, null, null);
    add(i, null, list.names[list.channels[i]!]!, null);
    add(i, null, null, list.hours[i]!);
  }
  return [...groups.values()].map(({ lastCustomer, ...row }) => row);
}
