/** How CLI verbs print: `--json` for scripts, an aligned table for people. */

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export type Column<T> = [header: string, value: (row: T) => unknown];

export function printTable<T>(rows: readonly T[], columns: readonly Column<T>[], empty = '(none)'): void {
  if (rows.length === 0) {
    process.stdout.write(`${empty}\n`);
    return;
  }
  const cells = rows.map((row) => columns.map(([, value]) => formatCell(value(row))));
  const widths = columns.map(([header], index) =>
    Math.max(header.length, ...cells.map((line) => line[index]!.length)),
  );
  const line = (values: string[]) =>
    values
      .map((value, index) => value.padEnd(widths[index]!))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${[line(columns.map(([header]) => header)), ...cells.map(line)].join('\n')}\n`);
}

/** A share as a percentage with one decimal, `-` when there is none. */
export const formatShare = (share: number | null) => (share === null ? null : `${(share * 100).toFixed(1)}%`);

function formatCell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (value instanceof Date) return value.toISOString().replace('.000Z', 'Z');
  return String(value);
}
