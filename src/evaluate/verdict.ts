/** Does the model beat the baseline? The natural-test ROC-AUC difference with a paired bootstrap interval. */
import { createRng, randomInt } from '../core/random.js';
import { rocAuc } from './metrics.js';
import { descendingOrder } from './curves.js';
import { quantile } from './stats.js';
import type { Labels, Scores } from './curves.js';

export interface AucComparison {
  model: number;
  baseline: number;
  /** model − baseline. */
  difference: number;
  /** Percentile interval of the difference over bootstrap resamples of the same customers. */
  interval: [number, number];
  level: number;
  customers: number;
  replicates: number;
}

export interface ComparisonOptions {
  replicates?: number;
  level?: number;
  seed?: number;
}

/**
 * Paired bootstrap: each replicate resamples the customers once and scores both models on that same
 * resample, so what the two share (which customers are hard) cancels out of the difference.
 */
export function compareAuc(model: Scores, baseline: Scores, y: Labels, options: ComparisonOptions = {}): AucComparison {
  const replicates = options.replicates ?? 1000;
  const level = options.level ?? 0.95;
  const n = y.length;
  const rng = createRng(options.seed ?? 0);
  // Checks both (NaN scores are refused) before the replicates.
  const modelAuc = rocAuc(model, y);
  const baselineAuc = rocAuc(baseline, y);
  const modelGroups = tieGroups(model);
  const baselineGroups = tieGroups(baseline);
  const drawn = new Uint32Array(n);
  const differences: number[] = [];
  for (let r = 0; r < replicates; r++) {
    drawn.fill(0);
    for (let i = 0; i < n; i++) drawn[randomInt(rng, n)]!++;
    const d = resampledAuc(modelGroups, drawn, y) - resampledAuc(baselineGroups, drawn, y);
    if (Number.isFinite(d)) differences.push(d);
  }
  const tail = (1 - level) / 2;
  const interval: [number, number] =
    differences.length > 0 ? [quantile(differences, tail), quantile(differences, 1 - tail)] : [Number.NaN, Number.NaN];
  return { model: modelAuc, baseline: baselineAuc, difference: modelAuc - baselineAuc, interval, level, customers: n, replicates };
}

/** The customers in ascending order of score, and where each run of equal scores ends. */
interface TieGroups {
  order: Uint32Array;
  ends: Uint32Array;
}

function tieGroups(scores: Scores): TieGroups {
  const order = descendingOrder(scores).reverse();
  const ends: number[] = [];
  for (let i = 1; i <= order.length; i++) {
    if (i === order.length || scores[order[i]!] !== scores[order[i - 1]!]) ends.push(i);
  }
  return { order, ends: Uint32Array.from(ends) };
}

/**
 * ROC-AUC of a resample given as how often each customer was drawn: the Mann-Whitney count, each
 * positive beating the negatives below it and half of those tied with it. One pass over the sorted
 * customers instead of a sort per resample; the same value as rocAuc on the resampled rows.
 */
function resampledAuc({ order, ends }: TieGroups, drawn: Uint32Array, y: Labels): number {
  let negativesBelow = 0;
  let positives = 0;
  let wins = 0;
  let from = 0;
  for (const end of ends) {
    let p = 0;
    let q = 0;
    for (let i = from; i < end; i++) {
      const k = order[i]!;
      if (y[k] !== 0) p += drawn[k]!;
      else q += drawn[k]!;
    }
    wins += p * (negativesBelow + q / 2);
    positives += p;
    negativesBelow += q;
    from = end;
  }
  if (positives === 0 || negativesBelow === 0) return Number.NaN;
  return wins / (positives * negativesBelow);
}
