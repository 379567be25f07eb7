/**
 * Decisions: whom to contact, and what it earns. Contacting means p >= threshold.
 * Profit of a campaign = valuePerReturn × returners among the contacted − contactCost × contacted.
 * The honest rule: a list is chosen without the labels it is judged on (chooseList), then judged on
 * labelled customers that played no part in choosing (judgeProfit).
 */
import type { MetricSet } from './metrics.js';
import { usageError } from '../errors.js';
import { createRng, randomInt } from '../core/random.js';
import { checkSameLength, descendingOrder, thresholdSweep, type Labels, type Scores } from './curves.js';
import { computeMetrics } from './metrics.js';
import { quantileOfSorted } from './stats.js';
import { bestBudget, expectedGain, expectedProfitCurve } from './profit.js';

export interface MoneySettings {
  contactCost: number;
  valuePerReturn: number;
}

export type ThresholdObjective =
  | { kind: 'accuracy' }
  | { kind: 'f1' }
  | { kind: 'topK'; k: number }
  | { kind: 'topFraction'; fraction: number }
  | { kind: 'profit'; contactCost: number; valuePerReturn: number };

export interface ThresholdChoice {
  threshold: number;
  contacted: number;
  /** The objective's value at the threshold: accuracy, F1, rows contacted, or profit. */
  value: number;
  metrics: MetricSet;
}

export interface GainsRow {
  /** 1 = the highest-scored group. */
  group: number;
  count: number;
  positives: number;
  minScore: number;
  maxScore: number;
  /** Positives / count within the group. */
  responseRate: number;
  /** Cumulative, up to and including this group. */
  contactedShare: number;
  capturedShare: number;
  /** Cumulative response rate / overall rate. */
  lift: number;
}

export interface ProfitPoint {
  contacted: number;
  threshold: number;
  returners: number;
  profit: number;
}

export interface ProfitCurve {
  /** From contacting nobody to contacting everyone, at most about maxPoints, always including the best. */
  points: ProfitPoint[];
  best: ProfitPoint;
}

export interface ProfitInterval {
  contacted: number;
  threshold: number;
  /** Profit on the data as given. */
  profit: number;
  /** Mean, and central interval, of the profit predicted for another draw of as many customers. */
  mean: number;
  lower: number;
  upper: number;
}

export interface BootstrapProfit {
  replicates: number;
  level: number;
  /** lossProbability: the predicted chance that another draw loses money. */
  chosen: ProfitInterval & { lossProbability: number };
  curve: ProfitInterval[];
}

export interface BootstrapOptions {
  seed: number;
  /** Default 1000. */
  replicates?: number;
  /** Evaluate this threshold (e.g. chosen on validation data); default: the best cut on these data. */
  threshold?: number;
  /** Default 0.95. */
  level?: number;
  /** Curve points, default 50. */
  maxPoints?: number;
}

export function checkMoney(contactCost: number, valuePerReturn: number): void {
  if (!(Number.isFinite(contactCost) && contactCost >= 0)) {
    throw usageError(`contact cost must be a number >= 0; got ${contactCost}`);
  }
  if (!(Number.isFinite(valuePerReturn) && valuePerReturn > 0)) {
    throw usageError(`value per returning customer must be a number > 0; got ${valuePerReturn}`);
  }
}

/** A threshold that contacts nobody: 1 for probabilities, else just above the highest score. */
export function thresholdAbove(scores: Scores): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < scores.length; i++) max = Math.max(max, scores[i]!);
  if (max < 1) return 1;
  if (!Number.isFinite(max)) return max;
  const bits = new Float64Array([max]);
  const asInt = new BigInt64Array(bits.buffer);
  asInt[0]! += 1n;
  return bits[0]!;
}

function topBudget(objective: { kind: 'topK'; k: number } | { kind: 'topFraction'; fraction: number }, n: number): number {
  if (objective.kind === 'topK') {
    if (!(Number.isInteger(objective.k) && objective.k >= 0)) {
      throw usageError(`k must be an integer >= 0; got ${objective.k}`);
    }
    return objective.k;
  }
  const f = objective.fraction;
  if (!(f >= 0 && f <= 1)) throw usageError(`fraction to contact must be in [0, 1]; got ${f}`);
  return Math.floor(f * n + 1e-9);
}

/** How much each buyer and each non-buyer counts, e.g. to carry a balanced part over to the natural mix. */
export interface ClassWeights {
  positive: number;
  negative: number;
}

/**
 * The threshold that maximizes the objective on these labelled customers, over every distinct score
 * (and "contact nobody"); ties go to the higher threshold. Judged on the same labels, its value is
 * optimistic: the honest rule (chooseList) uses it only on a validation part.
 */
