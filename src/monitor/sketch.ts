/**
 * What a new customer list looks like, gathered batch by batch in bounded memory: per numeric column
 * counts in the reference's bins and a reservoir sample, per categorical column its category counts,
 * and for the scores a fine histogram that the label-free performance estimate reads.
 */
import type { Distribution, TrainingProfile } from '../bundle/profile.js';
import { createRng, randomInt, type Rng } from '../core/random.js';
import type { FeatureColumns } from '../core/table.js';
import { binOf } from './profile.js';

/** Non-missing values kept per numeric column of the list: plenty for distances whose threshold is 0.1 std. */
export const CURRENT_SAMPLE_ROWS = 100_000;
/** Distinct categories counted by name per column; more are counted together. */
export const MAX_TRACKED_CATEGORIES = 10_000;
/** Bins of the score histogram over [0, 1]. */
export const SCORE_BINS = 4096;

export interface NumericSketch {
  name: string;
  rows: number;
  missing: number;
  sum: number;
  sumSquares: number;
  zeros: number;
  /** Counts in the reference histogram's bins. */
  binCounts: Float64Array;
  /** Counts of each of the reference's few values, then of every other value; null when the reference has many. */
  valueCounts: Float64Array | null;
  /** Reservoir sample of the non-missing values (all of them up to CURRENT_SAMPLE_ROWS). */
  sample: Float64Array;
  /** Non-missing values seen. */
  seen: number;
}

export interface CategoricalSketch {
  name: string;
  rows: number;
  missing: number;
  counts: Map<string, number>;
  /** Rows whose category was not counted by name (beyond MAX_TRACKED_CATEGORIES distinct ones). */
  untracked: number;
}

/** Per score bin: rows, Σp and Σp(1−p); with labels, the buyers and non-buyers. */
export interface ScoreBins {
  count: Float64Array;
  sumP: Float64Array;
  sumPQ: Float64Array;
  positives: Float64Array;
  negatives: Float64Array;
}

/** Exact sums at the decision threshold. */
export interface ThresholdSums {
  threshold: number;
  /** Expected [[tn, fp], [fn, tp]] from the probabilities. */
  expected: [[number, number], [number, number]];
  /** Σ p(1−p) over the contacted and over everyone (the variances of the counts above). */
  varianceContacted: number;
  varianceAll: number;
  /** Realized [[tn, fp], [fn, tp]] over the rows with a 0/1 label. */
  realized: [[number, number], [number, number]];
  labelled: number;
}

export interface ListSketch {
  rows: number;
  numeric: NumericSketch[];
  categorical: CategoricalSketch[];
  scores: NumericSketch;
  bins: ScoreBins;
  sums: ThresholdSums;
  rng: Rng;
}

function numericSketch(name: string, reference: Distribution | null): NumericSketch {
  return {
    name,
    rows: 0,
    missing: 0,
    sum: 0,
    sumSquares: 0,
    zeros: 0,
    binCounts: new Float64Array((reference?.histogram.edges.length ?? 0) + 1),
    valueCounts: reference?.values ? new Float64Array(reference.values.length + 1) : null,
    sample: new Float64Array(CURRENT_SAMPLE_ROWS),
    seen: 0,
  };
}

export function createSketch(profile: TrainingProfile, threshold: number, seed = 0): ListSketch {
  const zeros = (): Float64Array => new Float64Array(SCORE_BINS);
  return {
    rows: 0,
    numeric: profile.numeric.map((p) => numericSketch(p.name, p)),
    categorical: profile.categorical.map((p) => ({ name: p.name, rows: 0, missing: 0, counts: new Map(), untracked: 0 })),
    scores: numericSketch('probability', profile.scores),
    bins: { count: zeros(), sumP: zeros(), sumPQ: zeros(), positives: zeros(), negatives: zeros() },
    sums: {
      threshold,
      expected: [
        [0, 0],
        [0, 0],
      ],
      varianceContacted: 0,
      varianceAll: 0,
      realized: [
        [0, 0],
        [0, 0],
      ],
      labelled: 0,
    },
    rng: createRng(seed ^ 0x5ca1ab1e),
  };
}

