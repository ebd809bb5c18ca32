/**
 * Nelder–Mead minimisation of a function of a few variables (Nelder & Mead 1965, with the standard
 * coefficients: reflection 1, expansion 2, contraction ½, shrink ½). No gradients: the likelihoods it serves
 * are smooth but their gradients are long to write and easy to get wrong.
 */

export interface Minimum {
  x: number[];
  value: number;
  iterations: number;
  converged: boolean;
}

export function nelderMead(
  f: (x: number[]) => number,
  start: number[],
  options: { step?: number; tolerance?: number; maxIterations?: number } = {},
): Minimum {
  const { step = 0.5, tolerance = 1e-10, maxIterations = 5000 } = options;
  const n = start.length;
  const value = (x: number[]) => {
    const y = f(x);
    // A point where the function cannot be evaluated is worse than any that can.
    return Number.isFinite(y) ? y : Number.POSITIVE_INFINITY;
  };
  let simplex = [start, ...start.map((_, i) => start.map((v, j) => (i === j ? v + step : v)))].map((x) => ({
    x,
    y: value(x),
  }));
  const along = (from: number[], to: number[], t: number) => from.map((v, i) => v + t * (to[i]! - v));
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    simplex.sort((p, q) => p.y - q.y);
    const best = simplex[0]!;
    const worst = simplex[n]!;
    if (Math.abs(worst.y - best.y) <= tolerance * (Math.abs(best.y) + tolerance))
      return { x: best.x, value: best.y, iterations: iteration, converged: true };
    const centroid = start.map((_, i) => simplex.slice(0, n).reduce((sum, p) => sum + p.x[i]!, 0) / n);
    const reflected = along(centroid, worst.x, -1);
    const reflectedY = value(reflected);
    if (reflectedY < best.y) {
      const expanded = along(centroid, worst.x, -2);
      const expandedY = value(expanded);
      simplex[n] = expandedY < reflectedY ? { x: expanded, y: expandedY } : { x: reflected, y: reflectedY };
    } else if (reflectedY < simplex[n - 1]!.y) simplex[n] = { x: reflected, y: reflectedY };
    else {
      const outside = reflectedY < worst.y;
      const contracted = along(centroid, outside ? reflected : worst.x, 0.5);
      const contractedY = value(contracted);
      if (contractedY < Math.min(worst.y, reflectedY)) simplex[n] = { x: contracted, y: contractedY };
      else
        simplex = simplex.map((p, i) =>
          i === 0 ? p : { x: along(best.x, p.x, 0.5), y: value(along(best.x, p.x, 0.5)) },
        );
    }
  }
  simplex.sort((p, q) => p.y - q.y);
  return { x: simplex[0]!.x, value: simplex[0]!.y, iterations: maxIterations, converged: false };
}