export function chooseThreshold(p: Scores, y: Labels, objective: ThresholdObjective, weights: ClassWeights = { positive: 1, negative: 1 }): ThresholdChoice {
  if (objective.kind === 'topK' || objective.kind === 'topFraction') {
    checkSameLength(p, y);
    const threshold = budgetThreshold(p, objective);
    const metrics = computeMetrics(p, y, threshold);
    const contacted = metrics.confusion[0][1] + metrics.confusion[1][1];
    return { threshold, contacted, value: contacted, metrics };
  }
  const sweep = thresholdSweep(p, y);
  const positives = sweep.positives * weights.positive;
  const negatives = sweep.negatives * weights.negative;
  const n = positives + negatives;
  if (objective.kind === 'profit') checkMoney(objective.contactCost, objective.valuePerReturn);
  const valueAt = (tp: number, fp: number): number => {
    switch (objective.kind) {
      case 'accuracy':
        return n === 0 ? 0 : (tp + negatives - fp) / n;
      case 'f1':
        return tp === 0 ? 0 : (2 * tp) / (tp + fp + positives);
      case 'profit':
        return objective.valuePerReturn * tp - objective.contactCost * (tp + fp);
    }
  };
  let threshold = thresholdAbove(p);
  let contacted = 0;
  let best = valueAt(0, 0);
  for (let i = 0; i < sweep.thresholds.length; i++) {
    const value = valueAt(sweep.tp[i]! * weights.positive, sweep.fp[i]! * weights.negative);
    if (value > best) {
      best = value;
      threshold = sweep.thresholds[i]!;
      contacted = sweep.tp[i]! + sweep.fp[i]!;
    }
  }
  return { threshold, contacted, value: best, metrics: computeMetrics(p, y, threshold) };
}

/**
 * A budget needs no labels: the threshold that contacts as many of the highest-scored customers as
 * fit in it, without splitting a group of tied scores.
 */
export function budgetThreshold(p: Scores, objective: { kind: 'topK'; k: number } | { kind: 'topFraction'; fraction: number }): number {
  const budget = topBudget(objective, p.length);
  const order = descendingOrder(p);
  let threshold = thresholdAbove(p);
  for (let k = 0; k < Math.min(budget, order.length); k++) {
    const score = p[order[k]!]!;
    const next = order[k + 1];
    if (next === undefined || p[next] !== score) threshold = score;
  }
  return threshold;
}

/**
 * The list with the highest expected profit from calibrated probabilities, without labels: every
 * customer whose expected gain p · value − cost is positive (the rule the web page follows too).
 */
export function expectedProfitThreshold(p: Scores, money: MoneySettings): { threshold: number; contacted: number; expected: number } {
  checkMoney(money.contactCost, money.valuePerReturn);
  const sorted = Float64Array.from(p).sort().reverse();
  const best = bestBudget(expectedProfitCurve(sorted, money.contactCost, money.valuePerReturn));
  return { threshold: best.k === 0 ? thresholdAbove(p) : sorted[best.k - 1]!, contacted: best.k, expected: best.profit };
}

/** Expected profit of contacting every customer with p >= threshold: Σ (p · value − cost) over them. */
export function expectedProfitAt(p: Scores, threshold: number, money: MoneySettings): number {
  let sum = 0;
  for (let i = 0; i < p.length; i++) if (p[i]! >= threshold) sum += expectedGain(p[i]!, money.contactCost, money.valuePerReturn);
  return sum;
}

/**
 * How a list is chosen without the labels it is judged on: by expected profit from calibrated
 * probabilities, by a budget (no labels at all), or — for objectives that need labels — on the validation part.
 */
export type ChoiceRule = 'expected-profit' | 'budget' | 'validation';

export function choiceRule(objective: ThresholdObjective): ChoiceRule {
  switch (objective.kind) {
    case 'profit':
      return 'expected-profit';
    case 'topK':
    case 'topFraction':
      return 'budget';
    case 'accuracy':
    case 'f1':
      return 'validation';
  }
}

/** The rule as a phrase that completes "The list was chosen …". */
export function choiceRuleInWords(rule: ChoiceRule): string {
  switch (rule) {
    case 'expected-profit':
      return 'by expected profit from the calibrated probabilities (contact whoever is expected to earn more than the contact costs), using no labels';
    case 'budget':
      return 'by the budget alone (the highest probabilities first), using no labels';
    case 'validation':
      return 'on the validation part (reweighted to the natural share of buyers), apart from the customers it is judged on';
  }
}

/** Labelled customers apart from those judged, for objectives that need labels to choose. */
export interface ValidationPart {
  probability: Scores;
  label: Labels;
  /** The share of buyers where the list is used; the part (often balanced) is reweighted to it. */
  positiveRate: number;
}

