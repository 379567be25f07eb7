/**
 * Uplift curves on held-out customers of a randomized test, as scikit-uplift defines them
 * (sklift.metrics: qini_curve, uplift_curve, qini_auc_score with negative_effect=True, uplift_at_k
 * with strategy "overall"): customers sorted by predicted uplift, highest first, curve points only
 * where the score changes (ties are targeted together).
 *
 *   Qini(n)   = Y_t(n) − Y_c(n) · N_t(n) / N_c(n)      (incremental buyers among the first n)
 *   uplift(n) = (Y_t(n) / N_t(n) − Y_c(n) / N_c(n)) · n
 *
 * Y_t, Y_c: buyers among the treated / control customers in the first n; N_t, N_c: their numbers.
 */
import { createRng, randomInt } from '../core/random.js';
import { usageError } from '../errors.js';
import { quantile } from './stats.js';

/** The held-out customers of one treatment against control: score, outcome (0/1), treated (1) or control (0). */
export interface UpliftSample {
  score: ArrayLike<number>;
  outcome: ArrayLike<number>;
  treated: ArrayLike<number>;
}

export interface UpliftCurvePoints {
  /** Customers targeted, from 0 to n. */
  targeted: Float64Array;
  value: Float64Array;
}

function checkSample(sample: UpliftSample): number {
  const n = sample.score.length;
  if (sample.outcome.length !== n || sample.treated.length !== n) {
    throw usageError(`uplift evaluation: ${n} scores, ${sample.outcome.length} outcomes and ${sample.treated.length} treatment flags`);
  }
  return n;
}

/** Row indices by descending score; ties keep their input order (a stable sort, as sklift's mergesort). */
function descending(score: ArrayLike<number>): Uint32Array {
  const order = Uint32Array.from({ length: score.length }, (_, i) => i);
  return order.sort((a, b) => score[b]! - score[a]! || a - b);
}

/** Customers and buyers counted per arm: treated (t) and control (c). */
interface ArmCounts {
  yt: number;
  yc: number;
  nt: number;
  nc: number;
}

function countCustomer(counts: ArmCounts, sample: UpliftSample, i: number): void {
  if (sample.treated[i]) {
    counts.nt++;
    counts.yt += sample.outcome[i]!;
  } else {
    counts.nc++;
    counts.yc += sample.outcome[i]!;
  }
}

/** Cumulative counts at each distinct score, starting at (0, 0). */
function cumulative(sample: UpliftSample, point: (counts: ArmCounts) => number): UpliftCurvePoints {
  const n = checkSample(sample);
  const order = descending(sample.score);
  const targeted = [0];
  const value = [0];
  const counts: ArmCounts = { yt: 0, yc: 0, nt: 0, nc: 0 };
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    countCustomer(counts, sample, i);
    const last = k === n - 1 || sample.score[order[k + 1]!] !== sample.score[i];
    if (last) {
      targeted.push(k + 1);
      value.push(point(counts));
    }
  }
  return { targeted: Float64Array.from(targeted), value: Float64Array.from(value) };
}

export function qiniCurve(sample: UpliftSample): UpliftCurvePoints {
  return cumulative(sample, ({ yt, yc, nt, nc }) => yt - (nc > 0 ? (yc * nt) / nc : 0));
}

export function upliftCurve(sample: UpliftSample): UpliftCurvePoints {
  return cumulative(sample, ({ yt, yc, nt, nc }) => ((nt > 0 ? yt / nt : 0) - (nc > 0 ? yc / nc : 0)) * (nt + nc));
}

/** Area under a curve by the trapezoidal rule. */
export function curveArea(curve: UpliftCurvePoints): number {
  let area = 0;
  for (let k = 1; k < curve.targeted.length; k++) {
    area += ((curve.targeted[k]! - curve.targeted[k - 1]!) * (curve.value[k]! + curve.value[k - 1]!)) / 2;
  }
  return area;
}

/** The best possible ranking, which may also put customers off: treated buyers first, control buyers last. */
function perfectScores(sample: UpliftSample): Float64Array {
  return Float64Array.from({ length: sample.score.length }, (_, i) => (sample.treated[i] ? 1 : -1) * sample.outcome[i]!);
}

/**
 * (area of the model − area of random targeting) / (area of the perfect ranking − area of random
 * targeting); random targeting is the straight line to the curve's end. 0 = random, 1 = perfect.
 */
