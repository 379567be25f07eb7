/**
 * The training profile: what the reference customers looked like, computed once at training time
 * and kept in the bundle (profile.json), so `monitor` needs nothing but the bundle.
 */
import {
  PROFILE_BINS,
  PROFILE_CATEGORIES,
  PROFILE_FEW_VALUES,
  PROFILE_QUANTILES,
  PROFILE_SAMPLE_ROWS,
  type CategoricalProfile,
  type Distribution,
  type TrainingProfile,
} from '../bundle/profile.js';
import { createRng, randomInt, type Rng } from '../core/random.js';
import type { FeatureColumns } from '../core/table.js';
import { quantileOfSorted } from '../evaluate/stats.js';

/** Index of the histogram bin a value falls in: bin i holds (edges[i-1], edges[i]]. */
export function binOf(edges: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (value <= edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The reference deciles, without repeats (tied values make fewer bins). */
function decileEdges(sorted: Float64Array): number[] {
  const edges: number[] = [];
  for (let k = 1; k < PROFILE_BINS; k++) {
    const edge = quantileOfSorted(sorted, k / PROFILE_BINS);
    if (edges.length === 0 || edge > edges[edges.length - 1]!) edges.push(edge);
  }
  // The largest value needs no edge of its own: everything above the last edge is one bin.
  while (edges.length > 0 && edges[edges.length - 1]! >= sorted[sorted.length - 1]!) edges.pop();
  return edges;
}

/** Up to `size` values drawn without replacement (partial Fisher–Yates), sorted. */
function sampleOf(sorted: Float64Array, size: number, rng: Rng): number[] {
  if (sorted.length <= size) return Array.from(sorted);
  const copy = Float64Array.from(sorted);
  for (let k = 0; k < size; k++) {
    const pick = k + randomInt(rng, copy.length - k);
    const held = copy[k]!;
    copy[k] = copy[pick]!;
    copy[pick] = held;
  }
  return Array.from(copy.subarray(0, size).sort());
}

/** Distinct values and counts of sorted values, or null beyond `limit` distinct ones. */
function fewValues(sorted: Float64Array, limit: number): { value: number; count: number }[] | null {
  const out: { value: number; count: number }[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    if (out.length === limit) return null;
    out.push({ value: sorted[i]!, count: j - i });
    i = j;
  }
  return out;
}

/** Quantiles, histogram, sample and moments of a numeric column (NaN = missing). */
export function distributionOf(values: ArrayLike<number>, rng: Rng): Distribution {
  const present = Float64Array.from(Array.prototype.filter.call(values, (v: number) => !Number.isNaN(v)) as number[]).sort();
  const n = present.length;
  let mean = Number.NaN;
  let std = Number.NaN;
  if (n > 0) {
    mean = present.reduce((s, v) => s + v, 0) / n;
    std = Math.sqrt(present.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
  }
  const edges = n > 0 ? decileEdges(present) : [];
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const v of present) counts[binOf(edges, v)]!++;
  return {
    rows: values.length,
    missing: values.length - n,
    mean,
    std,
    quantiles: n > 0 ? Array.from({ length: PROFILE_QUANTILES }, (_, k) => quantileOfSorted(present, k / (PROFILE_QUANTILES - 1))) : [],
    histogram: { edges, counts: n > 0 ? counts : [] },
    values: n > 0 ? fewValues(present, PROFILE_FEW_VALUES) : null,
    sample: sampleOf(present, PROFILE_SAMPLE_ROWS, rng),
  };
}

/** Category counts, the most frequent PROFILE_CATEGORIES kept by name (ties by name, for a stable file). */
export function categoriesOf(name: string, values: ArrayLike<string | null>): CategoricalProfile {
  const counts = new Map<string, number>();
  let missing = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) missing++;
    else counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const kept = ranked.slice(0, PROFILE_CATEGORIES);
  const rest = ranked.slice(PROFILE_CATEGORIES);
  return {
    name,
    rows: values.length,
    missing,
    levels: kept.map(([value, count]) => ({ value, count })),
    other: rest.reduce((s, [, c]) => s + c, 0),
    otherLevels: rest.length,
  };
}

export interface ProfileInput {
  /** The reference customers' feature columns. */
  columns: FeatureColumns;
  source: string;
  /** Calibrated probabilities of held-out reference customers, and where they come from; null for none. */
  scores: { probability: ArrayLike<number>; source: string } | null;
  seed: number;
}

export function buildProfile(input: ProfileInput): TrainingProfile {
  const rng = createRng(input.seed ^ 0x9f0f11e);
  const { columns } = input;
  return {
    source: input.source,
    rows: columns.nRows,
    numeric: [...columns.numeric].map(([name, values]) => ({ name, ...distributionOf(values, rng) })),
    categorical: [...columns.categorical].map(([name, values]) => categoriesOf(name, values)),
    scores: input.scores && input.scores.probability.length > 0 ? { source: input.scores.source, ...distributionOf(input.scores.probability, rng) } : null,
  };
}