function addNumeric(sketch: NumericSketch, reference: Distribution | null, values: ArrayLike<number>, rng: Rng): void {
  const edges = reference?.histogram.edges ?? [];
  const few = reference?.values ?? null;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    sketch.rows++;
    if (Number.isNaN(v)) {
      sketch.missing++;
      continue;
    }
    sketch.sum += v;
    sketch.sumSquares += v * v;
    if (v === 0) sketch.zeros++;
    sketch.binCounts[binOf(edges, v)]!++;
    if (few && sketch.valueCounts) {
      const at = few.findIndex((f) => f.value === v);
      sketch.valueCounts[at < 0 ? few.length : at]!++;
    }
    if (sketch.seen < CURRENT_SAMPLE_ROWS) sketch.sample[sketch.seen] = v;
    else {
      const pick = randomInt(rng, sketch.seen + 1);
      if (pick < CURRENT_SAMPLE_ROWS) sketch.sample[pick] = v;
    }
    sketch.seen++;
  }
}

function addCategorical(sketch: CategoricalSketch, values: ArrayLike<string | null>): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    sketch.rows++;
    if (v === null || v === undefined) sketch.missing++;
    else if (sketch.counts.has(v) || sketch.counts.size < MAX_TRACKED_CATEGORIES) sketch.counts.set(v, (sketch.counts.get(v) ?? 0) + 1);
    else sketch.untracked++;
  }
}

export function scoreBin(p: number): number {
  return Math.min(SCORE_BINS - 1, Math.max(0, Math.floor(p * SCORE_BINS)));
}

function addScores(sketch: ListSketch, probabilities: ArrayLike<number>, labels: ArrayLike<number> | null): void {
  const { bins, sums } = sketch;
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i]!;
    const b = scoreBin(p);
    const pq = p * (1 - p);
    bins.count[b]!++;
    bins.sumP[b]! += p;
    bins.sumPQ[b]! += pq;
    const contacted = p >= sums.threshold ? 1 : 0;
    // [[tn, fp], [fn, tp]]: a contacted customer is a true positive with probability p.
    sums.expected[1][contacted]! += p;
    sums.expected[0][contacted]! += 1 - p;
    sums.varianceAll += pq;
    if (contacted) sums.varianceContacted += pq;
    const y = labels?.[i];
    if (y === 0 || y === 1) {
      sums.realized[y][contacted]!++;
      sums.labelled++;
      if (y === 1) bins.positives[b]!++;
      else bins.negatives[b]!++;
    }
  }
}

/**
 * Adds one batch of the list: its feature columns (by the profile's column names), the calibrated
 * probabilities the Predictor gave them (null: features only), and the labels when the list has them
 * (NaN where unknown).
 */
export function addBatch(
  sketch: ListSketch,
  profile: TrainingProfile,
  columns: FeatureColumns,
  probabilities: ArrayLike<number> | null,
  labels: ArrayLike<number> | null = null,
): void {
  sketch.rows += columns.nRows;
  profile.numeric.forEach((reference, k) => {
    const values = columns.numeric.get(reference.name);
    if (values) addNumeric(sketch.numeric[k]!, reference, values, sketch.rng);
  });
  profile.categorical.forEach((reference, k) => {
    const values = columns.categorical.get(reference.name);
    if (values) addCategorical(sketch.categorical[k]!, values);
  });
  if (!probabilities) return;
  addNumeric(sketch.scores, profile.scores, probabilities, sketch.rng);
  addScores(sketch, probabilities, labels);
}

/** The kept sample of a numeric sketch, sorted. */
export function sortedSample(sketch: NumericSketch): Float64Array {
  return sketch.sample.slice(0, Math.min(sketch.seen, CURRENT_SAMPLE_ROWS)).sort();
}
