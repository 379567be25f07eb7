/**
 * Gauss's hypergeometric function 2F1 inside the unit disc, which BG/NBD needs (log-gamma and
 * log-beta are in core/special.ts). Written here because no maintained npm package provides it;
 * tests hold it to closed forms.
 */

const MAX_SERIES_TERMS = 1_000_000;

/**
 * Gauss's hypergeometric function 2F1(a, b; c; z) for |z| < 1 by its power series, summed until a
 * term no longer changes the sum. c must not be zero or a negative integer.
 */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  if (!(Math.abs(z) < 1)) throw new RangeError(`hyp2f1: |z| must be below 1, got ${z}`);
  if (c <= 0 && Number.isInteger(c)) throw new RangeError(`hyp2f1: c may not be zero or a negative integer, got ${c}`);
  // Pfaff's transformation turns a negative z, whose series alternates and cancels, into one in (0, 1/2).
  if (z < 0) return Math.pow(1 - z, -a) * series(a, c - b, c, z / (z - 1));
  return series(a, b, c, z);
}

function series(a: number, b: number, c: number, z: number): number {
  let term = 1;
  let sum = 1;
  for (let n = 0; n < MAX_SERIES_TERMS; n++) {
    term *= ((a + n) * (b + n) * z) / ((c + n) * (n + 1));
    const next = sum + term;
    // A term that is zero (a or b a non-positive integer) ends a polynomial; a negligible one ends the series.
    if (term === 0 || (next === sum && n > Math.abs(a) + Math.abs(b))) return next;
    sum = next;
  }
  throw new RangeError(`hyp2f1: the series did not converge for a=${a}, b=${b}, c=${c}, z=${z}`);
}
