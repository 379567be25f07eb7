/** Summary statistics, Student t intervals and the paired t-test. Empty inputs give NaN. */
import { usageError } from '../errors.js';
import { logGamma } from '../core/special.js';

export type Values = ArrayLike<number>;

export interface Interval {
  n: number;
  mean: number;
  lower: number;
  upper: number;
  level: number;
}

export interface PairedTestResult {
  n: number;
  /** Mean of a - b. */
  meanDifference: number;
  lower: number;
  upper: number;
  level: number;
  t: number;
  df: number;
  /** Two-sided. */
  pValue: number;
}

export function mean(values: Values): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}

/** Sample standard deviation (n - 1); NaN below two values. */
export function sd(values: Values): number {
  const n = values.length;
  if (n < 2) return Number.NaN;
  const m = mean(values);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (values[i]! - m) ** 2;
  return Math.sqrt(sum / (n - 1));
}

/** The q-quantile with linear interpolation between order statistics (numpy's default, type 7). */
export function quantile(values: Values, q: number): number {
  if (!(q >= 0 && q <= 1)) throw usageError(`quantile must be in [0, 1]; got ${q}`);
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return quantileOfSorted(sorted, q);
}

/** As quantile, for values already sorted ascending. */
export function quantileOfSorted(sorted: Values, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

export function median(values: Values): number {
  return quantile(values, 0.5);
}

// Continued fraction for the incomplete beta function (modified Lentz).
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 1000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
  return x < (a + 1) / (a + b + 2)
    ? (front * betaContinuedFraction(x, a, b)) / a
    : 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

/** P(T > t) for t >= 0, computed directly so that small tails keep their precision. */
function tUpperTail(t: number, df: number): number {
  return 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** Student t cumulative distribution function. */
export function tCdf(t: number, df: number): number {
  if (Number.isNaN(t)) return Number.NaN;
  return t >= 0 ? 1 - tUpperTail(t, df) : tUpperTail(-t, df);
}

function tDensity(t: number, df: number): number {
  const logC = logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * Math.log(df * Math.PI);
  return Math.exp(logC - ((df + 1) / 2) * Math.log1p((t * t) / df));
}

/** Standard normal quantile (Wichura's AS 241, about 16 digits). */
export function normalQuantile(p: number): number {
  if (p <= 0) return p === 0 ? Number.NEGATIVE_INFINITY : Number.NaN;
  if (p >= 1) return p === 1 ? Number.POSITIVE_INFINITY : Number.NaN;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (
      (q *
        (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r +
          45921.953931549871457) *
          r +
          13731.693765509461125) *
          r +
          1971.5909503065514427) *
          r +
          133.14166789178437745) *
          r +
          3.387132872796366608)) /
      (((((((r * 5226.495278852854561 + 28729.085735721942674) * r + 39307.89580009271061) * r +
        21213.794301586595867) *
        r +
        5394.1960214247511077) *
        r +
        687.1870074920579083) *
        r +
        42.313330701600911252) *
        r +
        1)
    );
  }
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  let x: number;
  if (r <= 5) {
    r -= 1.6;
    x =
      (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r + 0.24178072517745061177) * r +
        1.27045825245236838258) *
        r +
        3.64784832476320460504) *
        r +
        5.7694972214606914055) *
        r +
        4.6303378461565452959) *
        r +
        1.42343711074968357734) /
      (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r +
        0.14810397642748007459) *
        r +
        0.68976733498510000455) *
        r +
        1.6763848301838038494) *
        r +
        2.05319162663775882187) *
        r +
        1);
  } else {
    r -= 5;
    x =
      (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r +
        0.026532189526576123093) *
        r +
        0.29656057182850489123) *
        r +
        1.7848265399172913358) *
        r +
        5.4637849111641143699) *
        r +
        6.6579046435011037772) /
      (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r +
        7.868691311456132591e-4) *
        r +
        0.0148753612908506148525) *
        r +
        0.13692988092273580531) *
        r +
        0.59983220655588793769) *
        r +
        1);
  }
  return q < 0 ? -x : x;
}

/** Student t quantile: the t with P(T <= t) = p. Newton's method on the tail, kept inside a bracket. */
export function tQuantile(p: number, df: number): number {
  if (!(df > 0)) throw usageError(`degrees of freedom must be positive; got ${df}`);
  if (Number.isNaN(p) || p < 0 || p > 1) return Number.NaN;
  if (p === 0.5) return 0;
  if (p < 0.5) return -tQuantile(1 - p, df);
  if (p === 1) return Number.POSITIVE_INFINITY;
  if (!Number.isFinite(df)) return normalQuantile(p);
  const tail = 1 - p;
  let lo = 0;
  let hi = 1;
  while (tUpperTail(hi, df) > tail) {
    lo = hi;
    hi *= 2;
  }
  let t = Math.min(hi, Math.max(lo, normalQuantile(p)));
  for (let i = 0; i < 200; i++) {
    const excess = tUpperTail(t, df) - tail; // > 0: t is too small
    if (excess > 0) lo = t;
    else hi = t;
    let next = t + excess / tDensity(t, df);
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - t) <= 1e-14 * Math.max(1, Math.abs(t))) return next;
    t = next;
  }
  return t;
}

function checkLevel(level: number): void {
  if (!(level > 0 && level < 1)) throw usageError(`confidence level must be in (0, 1); got ${level}`);
}

/** Mean with a t interval. Bounds are NaN below two values. */
export function meanInterval(values: Values, level = 0.95): Interval {
  checkLevel(level);
  const n = values.length;
  const m = mean(values);
  const half = n < 2 ? Number.NaN : (tQuantile(0.5 + level / 2, n - 1) * sd(values)) / Math.sqrt(n);
  return { n, mean: m, lower: m - half, upper: m + half, level };
}

/** Paired t-test of a against b (same length): mean difference a - b, its interval and a two-sided p-value. */
export function pairedTest(a: Values, b: Values, level = 0.95): PairedTestResult {
  if (a.length !== b.length) throw usageError(`paired test needs equal lengths; got ${a.length} and ${b.length}`);
  const diff = Float64Array.from({ length: a.length }, (_, i) => a[i]! - b[i]!);
  const interval = meanInterval(diff, level);
  const n = diff.length;
  const df = n - 1;
  const se = sd(diff) / Math.sqrt(n);
  let t: number;
  if (n < 2) t = Number.NaN;
  else if (se === 0) t = interval.mean === 0 ? 0 : Math.sign(interval.mean) * Number.POSITIVE_INFINITY;
  else t = interval.mean / se;
  const pValue = Number.isNaN(t) ? Number.NaN : Math.min(1, 2 * tUpperTail(Math.abs(t), df));
  return { n, meanDifference: interval.mean, lower: interval.lower, upper: interval.upper, level, t, df, pValue };
}