/** Weights that give the part the population's share of buyers. */
export function weightsToRate(y: Labels, positiveRate: number): ClassWeights {
  let positives = 0;
  for (let i = 0; i < y.length; i++) if (y[i] !== 0) positives++;
  const share = positives / y.length;
  if (!(share > 0 && share < 1)) throw usageError('the validation part needs both buyers and non-buyers to choose a threshold');
  if (!(positiveRate > 0 && positiveRate < 1)) throw usageError(`the share of buyers must be in (0, 1); got ${positiveRate}`);
  return { positive: positiveRate / share, negative: (1 - positiveRate) / (1 - share) };
}

export interface ListChoice {
  rule: ChoiceRule;
  threshold: number;
}

/** Chooses whom to contact among customers scored `p`, never looking at the labels they will be judged on. */
export function chooseList(objective: ThresholdObjective, p: Scores, validation: ValidationPart | null): ListChoice {
  const rule = choiceRule(objective);
  switch (objective.kind) {
    case 'profit':
      return { rule, threshold: expectedProfitThreshold(p, objective).threshold };
    case 'topK':
    case 'topFraction':
      return { rule, threshold: budgetThreshold(p, objective) };
    case 'accuracy':
    case 'f1': {
      if (!validation) throw usageError(`the ${objective.kind} objective needs labelled validation customers to choose on`);
      const weights = weightsToRate(validation.label, validation.positiveRate);
      return { rule, threshold: chooseThreshold(validation.probability, validation.label, objective, weights).threshold };
    }
  }
}

/** What a list chosen elsewhere earns: expected (from probabilities) and realized (from labels), side by side. */
export interface ProfitJudgement {
  settings: MoneySettings;
  /** Σ (p · value − cost) over the list: what the probabilities promise. */
  expected: number;
  /** The realized profit of the list on these customers and its interval for another draw of as many. */
  bootstrap: BootstrapProfit;
  /** Profit at every depth of the ranking on these labels; its best point is hindsight, not a plan. */
  curve: ProfitCurve;
}

export function judgeProfit(
  p: Scores,
  y: Labels,
  threshold: number,
  settings: MoneySettings,
  options: { seed: number; replicates?: number },
): ProfitJudgement {
  const { contactCost, valuePerReturn } = settings;
  return {
    settings,
    expected: expectedProfitAt(p, threshold, settings),
    bootstrap: bootstrapProfit(p, y, contactCost, valuePerReturn, { ...options, threshold }),
    curve: profitCurve(p, y, contactCost, valuePerReturn),
  };
}

/** Cumulative gains and lift by equal-size groups of the ranking (ties split in row order). */
export function gainsTable(p: Scores, y: Labels, groups = 10): GainsRow[] {
  checkSameLength(p, y);
  if (!(Number.isInteger(groups) && groups >= 1)) throw usageError(`groups must be a positive integer; got ${groups}`);
  const order = descendingOrder(p);
  const n = order.length;
  let totalPositives = 0;
  for (let i = 0; i < n; i++) if (y[i] !== 0) totalPositives++;
  const overallRate = totalPositives / n;
  const rows: GainsRow[] = [];
  let cumCount = 0;
  let cumPositives = 0;
  for (let g = 0; g < groups; g++) {
    const start = Math.floor((g * n) / groups);
    const end = Math.floor(((g + 1) * n) / groups);
    if (end === start) continue;
    let positives = 0;
    for (let k = start; k < end; k++) if (y[order[k]!] !== 0) positives++;
    cumCount += end - start;
    cumPositives += positives;
    rows.push({
      group: g + 1,
      count: end - start,
      positives,
      minScore: p[order[end - 1]!]!,
      maxScore: p[order[start]!]!,
      responseRate: positives / (end - start),
      contactedShare: cumCount / n,
      capturedShare: totalPositives === 0 ? Number.NaN : cumPositives / totalPositives,
      lift: totalPositives === 0 ? Number.NaN : cumPositives / cumCount / overallRate,
    });
  }
  return rows;
}

/** Every threshold policy, as (contacted, returners) from nobody to everyone. */
function profitPoints(p: Scores, y: Labels, contactCost: number, valuePerReturn: number): ProfitPoint[] {
  const sweep = thresholdSweep(p, y);
  const points: ProfitPoint[] = [{ contacted: 0, threshold: thresholdAbove(p), returners: 0, profit: 0 }];
  for (let i = 0; i < sweep.thresholds.length; i++) {
    const returners = sweep.tp[i]!;
    const contacted = returners + sweep.fp[i]!;
    points.push({
      contacted,
      threshold: sweep.thresholds[i]!,
      returners,
      profit: valuePerReturn * returners - contactCost * contacted,
    });
  }
  return points;
}

