/**
 * Performance without labels, as NannyML's confidence-based performance estimation (CBPE): when the
 * probabilities are calibrated, customer i buys with probability pᵢ, so the expected confusion matrix
 * at the threshold is Σpᵢ / Σ(1−pᵢ) over the contacted and the others, and the expected ROC curve
 * weighs each customer as pᵢ of a buyer and 1−pᵢ of a non-buyer. It holds while the link between the
 * features and buying stays as in training (no concept drift); it cannot see a change there.
 */
import type { BundleObjective } from '../bundle/objective.js';
import { createRng, type Rng } from '../core/random.js';
import type { MoneySettings } from '../evaluate/decide.js';
import { thresholdMetrics, type Confusion } from '../evaluate/metrics.js';
import { normalQuantile } from '../evaluate/stats.js';
import { SCORE_BINS, type ListSketch, type ScoreBins } from './sketch.js';

export interface Interval {
  value: number;
  lower: number;
  upper: number;
}

export interface PerformanceFigures {
  rows: number;
  threshold: number;
  /** [[tn, fp], [fn, tp]]; expected counts are fractional. */
  confusion: Confusion;
  accuracy: number;
  rocAuc: number;
  /** Customers the saved decision contacts, the buyers among them, and the profit when the decision has money settings. */
  contacted: number;
  buyersContacted: number;
  profit: number | null;
}

export interface PerformanceEstimate {
  expected: PerformanceFigures;
  /** 95 % intervals for the values this list will show once its labels are in, if the model is calibrated on it. */
  intervals: { accuracy: Interval; rocAuc: Interval; buyersContacted: Interval; profit: Interval | null };
  /** With labels in the list: the same figures, measured (over the rows with a 0/1 label). */
  realized: PerformanceFigures | null;
  money: MoneySettings | null;
  /** How the saved decision picks whom to contact. */
  rule: 'threshold' | 'budget';
}

/** Replicates of the label simulation behind the ROC-AUC interval. */
const AUC_REPLICATES = 200;
const Z95 = normalQuantile(0.975);

/** Money settings of the saved decision, when it was chosen by profit. */
export function moneyOf(objective: BundleObjective): MoneySettings | null {
  return objective.kind === 'profit' ? { contactCost: objective.contactCost, valuePerReturn: objective.valuePerReturn } : null;
}

/** How many of n customers a saved budget contacts; null when the decision is a threshold. */
export function budgetOf(objective: BundleObjective, n: number): number | null {
  if (objective.kind === 'topK') return Math.min(objective.k, n);
  if (objective.kind === 'topFraction') return Math.min(n, Math.round(objective.fraction * n));
  return null;
}

/** Area under the ROC curve of weighted scores in bins, best bin first; ties within a bin count half. */
export function binnedAuc(positive: ArrayLike<number>, negative: ArrayLike<number>): number {
  let totalPositive = 0;
  let totalNegative = 0;
  for (let b = 0; b < positive.length; b++) {
    totalPositive += positive[b]!;
    totalNegative += negative[b]!;
  }
  if (!(totalPositive > 0 && totalNegative > 0)) return Number.NaN;
  let area = 0;
  let negativesBelow = 0;
  for (let b = 0; b < positive.length; b++) {
    area += positive[b]! * (negativesBelow + negative[b]! / 2);
    negativesBelow += negative[b]!;
  }
  return area / (totalPositive * totalNegative);
}

/** The top `k` rows by score, from the bins: rows and (weighted) positives, a bin split pro rata. */
function topOfBins(count: ArrayLike<number>, positives: ArrayLike<number>, k: number): { rows: number; positives: number } {
  let rows = 0;
  let found = 0;
  for (let b = SCORE_BINS - 1; b >= 0 && rows < k; b--) {
    const n = count[b]!;
    if (n === 0) continue;
    const take = Math.min(n, k - rows);
    found += (positives[b]! * take) / n;
    rows += take;
  }
  return { rows, positives: found };
}

function topVariance(bins: ScoreBins, k: number): number {
  let rows = 0;
  let variance = 0;
  for (let b = SCORE_BINS - 1; b >= 0 && rows < k; b--) {
    const n = bins.count[b]!;
    if (n === 0) continue;
    const take = Math.min(n, k - rows);
    variance += (bins.sumPQ[b]! * take) / n;
    rows += take;
  }
  return variance;
}

function profitOf(money: MoneySettings | null, contacted: number, buyers: number): number | null {
  return money ? buyers * money.valuePerReturn - contacted * money.contactCost : null;
}

