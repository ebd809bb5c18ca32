/**
 * The first index in [start, end) of `sorted` (ascending there) whose value is at or after `value`; `end` if
 * none is. Halving, for the held passes that find a range or a place among hundreds of thousands of values.
 */
export function firstAtOrAfter(
  sorted: ArrayLike<number>,
  value: number,
  start = 0,
  end = sorted.length,
): number {
  let [low, high] = [start, end];
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! < value) low = middle + 1;
    else high = middle;
  }
  return low;
}
