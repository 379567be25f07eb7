/**
 * Per-column drift of a new list against the training profile, with Evidently's default tests:
 * Kolmogorov–Smirnov (numeric) or chi-squared (categorical, and numeric columns of at most five
 * values) when the list has at most `smallSample` values, Wasserstein distance over the reference's
 * standard deviation or Jensen–Shannon distance above. The choice goes by the list's size, not the
 * reference's as in Evidently: the reference is the whole training table, always large, and on a
 * small list a distance is too noisy to hold to a fixed threshold while a p-value accounts for the size.
 */
import type { CategoricalProfile, Distribution } from '../bundle/profile.js';
import { MONITOR_DEFAULTS } from '../config.js';
import { sortedSample, type CategoricalSketch, type NumericSketch } from './sketch.js';
import { chiSquared, jensenShannon, ksTwoSample, populationStability, twoMeans, twoProportions, wasserstein } from './tests.js';

export type DriftMethod = 'ks' | 'chi-squared' | 'wasserstein' | 'jensen-shannon' | 'none';

/** The tests' thresholds and the alert rule, as numbers (MONITOR_DEFAULTS by default). */
export type MonitorSettings = { [K in keyof typeof MONITOR_DEFAULTS]: number };
export type DriftOptions = Omit<MonitorSettings, 'alertShare'>;

export interface ColumnSummary {
  rows: number;
  missingShare: number;
  mean: number | null;
  /** Share of the non-missing values that are exactly 0 (numeric). */
  zeroShare: number | null;
}

export interface ColumnDrift {
  column: string;
  kind: 'numeric' | 'categorical' | 'score';
  method: DriftMethod;
  /** The p-value (ks, chi-squared) or the distance (wasserstein, jensen-shannon). */
  statistic: number;
  threshold: number;
  drifted: boolean;
  psi: number;
  psiDrifted: boolean;
  /** The mean moved by at least `meanChange` of the training mean, significantly (numeric columns). */
  meanDrifted: boolean;
  missingDrifted: boolean;
  /** Categories the reference never saw: the most frequent ones, and their share of the list's rows. */
  newCategories: { values: { value: string; count: number }[]; share: number; drifted: boolean } | null;
  reference: ColumnSummary;
  current: ColumnSummary;
}

const NO_DRIFT = { method: 'none' as const, statistic: Number.NaN, threshold: Number.NaN, drifted: false };

function share(part: number, whole: number): number {
  return whole > 0 ? part / whole : Number.NaN;
}

function missingDrifted(refMissing: number, refRows: number, curMissing: number, curRows: number, options: DriftOptions): boolean {
  const change = Math.abs(share(curMissing, curRows) - share(refMissing, refRows));
  return change >= options.missingShareChange && twoProportions(refMissing, refRows, curMissing, curRows).pValue < options.pValue;
}

/** A p-value test on small lists, a distance on large ones, over the same categories. */
function categoryTest(reference: ArrayLike<number>, current: ArrayLike<number>, currentRows: number, options: DriftOptions) {
  if (currentRows === 0) return NO_DRIFT;
  if (currentRows <= options.smallSample) {
    let total = 0;
    for (let k = 0; k < reference.length; k++) total += reference[k]!;
    const { pValue } = chiSquared(current, Float64Array.from(reference, (v) => v / total));
    return { method: 'chi-squared' as const, statistic: pValue, threshold: options.pValue, drifted: pValue < options.pValue };
  }
  const distance = jensenShannon(reference, current);
  return { method: 'jensen-shannon' as const, statistic: distance, threshold: options.jensenShannon, drifted: distance > options.jensenShannon };
}

function meanDrifted(reference: Distribution, current: NumericSketch, options: DriftOptions): boolean {
  const present = reference.rows - reference.missing;
  if (current.seen < 2 || present < 2 || reference.mean === 0 || Number.isNaN(reference.mean)) return false;
  const mean = current.sum / current.seen;
  const variance = Math.max(0, (current.sumSquares - current.seen * mean * mean) / (current.seen - 1));
  const change = Math.abs(mean / reference.mean - 1);
  return change >= options.meanChange && twoMeans(reference.mean, reference.std ** 2, present, mean, variance, current.seen).pValue < options.meanPValue;
}

function referenceZeroShare(reference: Distribution): number | null {
  if (reference.sample.length === 0) return null;
  return reference.sample.filter((v) => v === 0).length / reference.sample.length;
}