/** A Binomial(n, p) draw: exact for small n, normal beyond. */
function binomial(rng: Rng, n: number, p: number): number {
  if (n * p * (1 - p) > 25) {
    const u = Math.max(rng(), 1e-12);
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
    return Math.min(n, Math.max(0, Math.round(n * p + z * Math.sqrt(n * p * (1 - p)))));
  }
  let k = 0;
  for (let i = 0; i < n; i++) if (rng() < p) k++;
  return k;
}

/** 95 % interval of the ROC-AUC the list would show: labels drawn from the probabilities, bin by bin. */
function aucInterval(bins: ScoreBins, value: number, seed: number): Interval {
  const rng = createRng(seed ^ 0xa0c);
  const positive = new Float64Array(SCORE_BINS);
  const negative = new Float64Array(SCORE_BINS);
  const draws: number[] = [];
  for (let r = 0; r < AUC_REPLICATES; r++) {
    for (let b = 0; b < SCORE_BINS; b++) {
      const n = bins.count[b]!;
      const k = n === 0 ? 0 : binomial(rng, n, bins.sumP[b]! / n);
      positive[b] = k;
      negative[b] = n - k;
    }
    const auc = binnedAuc(positive, negative);
    if (!Number.isNaN(auc)) draws.push(auc);
  }
  draws.sort((a, b) => a - b);
  if (draws.length === 0) return { value, lower: Number.NaN, upper: Number.NaN };
  return { value, lower: draws[Math.floor(0.025 * (draws.length - 1))]!, upper: draws[Math.ceil(0.975 * (draws.length - 1))]! };
}

function normalInterval(value: number, variance: number, scale = 1): Interval {
  const half = Z95 * Math.sqrt(variance) * scale;
  return { value, lower: value - half, upper: value + half };
}

/** The expected and (with labels) realized performance of the list, and the saved decision's result on it. */
export function estimatePerformance(sketch: ListSketch, objective: BundleObjective, seed = 0): PerformanceEstimate {
  const { bins, sums } = sketch;
  const n = sketch.rows;
  const money = moneyOf(objective);
  const budget = budgetOf(objective, n);
  const expectedConfusion = sums.expected;
  const expectedPositives = new Float64Array(SCORE_BINS);
  const expectedNegatives = new Float64Array(SCORE_BINS);
  for (let b = 0; b < SCORE_BINS; b++) {
    expectedPositives[b] = bins.sumP[b]!;
    expectedNegatives[b] = bins.count[b]! - bins.sumP[b]!;
  }
  let contacted: number;
  let buyers: number;
  let buyersVariance: number;
  if (budget === null) {
    contacted = expectedConfusion[0][1] + expectedConfusion[1][1];
    buyers = expectedConfusion[1][1];
    buyersVariance = sums.varianceContacted;
  } else {
    const top = topOfBins(bins.count, bins.sumP, budget);
    contacted = top.rows;
    buyers = top.positives;
    buyersVariance = topVariance(bins, budget);
  }
  contacted = Math.round(contacted);
  const expected: PerformanceFigures = {
    rows: n,
    threshold: sums.threshold,
    confusion: expectedConfusion,
    accuracy: thresholdMetrics(expectedConfusion).accuracy,
    rocAuc: binnedAuc(expectedPositives, expectedNegatives),
    contacted,
    buyersContacted: buyers,
    profit: profitOf(money, contacted, buyers),
  };
  const profit = expected.profit;
  const intervals = {
    accuracy: normalInterval(expected.accuracy, sums.varianceAll, 1 / Math.max(n, 1)),
    rocAuc: aucInterval(bins, expected.rocAuc, seed),
    buyersContacted: normalInterval(buyers, buyersVariance),
    profit: profit === null || money === null ? null : normalInterval(profit, buyersVariance, money.valuePerReturn),
  };
  let realized: PerformanceFigures | null = null;
  if (sums.labelled > 0) {
    const confusion = sums.realized;
    let realContacted = confusion[0][1] + confusion[1][1];
    let realBuyers = confusion[1][1];
    if (budget !== null) {
      const top = topOfBins(Float64Array.from(bins.positives, (p, b) => p + bins.negatives[b]!), bins.positives, budget);
      realContacted = Math.round(top.rows);
      realBuyers = top.positives;
    }
    realized = {
      rows: sums.labelled,
      threshold: sums.threshold,
      confusion,
      accuracy: thresholdMetrics(confusion).accuracy,
      rocAuc: binnedAuc(bins.positives, bins.negatives),
      contacted: realContacted,
      buyersContacted: realBuyers,
      profit: profitOf(money, realContacted, realBuyers),
    };
  }
  return { expected, intervals, realized, money, rule: budget === null ? 'threshold' : 'budget' };
}
