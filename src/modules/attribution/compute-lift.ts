/**
 * The lift of an exposed group over its holdout: the difference of their conversion rates, with Newcombe's
 * hybrid score interval (Newcombe 1998, method 10), which keeps its coverage for small groups and rates near
 * 0 or 1 where the textbook (Wald) interval does not.
 */

const Z95 = 1.959963984540054;

/** Wilson's score interval for a proportion. */
export function wilsonInterval(successes: number, trials: number, z = Z95): [number, number] {
  if (trials === 0) return [0, 1];
  const p = successes / trials;
  const z2 = z * z;
  const centre = (p + z2 / (2 * trials)) / (1 + z2 / trials);
  const half = (z / (1 + z2 / trials)) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return [centre - half, centre + half];
}

export interface Arm {
  customers: number;
  converted: number;
}

export interface Lift {
  /** Exposed rate − holdout rate. */
  lift: number;
  /** lift / holdout rate; null when the holdout never converted. */
  relativeLift: number | null;
  interval: { low: number; high: number; level: 0.95 };
}

export function computeLift(exposed: Arm, holdout: Arm): Lift {
  const p1 = exposed.customers ? exposed.converted / exposed.customers : 0;
  const p2 = holdout.customers ? holdout.converted / holdout.customers : 0;
  const [l1, u1] = wilsonInterval(exposed.converted, exposed.customers);
  const [l2, u2] = wilsonInterval(holdout.converted, holdout.customers);
  const lift = p1 - p2;
  return {
    lift,
    relativeLift: p2 > 0 ? lift / p2 : null,
    interval: {
      low: lift - Math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
      high: lift + Math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
      level: 0.95,
    },
  };
}
