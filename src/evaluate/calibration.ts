/**
 * Probability calibration: reliability curves, expected calibration error, and the two maps
 * p -> sigmoid(slope * logit(p) + intercept): Platt scaling fitted on labels, and the prior
 * correction for a model trained on a rebalanced class mix.
 */
import { usageError } from '../errors.js';
import { checkSameLength, type Labels, type Scores } from './curves.js';
import { clipProbability } from './metrics.js';
import type { CALIBRATION_METHODS } from '../config.js';

export interface Calibration {
  method: (typeof CALIBRATION_METHODS)[number];
  /** p = sigmoid(slope * logit + intercept), logit = log(p_raw / (1 - p_raw)). */
  slope: number;
  intercept: number;
}

export type CalibrationMethod = Calibration['method'];

export type CalibrationMap = Pick<Calibration, 'slope' | 'intercept'>;

export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  meanPredicted: number;
  observedRate: number;
}

export const IDENTITY_CALIBRATION: Readonly<CalibrationMap> = Object.freeze({ slope: 1, intercept: 0 });

/** log(p / (1 - p)) after clipping p to [1e-7, 1 - 1e-7]. */
export function logit(p: number): number {
  const q = clipProbability(p);
  return Math.log(q / (1 - q));
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

function checkBins(bins: number): void {
  if (!Number.isInteger(bins) || bins < 1) throw usageError(`bins must be a positive integer; got ${bins}`);
}

/** Equal-width bins over [0, 1] (p = 1 falls in the last); empty bins are left out. */
export function reliabilityCurve(p: Scores, y: Labels, bins = 10): ReliabilityBin[] {
  checkSameLength(p, y);
  checkBins(bins);
  const counts = new Float64Array(bins);
  const predicted = new Float64Array(bins);
  const observed = new Float64Array(bins);
  for (let i = 0; i < p.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p[i]! * bins)));
    counts[b]!++;
    predicted[b]! += p[i]!;
    if (y[i] !== 0) observed[b]!++;
  }
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    const count = counts[b]!;
    if (count === 0) continue;
    out.push({
      lower: b / bins,
      upper: (b + 1) / bins,
      count,
      meanPredicted: predicted[b]! / count,
      observedRate: observed[b]! / count,
    });
  }
  return out;
}

/** Σ_bins (count / n) · |mean predicted − observed rate|; NaN for no rows. */
export function expectedCalibrationError(p: Scores, y: Labels, bins = 10): number {
  let sum = 0;
  for (const bin of reliabilityCurve(p, y, bins)) sum += bin.count * Math.abs(bin.meanPredicted - bin.observedRate);
  return sum / p.length;
}

/**
 * Platt scaling: logistic regression of y on logit(p) by Newton's method with a backtracking line
 * search. Targets use Platt's prior ((N+ + 1) / (N+ + 2) and 1 / (N- + 2)), so one-class data
 * still has a finite answer. No rows: the identity.
 */
export function fitPlatt(p: Scores, y: Labels): CalibrationMap {
  checkSameLength(p, y);
  const n = p.length;
  if (n === 0) return { ...IDENTITY_CALIBRATION };
  const x = Float64Array.from({ length: n }, (_, i) => logit(p[i]!));
  let positives = 0;
  for (let i = 0; i < n; i++) if (y[i] !== 0) positives++;
  const hiTarget = (positives + 1) / (positives + 2);
  const loTarget = 1 / (n - positives + 2);
  const t = Float64Array.from({ length: n }, (_, i) => (y[i] !== 0 ? hiTarget : loTarget));

  const loss = (a: number, b: number): number => {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const z = a * x[i]! + b;
      // log(1 + e^z) - t z, computed stably
      sum += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - t[i]! * z;
    }
    return sum;
  };

  let a = IDENTITY_CALIBRATION.slope;
  let b = IDENTITY_CALIBRATION.intercept;
  let current = loss(a, b);
  const ridge = 1e-12;
  for (let iter = 0; iter < 100; iter++) {
    let ga = 0;
    let gb = 0;
    let haa = ridge;
    let hab = 0;
    let hbb = ridge;
    for (let i = 0; i < n; i++) {
      const s = sigmoid(a * x[i]! + b);
      const r = s - t[i]!;
      const w = s * (1 - s);
      ga += r * x[i]!;
      gb += r;
      haa += w * x[i]! * x[i]!;
      hab += w * x[i]!;
      hbb += w;
    }
    if (Math.abs(ga) < 1e-9 * n && Math.abs(gb) < 1e-9 * n) break;
    const det = haa * hbb - hab * hab;
    // Newton direction; with a singular Hessian (all logits equal) move the intercept only.
    const singular = det <= 1e-12 * haa * hbb;
    const da = singular ? 0 : -(hbb * ga - hab * gb) / det;
    const db = singular ? -gb / hbb : -(haa * gb - hab * ga) / det;
    const slopeOfLoss = ga * da + gb * db;
    let step = 1;
    let next = loss(a + da, b + db);
    while (next > current + 1e-4 * step * slopeOfLoss && step > 1e-10) {
      step /= 2;
      next = loss(a + step * da, b + step * db);
    }
    if (step <= 1e-10) break;
    a += step * da;
    b += step * db;
    const improvement = current - next;
    current = next;
    if (improvement <= 1e-15 * Math.max(1, Math.abs(current))) break;
  }
  return { slope: a, intercept: b };
}

function checkRate(name: string, rate: number): void {
  if (!(rate > 0 && rate < 1)) throw usageError(`${name} must be strictly between 0 and 1; got ${rate}`);
}

/**
 * For a model trained on class mix π_t but used on a population with mix π: shift the logit by
 * log(π / (1 − π)) − log(π_t / (1 − π_t)).
 */
export function priorCorrection(trainPositiveRate: number, truePositiveRate: number): CalibrationMap {
  checkRate('training positive rate', trainPositiveRate);
  checkRate('true positive rate', truePositiveRate);
  const logOdds = (r: number): number => Math.log(r / (1 - r));
  return { slope: 1, intercept: logOdds(truePositiveRate) - logOdds(trainPositiveRate) };
}

/** sigmoid(slope · logit(p) + intercept) per probability, into a new array (p clipped as in logit). */
export function applyCalibration(p: Scores, map: CalibrationMap): Float32Array {
  const out = new Float32Array(p.length);
  for (let i = 0; i < p.length; i++) out[i] = sigmoid(map.slope * logit(p[i]!) + map.intercept);
  return out;
}
