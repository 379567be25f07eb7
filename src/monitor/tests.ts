/**
 * The drift tests Evidently picks by default, on plain arrays: two-sample Kolmogorov–Smirnov and
 * chi-squared (p-values, for small samples), Wasserstein distance over the reference's standard
 * deviation and Jensen–Shannon distance (for large ones), and the population stability index.
 */
import chiSquaredCdf from '@stdlib/stats-base-dists-chisquare-cdf';

/** Shares that are 0 are floored to this before taking logarithms, as Evidently does. */
const ZERO_SHARE = 0.0001;

/**
 * P(K > λ) for Kolmogorov's limiting distribution: 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}. Below λ ≈ 0.2
 * the series converges slowly and the probability is 1 to double precision.
 */
export function kolmogorovSurvival(lambda: number): number {
  if (!(lambda > 0.2)) return 1;
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sum += k % 2 === 1 ? term : -term;
    if (term < 1e-16) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

export interface TestResult {
  statistic: number;
  pValue: number;
}

/**
 * Two-sample Kolmogorov–Smirnov on sorted samples: D = max |F_a − F_b| over every value, and its
 * asymptotic p-value with Stephens' small-sample correction, λ = (√nₑ + 0.12 + 0.11/√nₑ)·D, nₑ = nm/(n+m).
 * With tied values the test is conservative (p-values too large), never too eager.
 */
export function ksTwoSample(a: ArrayLike<number>, b: ArrayLike<number>): TestResult {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return { statistic: Number.NaN, pValue: Number.NaN };
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const x = Math.min(a[i]!, b[j]!);
    while (i < n && a[i]! <= x) i++;
    while (j < m && b[j]! <= x) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  const ne = (n * m) / (n + m);
  const root = Math.sqrt(ne);
  return { statistic: d, pValue: kolmogorovSurvival((root + 0.12 + 0.11 / root) * d) };
}

/**
 * Pearson's chi-squared goodness of fit of observed counts to the reference's shares (scaled to the
 * observed total); categories the reference never saw are left out here (they are reported as new).
 */
export function chiSquared(observed: ArrayLike<number>, referenceShares: ArrayLike<number>): TestResult {
  let total = 0;
  for (let k = 0; k < observed.length; k++) total += observed[k]!;
  let statistic = 0;
  let categories = 0;
  for (let k = 0; k < observed.length; k++) {
    const expected = referenceShares[k]! * total;
    if (!(expected > 0)) continue;
    statistic += (observed[k]! - expected) ** 2 / expected;
    categories++;
  }
  if (total === 0 || categories < 2) return { statistic: Number.NaN, pValue: Number.NaN };
  return { statistic, pValue: 1 - chiSquaredCdf(statistic, categories - 1) };
}

/** The 1-Wasserstein distance between two sorted samples: ∫ |F_a(x) − F_b(x)| dx. */
export function wasserstein(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return Number.NaN;
  let i = 0;
  let j = 0;
  let area = 0;
  let x = Math.min(a[0]!, b[0]!);
  while (i < n || j < m) {
    const next = Math.min(i < n ? a[i]! : Infinity, j < m ? b[j]! : Infinity);
    area += Math.abs(i / n - j / m) * (next - x);
    x = next;
    while (i < n && a[i]! <= x) i++;
    while (j < m && b[j]! <= x) j++;
  }
  return area;
}

/** Counts as shares of their total, zeros floored. */
function shares(counts: ArrayLike<number>): Float64Array {
  let total = 0;
  for (let k = 0; k < counts.length; k++) total += counts[k]!;
  return Float64Array.from({ length: counts.length }, (_, k) => Math.max(total > 0 ? counts[k]! / total : 0, ZERO_SHARE));
}

/** Jensen–Shannon distance (natural logarithm, as scipy's default) between two count vectors over the same categories. */
export function jensenShannon(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  const p = shares(reference);
  const q = shares(current);
  const sp = p.reduce((s, v) => s + v, 0);
  const sq = q.reduce((s, v) => s + v, 0);
  let divergence = 0;
  for (let k = 0; k < p.length; k++) {
    const pk = p[k]! / sp;
    const qk = q[k]! / sq;
    const mk = (pk + qk) / 2;
    divergence += 0.5 * pk * Math.log(pk / mk) + 0.5 * qk * Math.log(qk / mk);
  }
  return Math.sqrt(Math.max(0, divergence));
}

/** Population stability index over the same bins: Σ (c − r) · ln(c / r) on shares, zeros floored. */
export function populationStability(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  const r = shares(reference);
  const c = shares(current);
  let psi = 0;
  for (let k = 0; k < r.length; k++) psi += (c[k]! - r[k]!) * Math.log(c[k]! / r[k]!);
  return psi;
}

/** Two-sided p-value of a difference between two proportions (pooled normal approximation). */
export function twoProportions(x1: number, n1: number, x2: number, n2: number): TestResult {
  if (n1 === 0 || n2 === 0) return { statistic: Number.NaN, pValue: Number.NaN };
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  const z = se > 0 ? (x2 / n2 - x1 / n1) / se : 0;
  return { statistic: z, pValue: se > 0 ? 1 - chiSquaredCdf(z * z, 1) : 1 };
}

/** Two-sided p-value of a difference between two means (Welch's z, for samples large enough that t ≈ z). */
export function twoMeans(mean1: number, variance1: number, n1: number, mean2: number, variance2: number, n2: number): TestResult {
  if (n1 < 2 || n2 < 2) return { statistic: Number.NaN, pValue: Number.NaN };
  const se = Math.sqrt(variance1 / n1 + variance2 / n2);
  if (!(se > 0)) return { statistic: 0, pValue: mean1 === mean2 ? 1 : 0 };
  const z = (mean2 - mean1) / se;
  return { statistic: z, pValue: 1 - chiSquaredCdf(z * z, 1) };
}
