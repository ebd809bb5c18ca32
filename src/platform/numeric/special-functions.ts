/**
 * The special functions the customer-value models need, in double precision: ln Γ (Lanczos) and the Gauss
 * hypergeometric function ₂F₁ (its power series, for the |z| < 1 the BG/NBD formulas use).
 */

// Lanczos approximation, g = 7, nine coefficients (Godfrey): about 15 significant digits for x > 0.
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0. */
export function lnGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`lnGamma takes x > 0, not ${x}`);
  // Reflection keeps the series accurate below 1/2: Γ(x) Γ(1 − x) = π / sin(πx).
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** ln B(a, b). */
export const lnBeta = (a: number, b: number) => lnGamma(a) + lnGamma(b) - lnGamma(a + b);

/**
 * ₂F₁(a, b; c; z) for 0 ≤ z < 1 by its power series Σ (a)ₙ(b)ₙ / (c)ₙ zⁿ / n!, summed until a term no longer
 * changes the sum. Converges for every |z| < 1; slowly as z nears 1 (BG/NBD's z = t / (α + T + t) stays
 * well below it for horizons of the order of the calibration period).
 */
export function hypergeometric2F1(a: number, b: number, c: number, z: number): number {
  if (!(z >= 0 && z < 1)) throw new RangeError(`hypergeometric2F1 takes 0 ≤ z < 1, not ${z}`);
  let term = 1;
  let sum = 1;
  for (let n = 0; n < 100_000; n++) {
    term *= (((a + n) * (b + n)) / ((c + n) * (n + 1))) * z;
    sum += term;
    if (Math.abs(term) <= 1e-15 * Math.abs(sum)) return sum;
  }
  throw new RangeError(`hypergeometric2F1(${a}, ${b}; ${c}; ${z}) did not converge`);
}
