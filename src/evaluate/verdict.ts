/** Does the model beat the baseline? The natural-test ROC-AUC difference with a paired bootstrap interval. */
import { createRng, randomInt } from '../core/random.js';
import { rocAuc } from './metrics.js';
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
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const labels = new Uint8Array(n);
  const differences: number[] = [];
  for (let r = 0; r < replicates; r++) {
    for (let i = 0; i < n; i++) {
      const k = randomInt(rng, n);
      a[i] = model[k]!;
      b[i] = baseline[k]!;
      labels[i] = y[k]!;
    }
    const d = rocAuc(a, labels) - rocAuc(b, labels);
    if (Number.isFinite(d)) differences.push(d);
  }
  const modelAuc = rocAuc(model, y);
  const baselineAuc = rocAuc(baseline, y);
  const tail = (1 - level) / 2;
  const interval: [number, number] =
    differences.length > 0 ? [quantile(differences, tail), quantile(differences, 1 - tail)] : [Number.NaN, Number.NaN];
  return { model: modelAuc, baseline: baselineAuc, difference: modelAuc - baselineAuc, interval, level, customers: n, replicates };
}
