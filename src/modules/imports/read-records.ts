/**
 * Reads an import file as a stream of records, a batch at a time, in constant memory: NDJSON (one JSON
 * object per line) or CSV with a header row. A line that cannot be read becomes a problem with its line
 * number and never stops the lines after it.
 *
 * CSV cells are text; the import makes them JSON-like so that both formats mean the same: an empty cell is
 * absent, `true`/`false` are booleans, a plain decimal number is a number (one with a leading zero, such as
 * a zip code `01234`, or with more than 15 digits stays text), and a header with dots (`properties.plan`)
 * builds a nested object.
 */
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { AppError } from '../../platform/errors/app-error.ts';

export type ImportFormat = 'csv' | 'ndjson';

export interface SourceRecord {
  line: number;
  record: Record<string, unknown>;
}

export interface LineProblem {
  line: number;
  /** The field at fault, as the file names it; empty when the whole line is. */
  column: string;
  reason: string;
}

export type ReadItem = SourceRecord | LineProblem;

export interface ReadOptions {
  format: ImportFormat;
  /** Field names the import expects, by the name the file uses instead: { user_id: 'CustomerID' }. */
  mapping?: Readonly<Record<string, string>>;
  /** CSV only; ',' unless told. */
  delimiter?: string;
  batchSize: number;
}

/** Longer NDJSON lines are refused rather than held in memory. */
export const MAX_LINE_BYTES = 1024 * 1024;
const NUMBER = /^-?(?:0|[1-9]\d{0,14})(?:\.\d{1,6})?$/;

export const isProblem = (item: ReadItem): item is LineProblem => 'reason' in item;

export function readBatches(input: Readable, options: ReadOptions): AsyncGenerator<ReadItem[]> {
  const rename = renamer(options.mapping ?? {});
  return options.format === 'csv'
    ? readCsv(input, options, rename)
    : readNdjson(input, options.batchSize, rename);
}

async function* readNdjson(
  input: Readable,
  batchSize: number,
  rename: (name: string) => string,
): AsyncGenerator<ReadItem[]> {
  input.setEncoding('utf8');
  let batch: ReadItem[] = [];
  let rest = '';
  let lineNumber = 0;
  let overlong = false;
  const take = (text: string) => {
    lineNumber += 1;
    if (overlong) {
      overlong = false;
      batch.push({ line: lineNumber, column: '', reason: `line is longer than ${MAX_LINE_BYTES / 1024} KB` });
      return;
    }
    const item = parseJsonLine(text.endsWith('\r') ? text.slice(0, -1) : text, lineNumber, rename);
    if (item) batch.push(item);
  };
  for await (const chunk of input as AsyncIterable<string>) {
    let start = 0;
    let text = rest + chunk;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      take(text.slice(start, end));
      start = end + 1;
    }
    text = text.slice(start);
    // A line that never ends is dropped as it comes, so that memory stays flat; its number is reported.
    if (text.length > MAX_LINE_BYTES) {
      overlong = true;
      text = '';
    }
    rest = text;
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (rest !== '' || overlong) take(rest);
  if (batch.length > 0) yield batch;
}

