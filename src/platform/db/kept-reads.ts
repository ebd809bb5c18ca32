/**
 * Reads kept in memory until the data changes: what an analysis derives many answers from (counts by day, a
 * list of moments) is read once per change of the data and shared by every answer after it. Kept while the
 * database's count of changes to the data (change-counter.ts: a sign-in is none) has not moved since the read
 * began, so a read that saw half of a change is never kept; like the answer cache, only where this process is
 * the database's sole writer, DuckDB: on PostgreSQL other instances may write, unseen by this count.
 */
import type { Database } from './database.ts';

export interface KeptReads<T> {
  /** Whether reads are kept here at all (wanted, on DuckDB); where not, the caller reads what it needs each time. */
  readonly keeps: boolean;
  /** The read kept under `key` if the data has not changed since it began, else `read()`, kept if it can be. */
  get(key: string, read: () => Promise<T>): Promise<T>;
}

/**
 * The key of a read from what it depends on, the same whatever order the parts come in (a query parsed from
 * an address has its fields in the order they were given) and whether an absent part is undefined or missing.
 */
export const readKey = (parts: Record<string, unknown>): string =>
  JSON.stringify(
    Object.entries(parts)
      .filter(([, value]) => value !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );

/** Whether a range starts and ends at midnight UTC: what a read kept day by day can answer. */
export const inWholeDays = (range: { from?: Date | undefined; to?: Date | undefined }) =>
  [range.from, range.to].every((at) => !at || at.getTime() % 86_400_000 === 0);

/**
 * Small facts a request asks for before its answer (the latest time seen, whether a name exists, the state of
 * a refresh), kept as reads are, under the parts they depend on: a query fewer per request, and one that
 * scans a table no longer runs for each of a page's calls.
 */
export function createKeptFacts(db: Database, most: number, wanted: boolean) {
  const reads = createKeptReads<unknown>(db, most, wanted);
  return <T>(parts: Record<string, unknown>, read: () => Promise<T>): Promise<T> =>
    reads.get(readKey(parts), read) as Promise<T>;
}

/**
 * `most`: reads kept at most, the one used longest ago going first. `wanted`: whether the process lives to
 * use them (a server does; a CLI verb that answers once and exits would only read more than it needs).
 */
export function createKeptReads<T>(db: Database, most: number, wanted: boolean): KeptReads<T> {
  const kept = new Map<string, { changes: number; value: Promise<T> }>();
  const keeps = wanted && db.engine === 'duckdb';
  return {
    keeps,
    get(key, read) {
      if (!keeps) return read();
      const found = kept.get(key);
      kept.delete(key);
      if (found && found.changes === db.dataChanges) {
        kept.set(key, found);
        return found.value;
      }
      const changes = db.dataChanges;
      const value = read();
      kept.set(key, { changes, value });
      if (kept.size > most) kept.delete(kept.keys().next().value!);
      // Reads asked for while this one runs share it; once it is done, it stays only if nothing changed.
      const forget = () => kept.get(key)?.value === value && kept.delete(key);
      value.then(() => db.dataChanges !== changes && forget(), forget);
      return value;
    },
  };
}
