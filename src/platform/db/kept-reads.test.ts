import { describe, expect, it } from 'vitest';
import type { Database } from './database.ts';
import { createKeptFacts, createKeptReads, inWholeDays, readKey } from './kept-reads.ts';

/** A database that is only its engine and its count of changes, which the test moves. */
const fakeDb = (engine: 'duckdb' | 'postgres') => {
  const db = { engine, dataChanges: 0 };
  return db as typeof db & Database;
};

describe('reads kept until the data changes', () => {
  it('keys a read by what it depends on, whatever their order and whether an absent one is named', () => {
    expect(readKey({ a: 1, b: 'x', c: undefined })).toBe(readKey({ b: 'x', a: 1 }));
    expect(readKey({ a: 1 })).not.toBe(readKey({ a: 2 }));
  });

  it('shares a read until the count of changes moves, then reads again', async () => {
    const db = fakeDb('duckdb');
    const kept = createKeptReads<number>(db, 2, true);
    let reads = 0;
    const read = async () => ++reads;
    expect(await Promise.all([kept.get('a', read), kept.get('a', read)])).toEqual([1, 1]);
    expect(await kept.get('a', read)).toBe(1);
    db.dataChanges++;
    expect(await kept.get('a', read)).toBe(2);
    expect(reads).toBe(2);
  });

  it('keeps no read the data changed under, nor a failed one', async () => {
    const db = fakeDb('duckdb');
    const kept = createKeptReads<number>(db, 2, true);
    let reads = 0;
    await kept.get('a', async () => {
      db.dataChanges++;
      return ++reads;
    });
    expect(await kept.get('a', async () => ++reads)).toBe(2);
    await expect(kept.get('b', () => Promise.reject(new Error('gone')))).rejects.toThrow('gone');
    expect(await kept.get('b', async () => 7)).toBe(7);
  });

  it('keeps small facts of any type under the parts they depend on, until the data changes', async () => {
    const db = fakeDb('duckdb');
    const fact = createKeptFacts(db, 4, true);
    const latest = (workspaceId: number, at: string) =>
      fact({ workspaceId, fact: 'latest' }, async () => new Date(at));
    expect(await latest(1, '2026-01-01')).toEqual(new Date('2026-01-01'));
    expect(await latest(1, '2026-02-02')).toEqual(new Date('2026-01-01'));
    expect(await latest(2, '2026-03-03')).toEqual(new Date('2026-03-03'));
    expect(await fact({ workspaceId: 1, savedSegment: 'vip' }, async () => true)).toBe(true);
    db.dataChanges++;
    expect(await latest(1, '2026-02-02')).toEqual(new Date('2026-02-02'));
  });

  it('lets the read used longest ago go first, and keeps nothing on PostgreSQL nor where not wanted', async () => {
    const db = fakeDb('duckdb');
    const kept = createKeptReads<string>(db, 2, true);
    for (const key of ['a', 'b', 'a', 'c']) await kept.get(key, async () => `${key}1`);
    expect(await kept.get('a', async () => 'a2')).toBe('a1');
    expect(await kept.get('b', async () => 'b2')).toBe('b2');

    for (const elsewhere of [
      createKeptReads<string>(fakeDb('postgres'), 2, true),
      createKeptReads<string>(fakeDb('duckdb'), 2, false),
    ]) {
      expect(elsewhere.keeps).toBe(false);
      await elsewhere.get('a', async () => 'a1');
      expect(await elsewhere.get('a', async () => 'a2')).toBe('a2');
    }
  });
});

it('tells the ranges a read kept day by day answers: whole days', () => {
  expect(inWholeDays({})).toBe(true);
  expect(inWholeDays({ from: new Date('2026-03-05'), to: new Date('2026-03-06T00:00:00Z') })).toBe(true);
  expect(inWholeDays({ from: new Date('2026-03-05T09:00:00Z') })).toBe(false);
  expect(inWholeDays({ to: new Date('2026-03-05T00:00:00.001Z') })).toBe(false);
});