function parseJsonLine(text: string, line: number, rename: (name: string) => string): ReadItem | null {
  if (text.trim() === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { line, column: '', reason: `is not valid JSON (${(error as Error).message})` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { line, column: '', reason: 'is not a JSON object; each line must hold one {…} record' };
  // fromEntries defines own fields, so a "__proto__" key stays a field and not the record's prototype.
  const record = Object.fromEntries(Object.entries(value).map(([key, field]) => [rename(key), field]));
  return { line, record };
}

async function* readCsv(
  input: Readable,
  options: ReadOptions,
  rename: (name: string) => string,
): AsyncGenerator<ReadItem[]> {
  let batch: ReadItem[] = [];
  // The parser reports a broken row as soon as it meets it, ahead of the good rows before it still queued.
  const broken: LineProblem[] = [];
  const parser = input.pipe(
    parse({
      delimiter: options.delimiter ?? ',',
      bom: true,
      info: true,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (error) => {
        if (error)
          broken.push({
            line: Number(error.lines) || 0,
            column: '',
            reason: `is not valid CSV (${error.message})`,
          });
        return undefined;
      },
    }),
  );
  let header: Header | null = null;
  for await (const { record, info } of parser as AsyncIterable<{
    record: string[];
    info: { lines: number };
  }>) {
    if (!header) {
      header = readHeader(record, options.mapping ?? {}, rename);
      continue;
    }
    while (broken.length > 0 && broken[0]!.line < info.lines) batch.push(broken.shift()!);
    batch.push(recordOf(record, info.lines, header));
    if (batch.length >= options.batchSize) {
      yield batch;
      batch = [];
    }
  }
  batch.push(...broken);
  if (batch.length > 0) yield batch;
}

interface Header {
  names: string[];
  paths: string[][];
}

function readHeader(
  cells: string[],
  mapping: Readonly<Record<string, string>>,
  rename: (name: string) => string,
) {
  const names = cells.map((cell) => cell.trim());
  for (const [target, source] of Object.entries(mapping)) {
    if (!names.includes(source))
      throw new AppError(
        'INVALID_INPUT',
        `--map ${target}=${source}: the file has no column "${source}"; its columns are ${names.join(', ')}.`,
      );
  }
  const paths = names.map((name) => rename(name).split('.'));
  const unnamed = names.indexOf('');
  if (unnamed !== -1)
    throw new AppError(
      'INVALID_INPUT',
      `Column ${unnamed + 1} of the CSV header has no name; name it or remove it.`,
    );
  const unsafe = paths.flat().find((part) => ['__proto__', 'constructor', 'prototype', ''].includes(part));
  if (unsafe !== undefined)
    throw new AppError(
      'INVALID_INPUT',
      `The CSV header names a field "${unsafe}" (in a dotted name); rename it.`,
    );
  const joined = paths.map((path) => path.join('.'));
  for (const [index, path] of joined.entries()) {
    const clash = joined.find((other, otherIndex) => otherIndex !== index && other.startsWith(`${path}.`));
    if (joined.indexOf(path) !== index || clash)
      throw new AppError(
        'INVALID_INPUT',
        `The CSV header names "${path}" ${clash ? `and "${clash}"` : 'twice'}; give each field one column.`,
      );
  }
  return { names, paths };
}

function recordOf(cells: string[], line: number, header: Header): ReadItem {
  if (cells.length !== header.names.length)
    return {
      line,
      column: '',
      reason: `has ${cells.length} fields where the header has ${header.names.length}`,
    };
  const record: Record<string, unknown> = {};
  for (let index = 0; index < cells.length; index++) {
    const cell = cells[index]!;
    if (cell === '') continue;
    const path = header.paths[index]!;
    let target = record;
    for (let depth = 0; depth < path.length - 1; depth++) {
      const key = path[depth]!;
      target[key] ??= {};
      target = target[key] as Record<string, unknown>;
    }
    target[path[path.length - 1]!] = cellValue(cell);
  }
  return { line, record };
}

function cellValue(cell: string): unknown {
  if (cell === 'true') return true;
  if (cell === 'false') return false;
  return NUMBER.test(cell) ? Number(cell) : cell;
}

function renamer(mapping: Readonly<Record<string, string>>): (name: string) => string {
  const targets = new Map(Object.entries(mapping).map(([target, source]) => [source, target]));
  return (name) => targets.get(name) ?? name;
}

/** `--map user_id=CustomerID` (repeatable) as { user_id: 'CustomerID' }. */
export function parseMapping(pairs: readonly string[]): Record<string, string> {
  const mapping: Record<string, string> = {};
  for (const pair of pairs) {
    const [target, source] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
    if (!pair.includes('=') || !target.trim() || !source.trim())
      throw new AppError(
        'INVALID_INPUT',
        `--map ${pair}: write it as field=column, e.g. --map user_id=CustomerID.`,
      );
    mapping[target.trim()] = source.trim();
  }
  return mapping;
}