function normalizedArea(sample: UpliftSample, curveOf: (s: UpliftSample) => UpliftCurvePoints): number {
  const model = curveOf(sample);
  const perfect = curveOf({ ...sample, score: perfectScores(sample) });
  const n = model.targeted[model.targeted.length - 1]!;
  const random = (n * model.value[model.value.length - 1]!) / 2;
  const best = curveArea(perfect) - random;
  return best === 0 ? Number.NaN : (curveArea(model) - random) / best;
}

/** The Qini coefficient, normalized: sklift's qini_auc_score(negative_effect=True). */
export function qiniCoefficient(sample: UpliftSample): number {
  return normalizedArea(sample, qiniCurve);
}

/** The area under the uplift curve, normalized the same way: sklift's uplift_auc_score. */
export function upliftAreaCoefficient(sample: UpliftSample): number {
  return normalizedArea(sample, upliftCurve);
}

/**
 * Uplift among the top `share` of customers by score (ceil(n · share) of them): the buying rate of
 * the treated among them minus that of the controls among them. NaN when one group is absent.
 */
export function upliftAtK(sample: UpliftSample, share: number): number {
  const n = checkSample(sample);
  if (!(share > 0 && share <= 1)) throw usageError(`uplift at k: the share must be in (0, 1]; got ${share}`);
  const top = Math.ceil(n * share);
  const order = descending(sample.score);
  const counts: ArmCounts = { yt: 0, yc: 0, nt: 0, nc: 0 };
  for (let k = 0; k < top; k++) countCustomer(counts, sample, order[k]!);
  const { yt, yc, nt, nc } = counts;
  return nt > 0 && nc > 0 ? yt / nt - yc / nc : Number.NaN;
}

/** The average effect over everyone: what contacting a random share of customers gains per customer. */
export function averageUplift(sample: UpliftSample): number {
  return upliftAtK(sample, 1);
}

export const UPLIFT_AT = [0.1, 0.2, 0.3] as const;

export interface UpliftMetrics {
  qini: number;
  upliftArea: number;
  /** Uplift in the top 10, 20, 30 % (UPLIFT_AT). */
  upliftAt: number[];
  /** Uplift over all customers: random targeting's uplift at any k. */
  average: number;
}

export function upliftMetrics(sample: UpliftSample): UpliftMetrics {
  return {
    qini: qiniCoefficient(sample),
    upliftArea: upliftAreaCoefficient(sample),
    upliftAt: UPLIFT_AT.map((k) => upliftAtK(sample, k)),
    average: averageUplift(sample),
  };
}

/** A value with its percentile bootstrap interval. */
export interface Estimate {
  value: number;
  interval: [number, number];
}

export interface BootstrapOptions {
  replicates?: number;
  level?: number;
  seed?: number;
}

/**
 * Percentile bootstrap of a statistic of n customers: each replicate resamples them with replacement
 * (`rows`; null for the customers as given, whose statistic is the value). Replicates whose
 * statistic is not finite are left out.
 */
export function percentileBootstrap(n: number, statistic: (rows: Uint32Array | null) => number, options: BootstrapOptions = {}): Estimate {
  const replicates = options.replicates ?? 200;
  const level = options.level ?? 0.95;
  const rng = createRng(options.seed ?? 0);
  const values: number[] = [];
  const rows = new Uint32Array(n);
  for (let r = 0; r < replicates; r++) {
    for (let i = 0; i < n; i++) rows[i] = randomInt(rng, n);
    const v = statistic(rows);
    if (Number.isFinite(v)) values.push(v);
  }
  const tail = (1 - level) / 2;
  return {
    value: statistic(null),
    interval: values.length > 0 ? [quantile(values, tail), quantile(values, 1 - tail)] : [Number.NaN, Number.NaN],
  };
}

/**
 * Percentile bootstrap of a statistic of several rankings of the same customers: each replicate
 * resamples the customers once, so a difference between two rankings is paired.
 */
export function bootstrapUplift(
  outcome: ArrayLike<number>,
  treated: ArrayLike<number>,
  scores: readonly ArrayLike<number>[],
  statistic: (samples: UpliftSample[]) => number,
  options: BootstrapOptions = {},
): Estimate {
  const sampleOf = (rows: ArrayLike<number> | null): UpliftSample[] =>
    scores.map((score) =>
      rows === null
        ? { score, outcome, treated }
        : {
            score: Float64Array.from(rows, (r) => score[r]!),
            outcome: Float64Array.from(rows, (r) => outcome[r]!),
            treated: Float64Array.from(rows, (r) => treated[r]!),
          },
    );
  return percentileBootstrap(outcome.length, (rows) => statistic(sampleOf(rows)), options);
}
