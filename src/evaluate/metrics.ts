/**
 * Classification metrics. A row is predicted positive when p >= threshold.
 * Undefined ratios: precision, recall and F1 with a zero denominator are 0; rates over no rows and
 * AUCs without both classes are NaN.
 */
import { checkSameLength, descendingOrder, thresholdSweep, type Labels, type Scores } from './curves.js';

/** Classification metrics at a threshold, plus ranking and probability quality. */
export interface MetricSet {
  n: number;
  positives: number;
  loss: number;
  accuracy: number;
  balancedAccuracy: number;
  precision: number;
  recall: number;
  f1: number;
  rocAuc: number;
  prAuc: number;
  brier: number;
  /** [[tn, fp], [fn, tp]] */
  confusion: [[number, number], [number, number]];
}

/** Probabilities are clipped to [EPSILON, 1 - EPSILON] before a log, as Keras does. */
export const EPSILON = 1e-7;

export type Confusion = MetricSet['confusion'];

export function clipProbability(p: number): number {
  return Math.min(1 - EPSILON, Math.max(EPSILON, p));
}

function ratio(num: number, den: number): number {
  return den === 0 ? 0 : num / den;
}

/** [[tn, fp], [fn, tp]]. */
export function confusionAt(p: Scores, y: Labels, threshold = 0.5): Confusion {
  checkSameLength(p, y);
  let tn = 0;
  let fp = 0;
  let fn = 0;
  let tp = 0;
  for (let i = 0; i < p.length; i++) {
    const predicted = p[i]! >= threshold;
    if (y[i] !== 0) {
      if (predicted) tp++;
      else fn++;
    } else if (predicted) fp++;
    else tn++;
  }
  return [
    [tn, fp],
    [fn, tp],
  ];
}

/** Mean binary cross-entropy with clipping; equals Keras' sparse categorical cross-entropy on a 2-way softmax. */
export function logLoss(p: Scores, y: Labels): number {
  checkSameLength(p, y);
  let sum = 0;
  for (let i = 0; i < p.length; i++) {
    const q = clipProbability(p[i]!);
    sum -= y[i] !== 0 ? Math.log(q) : Math.log(1 - q);
  }
  return sum / p.length;
}

export function brierScore(p: Scores, y: Labels): number {
  checkSameLength(p, y);
  let sum = 0;
  for (let i = 0; i < p.length; i++) sum += (p[i]! - (y[i] !== 0 ? 1 : 0)) ** 2;
  return sum / p.length;
}

/** ROC AUC as the Mann–Whitney statistic: ranks with ties averaged. NaN unless both classes are present. */
export function rocAuc(scores: Scores, y: Labels): number {
  checkSameLength(scores, y);
  const order = descendingOrder(scores);
  const n = order.length;
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && scores[order[end]!] === scores[order[start]!]) end++;
    // Descending positions [start, end) hold ascending ranks n - end + 1 .. n - start.
    const averageRank = n - (start + end - 1) / 2;
    for (let k = start; k < end; k++) {
      if (y[order[k]!] !== 0) {
        positives++;
        positiveRankSum += averageRank;
      }
    }
    start = end;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Average precision, as scikit-learn's average_precision_score: sum over distinct thresholds of
 * (recall gain) × precision. NaN without positives.
 */
export function averagePrecision(scores: Scores, y: Labels): number {
  const { tp, fp, positives } = thresholdSweep(scores, y);
  if (positives === 0) return Number.NaN;
  let ap = 0;
  let previousTp = 0;
  for (let i = 0; i < tp.length; i++) {
    ap += ((tp[i]! - previousTp) / positives) * (tp[i]! / (tp[i]! + fp[i]!));
    previousTp = tp[i]!;
  }
  return ap;
}

/** Metrics that need only the confusion matrix. */
export function thresholdMetrics(confusion: Confusion): Pick<
  MetricSet,
  'n' | 'positives' | 'accuracy' | 'balancedAccuracy' | 'precision' | 'recall' | 'f1'
> {
  const [[tn, fp], [fn, tp]] = confusion;
  const positives = tp + fn;
  const negatives = tn + fp;
  const n = positives + negatives;
  // As scikit-learn: the mean recall over the classes present.
  const classRecalls = [negatives > 0 ? tn / negatives : null, positives > 0 ? tp / positives : null].filter(
    (r): r is number => r !== null,
  );
  return {
    n,
    positives,
    accuracy: n === 0 ? Number.NaN : (tp + tn) / n,
    balancedAccuracy:
      classRecalls.length === 0 ? Number.NaN : classRecalls.reduce((a, b) => a + b, 0) / classRecalls.length,
    precision: ratio(tp, tp + fp),
    recall: ratio(tp, tp + fn),
    f1: ratio(2 * tp, 2 * tp + fp + fn),
  };
}

export function computeMetrics(p: Scores, y: Labels, threshold = 0.5): MetricSet {
  const confusion = confusionAt(p, y, threshold);
  const m = thresholdMetrics(confusion);
  return {
    n: m.n,
    positives: m.positives,
    loss: logLoss(p, y),
    accuracy: m.accuracy,
    balancedAccuracy: m.balancedAccuracy,
    precision: m.precision,
    recall: m.recall,
    f1: m.f1,
    rocAuc: rocAuc(p, y),
    prAuc: averagePrecision(p, y),
    brier: brierScore(p, y),
    confusion,
  };
}
