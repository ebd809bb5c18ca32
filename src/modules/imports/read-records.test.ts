import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  MAX_LINE_BYTES,
  parseMapping,
  type ReadItem,
  type ReadOptions,
  readBatches,
} from './read-records.ts';

async function readAll(chunks: string[], options: Partial<ReadOptions> & Pick<ReadOptions, 'format'>) {
  const items: ReadItem[] = [];
  for await (const batch of readBatches(Readable.from(chunks.map((chunk) => Buffer.from(chunk))), {
    batchSize: 2,
    ...options,
  }))
    items.push(...batch);
  return items;
}

describe('reading CSV', () => {
  it('nests dotted headers, types plain numbers and booleans, and leaves empty cells out', async () => {
    const text =
      'user_id,zip,total,vip,properties.plan,properties.seats,note\n' +
      'u1,01234,49.90,true,pro,3,"said ""hi"", twice"\n' +
      'u2,,7,false,,,"two\nlines"\n';
    expect(await readAll([text], { format: 'csv' })).toEqual([
      {
        line: 2,
        record: {
          user_id: 'u1',
          zip: '01234',
          total: 49.9,
          vip: true,
          properties: { plan: 'pro', seats: 3 },
          note: 'said "hi", twice',
        },
      },
      { line: 4, record: { user_id: 'u2', total: 7, vip: false, note: 'two\nlines' } },
    ]);
  });

  it('reports a row with the wrong number of fields and an unclosed quote, and reads the rows between', async () => {
    const text = 'a,b\n1,2\n3\n4,5,6\n7,"x"y\n8,9\n"open,10\n';
    expect(await readAll([text], { format: 'csv' })).toEqual([
      { line: 2, record: { a: 1, b: 2 } },
      { line: 3, column: '', reason: 'has 1 fields where the header has 2' },
      { line: 4, column: '', reason: 'has 3 fields where the header has 2' },
      { line: 5, record: { a: 7, b: '"x"y' } },
      { line: 6, record: { a: 8, b: 9 } },
      {
        line: 7,
        column: '',
        reason:
          'is not valid CSV (Quote Not Closed: the parsing is finished with an opening quote at line 7)',
      },
    ]);
  });

  it('renames the columns named in the mapping, and refuses a mapping to a column the file lacks', async () => {
    const options = { format: 'csv' as const, mapping: { user_id: 'Customer', total: 'Amount' } };
    expect(await readAll(['Customer;Amount\nc-1;12\n'], { ...options, delimiter: ';' })).toEqual([
      { line: 2, record: { user_id: 'c-1', total: 12 } },
    ]);
    await expect(readAll(['Client,Amount\nc-1,12\n'], options)).rejects.toThrow(
      '--map user_id=Customer: the file has no column "Customer"; its columns are Client, Amount.',
    );
  });

  it('refuses a header with an unnamed, repeated, clashing or unsafe column', async () => {
    await expect(readAll(['a,,b\n'], { format: 'csv' })).rejects.toThrow(
      'Column 2 of the CSV header has no name; name it or remove it.',
    );
    await expect(readAll(['a,b,a\n'], { format: 'csv' })).rejects.toThrow(
      'The CSV header names "a" twice; give each field one column.',
    );
    await expect(readAll(['p,p.q\n'], { format: 'csv' })).rejects.toThrow(
      'The CSV header names "p" and "p.q"; give each field one column.',
    );
    await expect(readAll(['__proto__.x\n1\n'], { format: 'csv' })).rejects.toThrow(
      'The CSV header names a field "__proto__" (in a dotted name); rename it.',
    );
  });
});

describe('reading NDJSON', () => {
  it('reads lines split across chunks, skips blank lines and reports lines that are not objects', async () => {
    const items = await readAll(['{"a":1}\r\n\n{"b":', '[1,2]}\n[3]\n{oops\n{"c":"é"}'], {
      format: 'ndjson',
    });
    expect(items).toEqual([
      { line: 1, record: { a: 1 } },
      { line: 3, record: { b: [1, 2] } },
      { line: 4, column: '', reason: 'is not a JSON object; each line must hold one {…} record' },
      { line: 5, column: '', reason: expect.stringMatching(/^is not valid JSON \(/) },
      { line: 6, record: { c: 'é' } },
    ]);
  });

  it('drops a line longer than the limit as it streams and goes on with the next', async () => {
    const long = `{"x":"${'a'.repeat(MAX_LINE_BYTES)}"}`;
    const items = await readAll(['{"a":1}\n', long.slice(0, 600_000), long.slice(600_000), '\n{"b":2}\n'], {
      format: 'ndjson',
    });
    expect(items).toEqual([
      { line: 1, record: { a: 1 } },
      { line: 2, column: '', reason: 'line is longer than 1024 KB' },
      { line: 3, record: { b: 2 } },
    ]);
  });

  it('keeps a "__proto__" key as a field and renames mapped keys', async () => {
    const [item] = await readAll(['{"__proto__":{"x":1},"Customer":"c"}\n'], {
      format: 'ndjson',
      mapping: { userId: 'Customer' },
    });
    const record = (item as { record: Record<string, unknown> }).record;
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(Object.keys(record)).toEqual(['__proto__', 'userId']);
  });
});

describe('parseMapping', () => {
  it('reads field=column pairs and explains a malformed one', () => {
    expect(parseMapping(['user_id=Customer ID', 'total=Amount=EUR'])).toEqual({
      user_id: 'Customer ID',
      total: 'Amount=EUR',
    });
    expect(() => parseMapping(['user_id'])).toThrow(
      '--map user_id: write it as field=column, e.g. --map user_id=CustomerID.',
    );
  });
});
