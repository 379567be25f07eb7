/**
 * Decisions: whom to contact, and what it earns. Contacting means p >= threshold.
 * Profit of a campaign = valuePerReturn × returners among the contacted − contactCost × contacted.
 */
import type { MetricSet } from './metrics.js';
import { usageError } from '../errors.js';
import { createRng, randomInt } from '../core/random.js';
import { checkSameLength, descendingOrder, thresholdSweep, type Labels, type Scores } from './curves.js';
import { computeMetrics } from './metrics.js';
import { quantileOfSorted } from './stats.js';

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
  /** Over bootstrap replicates. */
  mean: number;
  lower: number;
  upper: number;
}

export interface BootstrapProfit {
  replicates: number;
  level: number;
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

/** A short label for the manifest, e.g. "f1", "topK:500", "profit:cost=2,value=30". */
export function describeObjective(objective: ThresholdObjective): string {
  switch (objective.kind) {
    case 'accuracy':
    case 'f1':
      return objective.kind;
    case 'topK':
      return `topK:${objective.k}`;
    case 'topFraction':
      return `topFraction:${objective.fraction}`;
    case 'profit':
      return `profit:cost=${objective.contactCost},value=${objective.valuePerReturn}`;
  }
}

function topBudget(objective: ThresholdObjective, n: number): number {
  if (objective.kind === 'topK') {
    if (!(Number.isInteger(objective.k) && objective.k >= 0)) {
      throw usageError(`k must be an integer >= 0; got ${objective.k}`);
    }
    return objective.k;
  }
  if (objective.kind === 'topFraction') {
    const f = objective.fraction;
    if (!(f >= 0 && f <= 1)) throw usageError(`fraction to contact must be in [0, 1]; got ${f}`);
    return Math.floor(f * n + 1e-9);
  }
  return n;
}

/**
 * The threshold that maximizes the objective over every distinct score (and "contact nobody").
 * Ties go to the higher threshold. topK / topFraction contact as many as fit in the budget without
 * splitting a group of tied scores.
 */
export function chooseThreshold(p: Scores, y: Labels, objective: ThresholdObjective): ThresholdChoice {
  const sweep = thresholdSweep(p, y);
  const { positives, negatives } = sweep;
  const n = positives + negatives;
  if (objective.kind === 'profit') checkMoney(objective.contactCost, objective.valuePerReturn);
  const budget = topBudget(objective, n);
  const valueAt = (tp: number, fp: number): number => {
    switch (objective.kind) {
      case 'accuracy':
        return n === 0 ? 0 : (tp + negatives - fp) / n;
      case 'f1':
        return tp === 0 ? 0 : (2 * tp) / (tp + fp + positives);
      case 'topK':
      case 'topFraction':
        return tp + fp <= budget ? tp + fp : Number.NEGATIVE_INFINITY;
      case 'profit':
        return objective.valuePerReturn * tp - objective.contactCost * (tp + fp);
    }
  };
  let threshold = thresholdAbove(p);
  let contacted = 0;
  let best = valueAt(0, 0);
  for (let i = 0; i < sweep.thresholds.length; i++) {
    const value = valueAt(sweep.tp[i]!, sweep.fp[i]!);
    if (value > best) {
      best = value;
      threshold = sweep.thresholds[i]!;
      contacted = sweep.tp[i]! + sweep.fp[i]!;
    }
  }
  return { threshold, contacted, value: best, metrics: computeMetrics(p, y, threshold) };
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
 * customer with p >= threshold": mean and central interval. With the default policy — the best cut
 * on the same data — the chosen profit is optimistic; pass a threshold fixed on other data.
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
  const profits = grid.map(() => new Float64Array(replicates));
  const rng = createRng(options.seed);
  for (let r = 0; r < replicates; r++) {
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
      profits[g]![r] = valuePerReturn * returners - contactCost * contacted;
    }
  }

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
  const summaries = grid.map((pt, g) => summarize(pt, profits[g]!));
  const chosenIndex = grid.findIndex((pt) => pt.contacted === chosen.contacted);
  const chosenProfits = profits[chosenIndex]!;
  let losses = 0;
  for (const v of chosenProfits) if (v < 0) losses++;
  return {
    replicates,
    level,
    chosen: { ...summaries[chosenIndex]!, threshold: chosen.threshold, lossProbability: losses / replicates },
    curve: summaries,
  };
}
