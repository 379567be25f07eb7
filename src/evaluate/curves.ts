/**
 * Threshold sweeps and the ROC and precision–recall curves drawn from them.
 * Convention everywhere: a row is predicted positive when its score >= threshold.
 */
import { internalError } from '../errors.js';

/** Probabilities and true labels of one held-out part, for curves, calibration and decisions. */
export interface ScoredPart {
  probability: number[];
  label: number[];
}

export type Scores = ArrayLike<number>;
/** 0/1 labels; any nonzero value counts as positive. */
export type Labels = ArrayLike<number>;

export const MAX_CURVE_POINTS = 200;

export interface RocCurve {
  fpr: number[];
  tpr: number[];
  /** Descending; the first point (0, 0) has threshold +Infinity. */
  thresholds: number[];
}

export interface PrCurve {
  recall: number[];
  precision: number[];
  /** Descending; the first point (recall 0, precision 1) has threshold +Infinity. */
  thresholds: number[];
}

/** Cumulative counts at each distinct score, from the highest down. */
export interface ThresholdSweep {
  /** Distinct scores, descending. */
  thresholds: Float64Array;
  /** True and false positives when contacting every row with score >= thresholds[i]. */
  tp: Float64Array;
  fp: Float64Array;
  positives: number;
  negatives: number;
}

export function checkSameLength(scores: Scores, labels: Labels): void {
  if (scores.length !== labels.length) {
    throw internalError(`scores (${scores.length}) and labels (${labels.length}) differ in length`);
  }
}

/** Row indices ordered by score, highest first; ties keep row order. NaN scores are not allowed. */
export function descendingOrder(scores: Scores): Uint32Array {
  const order = Uint32Array.from({ length: scores.length }, (_, i) => i);
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i])) throw internalError(`score ${i} is NaN`);
  }
  return order.sort((a, b) => scores[b]! - scores[a]! || a - b);
}

export function thresholdSweep(scores: Scores, labels: Labels): ThresholdSweep {
  checkSameLength(scores, labels);
  const order = descendingOrder(scores);
  const thresholds: number[] = [];
  const tp: number[] = [];
  const fp: number[] = [];
  let t = 0;
  let f = 0;
  for (let k = 0; k < order.length; k++) {
    const row = order[k]!;
    if (labels[row] !== 0) t++;
    else f++;
    const next = order[k + 1];
    if (next === undefined || scores[next] !== scores[row]) {
      thresholds.push(scores[row]!);
      tp.push(t);
      fp.push(f);
    }
  }
  return {
    thresholds: Float64Array.from(thresholds),
    tp: Float64Array.from(tp),
    fp: Float64Array.from(fp),
    positives: t,
    negatives: f,
  };
}

/**
 * Indices of at most `maxPoints` points spread evenly along the polyline's length, always keeping
 * the first and the last. Steep stretches keep their points; flat runs are thinned.
 */
export function downsampleIndices(x: ArrayLike<number>, y: ArrayLike<number>, maxPoints = MAX_CURVE_POINTS): number[] {
  const n = x.length;
  if (n <= maxPoints) return Array.from({ length: n }, (_, i) => i);
  const along = new Float64Array(n);
  for (let i = 1; i < n; i++) along[i] = along[i - 1]! + Math.hypot(x[i]! - x[i - 1]!, y[i]! - y[i - 1]!);
  const total = along[n - 1]!;
  const kept: number[] = [0];
  let i = 0;
  for (let s = 1; s < maxPoints - 1; s++) {
    const target = (total * s) / (maxPoints - 1);
    while (i < n - 1 && along[i]! < target) i++;
    if (i > kept[kept.length - 1]! && i < n - 1) kept.push(i);
  }
  kept.push(n - 1);
  return kept;
}

/** ROC points (false/true positive rate per threshold). Empty when either class is absent. */
export function rocCurve(scores: Scores, labels: Labels, maxPoints = MAX_CURVE_POINTS): RocCurve {
  const sweep = thresholdSweep(scores, labels);
  if (sweep.positives === 0 || sweep.negatives === 0) return { fpr: [], tpr: [], thresholds: [] };
  const fpr = [0, ...Array.from(sweep.fp, (v) => v / sweep.negatives)];
  const tpr = [0, ...Array.from(sweep.tp, (v) => v / sweep.positives)];
  const thresholds = [Number.POSITIVE_INFINITY, ...sweep.thresholds];
  const keep = downsampleIndices(fpr, tpr, maxPoints);
  return { fpr: keep.map((i) => fpr[i]!), tpr: keep.map((i) => tpr[i]!), thresholds: keep.map((i) => thresholds[i]!) };
}

/** Precision–recall points per threshold. Empty when there are no positives. */
export function prCurve(scores: Scores, labels: Labels, maxPoints = MAX_CURVE_POINTS): PrCurve {
  const sweep = thresholdSweep(scores, labels);
  if (sweep.positives === 0) return { recall: [], precision: [], thresholds: [] };
  const recall = [0, ...Array.from(sweep.tp, (v) => v / sweep.positives)];
  const precision = [1, ...Array.from(sweep.tp, (v, i) => v / (v + sweep.fp[i]!))];
  const thresholds = [Number.POSITIVE_INFINITY, ...sweep.thresholds];
  const keep = downsampleIndices(recall, precision, maxPoints);
  return {
    recall: keep.map((i) => recall[i]!),
    precision: keep.map((i) => precision[i]!),
    thresholds: keep.map((i) => thresholds[i]!),
  };
}