export function numericDrift(column: string, kind: 'numeric' | 'score', reference: Distribution, current: NumericSketch, options: DriftOptions = MONITOR_DEFAULTS): ColumnDrift {
  let test: Pick<ColumnDrift, 'method' | 'statistic' | 'threshold' | 'drifted'> = NO_DRIFT;
  if (current.seen > 0 && reference.sample.length > 0) {
    if (reference.values && current.valueCounts) {
      test = categoryTest([...reference.values.map((v) => v.count), 0], current.valueCounts, current.seen, options);
    } else if (current.seen <= options.smallSample) {
      const { pValue } = ksTwoSample(reference.sample, sortedSample(current));
      test = { method: 'ks', statistic: pValue, threshold: options.pValue, drifted: pValue < options.pValue };
    } else {
      const distance = reference.std > 0 ? wasserstein(reference.sample, sortedSample(current)) / reference.std : 0;
      test = { method: 'wasserstein', statistic: distance, threshold: options.wasserstein, drifted: distance > options.wasserstein };
    }
  }
  const psi = current.seen > 0 && reference.histogram.counts.length > 0 ? populationStability(reference.histogram.counts, current.binCounts) : Number.NaN;
  return {
    column,
    kind,
    ...test,
    psi,
    psiDrifted: psi > options.psi,
    meanDrifted: meanDrifted(reference, current, options),
    missingDrifted: missingDrifted(reference.missing, reference.rows, current.missing, current.rows, options),
    newCategories: null,
    reference: { rows: reference.rows, missingShare: share(reference.missing, reference.rows), mean: Number.isNaN(reference.mean) ? null : reference.mean, zeroShare: referenceZeroShare(reference) },
    current: {
      rows: current.rows,
      missingShare: share(current.missing, current.rows),
      mean: current.seen > 0 ? current.sum / current.seen : null,
      zeroShare: current.seen > 0 ? current.zeros / current.seen : null,
    },
  };
}

/** Categories the model knows: the profile's named ones, and the fitted one-hot levels. */
export function categoricalDrift(
  reference: CategoricalProfile,
  knownLevels: readonly string[],
  current: CategoricalSketch,
  options: DriftOptions = MONITOR_DEFAULTS,
): ColumnDrift {
  const named = reference.levels.map((l) => l.value);
  const known = new Set([...named, ...knownLevels]);
  const refCounts = [...reference.levels.map((l) => l.count), reference.other];
  const curCounts = new Float64Array(named.length + 1);
  const unseen: { value: string; count: number }[] = [];
  let unseenRows = current.untracked;
  for (const [value, count] of current.counts) {
    const at = named.indexOf(value);
    if (at >= 0) curCounts[at] = count;
    else curCounts[named.length]! += count;
    if (!known.has(value)) {
      unseen.push({ value, count });
      unseenRows += count;
    }
  }
  // A new category counts as "other" in the tests: the reference gives it no share of its own.
  if (reference.other === 0) refCounts[named.length] = 0;
  const present = current.rows - current.missing;
  const test = present > 0 ? categoryTest(refCounts, curCounts, present, options) : NO_DRIFT;
  const newShare = share(unseenRows, current.rows);
  const psi = present > 0 ? populationStability(refCounts, curCounts) : Number.NaN;
  return {
    column: reference.name,
    kind: 'categorical',
    ...test,
    psi,
    psiDrifted: psi > options.psi,
    meanDrifted: false,
    missingDrifted: missingDrifted(reference.missing, reference.rows, current.missing, current.rows, options),
    newCategories: {
      values: unseen.sort((a, b) => b.count - a.count).slice(0, 10),
      share: Number.isNaN(newShare) ? 0 : newShare,
      drifted: newShare >= options.newCategoryShare,
    },
    reference: { rows: reference.rows, missingShare: share(reference.missing, reference.rows), mean: null, zeroShare: null },
    current: { rows: current.rows, missingShare: share(current.missing, current.rows), mean: null, zeroShare: null },
  };
}

/** Whether any test flags the column: its distribution, its missing share or its new categories. */
export function isFlagged(drift: ColumnDrift): boolean {
  return drift.drifted || drift.meanDrifted || drift.missingDrifted || (drift.newCategories?.drifted ?? false);
}
