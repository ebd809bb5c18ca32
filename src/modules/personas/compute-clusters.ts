/**
 * The adjusted Rand index (Hubert & Arabie, 1985) of two labellings of the same items: 1 when they agree
 * up to renaming, about 0 for labellings as alike as chance makes them.
 */
export function adjustedRandIndex(a: ArrayLike<number | string>, b: ArrayLike<number | string>): number {
  const n = a.length;
  const cells = new Map<string, number>();
  const rows = new Map<number | string, number>();
  const columns = new Map<number | string, number>();
  for (let i = 0; i < n; i++) {
    const key = `${a[i]}\u0000${b[i]}`;
    cells.set(key, (cells.get(key) ?? 0) + 1);
    rows.set(a[i]!, (rows.get(a[i]!) ?? 0) + 1);
    columns.set(b[i]!, (columns.get(b[i]!) ?? 0) + 1);
  }
  const pairs = (count: number) => (count * (count - 1)) / 2;
  const sum = (values: Iterable<number>) => [...values].reduce((total, value) => total + pairs(value), 0);
  const index = sum(cells.values());
  const rowPairs = sum(rows.values());
  const columnPairs = sum(columns.values());
  const expected = (rowPairs * columnPairs) / pairs(n);
  const maximum = (rowPairs + columnPairs) / 2;
  // One cluster on both sides (or a single item): the labellings agree entirely.
  return maximum === expected ? 1 : (index - expected) / (maximum - expected);
}