/** Points spread evenly over the number contacted, always keeping the first, the last and `mustKeep`. */
function thinByContacted(points: ProfitPoint[], maxPoints: number, mustKeep: ProfitPoint): ProfitPoint[] {
  if (points.length <= maxPoints) return points;
  const total = points[points.length - 1]!.contacted;
  const kept = new Set<ProfitPoint>([points[0]!, points[points.length - 1]!, mustKeep]);
  let i = 0;
  for (let s = 1; s < maxPoints - 1; s++) {
    const target = (total * s) / (maxPoints - 1);
    while (points[i]!.contacted < target) i++;
    kept.add(points[i]!);
  }
  return points.filter((pt) => kept.has(pt));
}

/**
 * Profit of contacting the top-scored customers, for every distinct threshold (thinned to about
 * maxPoints for charts); the best is the first point with the highest profit (fewest contacts).
 */
export function profitCurve(
  p: Scores,
  y: Labels,
  contactCost: number,
  valuePerReturn: number,
  maxPoints = 200,
): ProfitCurve {
  checkMoney(contactCost, valuePerReturn);
  const points = profitPoints(p, y, contactCost, valuePerReturn);
  let best = points[0]!;
  for (const pt of points) if (pt.profit > best.profit) best = pt;
  return { points: thinByContacted(points, maxPoints, best), best };
}

/**
 * Bootstrap (customers resampled with replacement) of the profit of each policy "contact every
 * customer with p >= threshold", as a prediction for another draw of as many customers: each
 * replicate adds the difference of two independent resamples to the observed profit, so the
 * interval holds both the uncertainty of the estimate and the next draw's own chance. With the
 * default policy — the best cut on the same data — the chosen profit is optimistic; pass a threshold
 * chosen without these labels.
 */
export function bootstrapProfit(
  p: Scores,
  y: Labels,
  contactCost: number,
  valuePerReturn: number,
  options: BootstrapOptions,
): BootstrapProfit {
  const replicates = options.replicates ?? 1000;
  const level = options.level ?? 0.95;
  if (!(Number.isInteger(replicates) && replicates >= 1)) {
    throw usageError(`bootstrap replicates must be a positive integer; got ${replicates}`);
  }
  if (!(level > 0 && level < 1)) throw usageError(`confidence level must be in (0, 1); got ${level}`);
  const curve = profitCurve(p, y, contactCost, valuePerReturn, options.maxPoints ?? 50);
  let chosen = curve.best;
  if (options.threshold !== undefined) {
    const t = options.threshold;
    let returners = 0;
    let contacted = 0;
    for (let i = 0; i < p.length; i++) {
      if (p[i]! >= t) {
        contacted++;
        if (y[i] !== 0) returners++;
      }
    }
    chosen = { contacted, threshold: t, returners, profit: valuePerReturn * returners - contactCost * contacted };
  }
  const grid = [...curve.points];
  if (!grid.some((pt) => pt.contacted === chosen.contacted)) grid.push(chosen);
  grid.sort((a, b) => a.contacted - b.contacted);

  const order = descendingOrder(p);
  const n = order.length;
  const isPositive = Uint8Array.from(order, (row) => (y[row] !== 0 ? 1 : 0));
  const weight = new Uint32Array(n);
  const resampled = grid.map(() => new Float64Array(2 * replicates));
  const rng = createRng(options.seed);
  for (let r = 0; r < 2 * replicates; r++) {
    weight.fill(0);
    for (let d = 0; d < n; d++) weight[randomInt(rng, n)]!++;
    let contacted = 0;
    let returners = 0;
    let k = 0;
    for (let g = 0; g < grid.length; g++) {
      for (; k < grid[g]!.contacted; k++) {
        contacted += weight[k]!;
        returners += weight[k]! * isPositive[k]!;
      }
      resampled[g]![r] = valuePerReturn * returners - contactCost * contacted;
    }
  }
  const predictions = grid.map((pt, g) => {
    const values = resampled[g]!;
    return Float64Array.from({ length: replicates }, (_, r) => pt.profit + values[r]! - values[replicates + r]!);
  });

  const alpha = (1 - level) / 2;
  const summarize = (pt: ProfitPoint, values: Float64Array): ProfitInterval => {
    const sorted = values.slice().sort();
    let sum = 0;
    for (const v of sorted) sum += v;
    return {
      contacted: pt.contacted,
      threshold: pt.threshold,
      profit: pt.profit,
      mean: sum / replicates,
      lower: quantileOfSorted(sorted, alpha),
      upper: quantileOfSorted(sorted, 1 - alpha),
    };
  };
  const summaries = grid.map((pt, g) => summarize(pt, predictions[g]!));
  const chosenIndex = grid.findIndex((pt) => pt.contacted === chosen.contacted);
  const chosenProfits = predictions[chosenIndex]!;
  let losses = 0;
  for (const v of chosenProfits) if (v < 0) losses++;
  return {
    replicates,
    level,
    chosen: { ...summaries[chosenIndex]!, threshold: chosen.threshold, lossProbability: losses / replicates },
    curve: summaries,
  };
}
