/**
 * Which of a new run's clusters is which earlier persona: the closest pairs of centroids first, each
 * persona taken once, and only pairs closer than half the median distance between the new centroids, so
 * that a cluster that is not really the earlier persona does not inherit its name. Unmatched clusters
 * become new personas.
 */

/** matches[c]: the index of the earlier persona cluster c continues, or null. */
export function matchClusters(
  current: readonly (readonly number[])[],
  previous: readonly (readonly number[])[],
): Array<number | null> {
  const distance = (a: readonly number[], b: readonly number[]) =>
    Math.sqrt(a.reduce((sum, value, j) => sum + (value - (b[j] ?? 0)) ** 2, 0));
  const between: number[] = [];
  for (let a = 0; a < current.length; a++)
    for (let b = a + 1; b < current.length; b++) between.push(distance(current[a]!, current[b]!));
  between.sort((x, y) => x - y);
  const limit = between.length > 0 ? between[Math.floor(between.length / 2)]! / 2 : Number.POSITIVE_INFINITY;
  const pairs: Array<[number, number, number]> = [];
  current.forEach((centroid, c) => {
    previous.forEach((earlier, p) => {
      pairs.push([distance(centroid, earlier), c, p]);
    });
  });
  pairs.sort((x, y) => x[0] - y[0]);
  const matches: Array<number | null> = current.map(() => null);
  const taken = new Set<number>();
  for (const [d, c, p] of pairs) {
    if (d >= limit) break;
    if (matches[c] !== null || taken.has(p)) continue;
    matches[c] = p;
    taken.add(p);
  }
  return matches;
}
