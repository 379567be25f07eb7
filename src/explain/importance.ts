/** Global permutation importance: how much ROC-AUC drops when one feature column is shuffled. */
import type { FeatureImportance } from '../bundle/evaluation.js';
import { usageError } from '../errors.js';
import { rocAuc } from '../evaluate/metrics.js';
import { meanInterval } from '../evaluate/stats.js';
import type { FeatureColumns } from '../core/table.js';
import { createRng, randomInt, type Rng } from '../core/random.js';
import type { ScoreFunction } from './types.js';

export interface PermutationImportanceOptions {
  /** Shuffles per column (default 10). */
  repeats?: number;
  seed: number;
  /** Columns to shuffle (default: every column in `columns`). */
  features?: readonly string[];
}

function shuffledIndices(n: number, rng: Rng): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

function tileNumeric(values: ArrayLike<number>, n: number, times: number): Float64Array {
  const out = new Float64Array(n * times);
  for (let i = 0; i < n; i++) out[i] = values[i]!;
  for (let r = 1; r < times; r++) out.copyWithin(r * n, 0, n);
  return out;
}

function tileCategorical(values: ArrayLike<string | null>, n: number, times: number): (string | null)[] {
  const out = new Array<string | null>(n * times);
  for (let r = 0; r < times; r++) for (let i = 0; i < n; i++) out[r * n + i] = values[i] ?? null;
  return out;
}

/**
 * For each feature column: shuffle it `repeats` times (seeded; all copies scored in one call),
 * measure the drop in ROC-AUC against the unshuffled score, and report the mean drop with a 95 %
 * t interval. Sorted by mean drop, largest first.
 */
export async function permutationImportance(
  score: ScoreFunction,
  columns: FeatureColumns,
  y: Uint8Array,
  opts: PermutationImportanceOptions,
): Promise<FeatureImportance[]> {
  const n = columns.nRows;
  const repeats = opts.repeats ?? 10;
  if (!(Number.isInteger(repeats) && repeats >= 1)) throw usageError(`repeats must be a positive integer; got ${repeats}`);
  if (y.length !== n) throw usageError(`permutation importance needs one label per row; got ${y.length} for ${n} rows`);
  const baseline = rocAuc(await score(columns), y);
  if (Number.isNaN(baseline)) throw usageError('permutation importance needs both classes among the labels');

  const features = opts.features ?? [...columns.numeric.keys(), ...columns.categorical.keys()];
  const tiledNumeric = new Map<string, Float64Array>();
  for (const [name, values] of columns.numeric) tiledNumeric.set(name, tileNumeric(values, n, repeats));
  const tiledCategorical = new Map<string, (string | null)[]>();
  for (const [name, values] of columns.categorical) tiledCategorical.set(name, tileCategorical(values, n, repeats));

  const rng = createRng(opts.seed);
  const results: FeatureImportance[] = [];
  for (const feature of features) {
    const numeric = columns.numeric.get(feature);
    const categorical = columns.categorical.get(feature);
    if (numeric === undefined && categorical === undefined) throw usageError(`no column named ${JSON.stringify(feature)} to shuffle`);
    const copies: FeatureColumns = { nRows: n * repeats, numeric: new Map(tiledNumeric), categorical: new Map(tiledCategorical) };
    const shuffled = numeric ? new Float64Array(n * repeats) : new Array<string | null>(n * repeats);
    for (let r = 0; r < repeats; r++) {
      const order = shuffledIndices(n, rng);
      if (numeric) for (let i = 0; i < n; i++) (shuffled as Float64Array)[r * n + i] = numeric[order[i]!]!;
      else for (let i = 0; i < n; i++) (shuffled as (string | null)[])[r * n + i] = categorical![order[i]!] ?? null;
    }
    if (numeric) copies.numeric.set(feature, shuffled as Float64Array);
    else copies.categorical.set(feature, shuffled as (string | null)[]);

    const scores = await score(copies);
    const drops = new Float64Array(repeats);
    for (let r = 0; r < repeats; r++) drops[r] = baseline - rocAuc(scores.subarray(r * n, (r + 1) * n), y);
    const { mean, lower, upper } = meanInterval(drops);
    results.push({ feature, meanDrop: mean, lower, upper });
  }
  return results.sort((a, b) => b.meanDrop - a.meanDrop);
}
