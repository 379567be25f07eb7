/**
 * Seeded row selection: shuffling, class balancing, stratified splits and folds.
 * Every function works on row indices (Int32Array) into the table; `target` is indexed by row.
 */
import { usageError } from '../errors.js';
import { randomInt, type Rng } from '../core/random.js';

export type BalanceMode = 'random' | 'first' | 'weights';
export type SplitRatios = [train: number, valid: number, test: number];

export interface SplitParts {
  train: Int32Array;
  valid: Int32Array;
  test: Int32Array;
}

export interface Fold {
  train: Int32Array;
  test: Int32Array;
}

/** A shuffled copy (Fisher–Yates). */
export function shuffle(indices: ArrayLike<number>, rng: Rng): Int32Array {
  const out = Int32Array.from(indices);
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const tmp = out[i]!;
    out[i] = out[j]!;
    out[j] = tmp;
  }
  return out;
}

function rowsOfClass(target: Uint8Array, cls: 0 | 1): number[] {
  const rows: number[] = [];
  for (let i = 0; i < target.length; i++) if ((target[i] !== 0 ? 1 : 0) === cls) rows.push(i);
  return rows;
}

/**
 * The rows to train on.
 * - 'random': every minority row and an equally large random sample of majority rows;
 * - 'first': every minority row and the first N majority rows in file order, N = minority count
 *   (what the course notebook does);
 * - 'weights': every row (imbalance is handled by class weights instead).
 * Result in file order. With only one class present, 'random' and 'first' keep no rows.
 */
export function balanceIndices(target: Uint8Array, mode: BalanceMode, rng: Rng): Int32Array {
  const all = Int32Array.from({ length: target.length }, (_, i) => i);
  if (mode === 'weights') return all;
  const ones = rowsOfClass(target, 1);
  const zeros = rowsOfClass(target, 0);
  if (ones.length === zeros.length) return all;
  const [minority, majority] = ones.length < zeros.length ? [ones, zeros] : [zeros, ones];
  const keptMajority =
    mode === 'first' ? majority.slice(0, minority.length) : shuffle(majority, rng).subarray(0, minority.length);
  const kept = new Int32Array(minority.length * 2);
  kept.set(minority);
  kept.set(keptMajority, minority.length);
  return kept.sort();
}

/** Balanced class weights n / (2 n_c) over the rows at `indices`; an absent class gets weight 0. */
export function classWeights(target: Uint8Array, indices: ArrayLike<number>): [number, number] {
  let ones = 0;
  for (let i = 0; i < indices.length; i++) if (target[indices[i]!] !== 0) ones++;
  const n = indices.length;
  const weight = (count: number): number => (count === 0 ? 0 : n / (2 * count));
  return [weight(n - ones), weight(ones)];
}

/** Throws a usage error unless train > 0, valid > 0, test >= 0 and they sum to 1. */
export function validateRatios(ratios: readonly number[]): asserts ratios is SplitRatios {
  const shown = ratios.join(',');
  if (ratios.length !== 3 || !ratios.every(Number.isFinite)) {
    throw usageError(`split needs three numbers train,valid,test (e.g. 0.8,0.1,0.1); got "${shown}"`);
  }
  const [train, valid, test] = ratios as SplitRatios;
  if (train <= 0 || valid <= 0 || test < 0) {
    throw usageError(`split ratios must be train > 0, valid > 0, test >= 0; got "${shown}"`);
  }
  if (Math.abs(train + valid + test - 1) > 1e-6) {
    throw usageError(`split ratios must sum to 1; got "${shown}" (sum ${train + valid + test})`);
  }
}

/** Parses "0.8,0.1,0.1" (or percentages "80,10,10") into validated ratios. */
export function parseSplit(text: string): SplitRatios {
  const parts = text.split(',').map((s) => s.trim());
  const numbers = parts.map((s) => (s === '' ? Number.NaN : Number(s)));
  if (numbers.length !== 3 || !numbers.every(Number.isFinite)) {
    throw usageError(
      `\`split\` expects three comma-separated numbers train,valid,test such as "0.8,0.1,0.1"; got "${text}"`,
    );
  }
  const sum = numbers.reduce((a, b) => a + b, 0);
  const ratios = Math.abs(sum - 100) < 1e-6 ? numbers.map((v) => v / 100) : numbers;
  validateRatios(ratios);
  return ratios;
}

/**
 * Shuffles, then splits each class by the ratios (cumulative rounding, so each part is within one
 * row of its target share per class). Each part is shuffled.
 */
export function stratifiedSplit(
  indices: ArrayLike<number>,
  target: Uint8Array,
  ratios: SplitRatios,
  rng: Rng,
): SplitParts {
  validateRatios(ratios);
  const shuffled = shuffle(indices, rng);
  const train: number[] = [];
  const valid: number[] = [];
  const test: number[] = [];
  for (const cls of [0, 1] as const) {
    const rows = shuffled.filter((row) => (target[row] !== 0 ? 1 : 0) === cls);
    const n = rows.length;
    const cutTrain = Math.round(n * ratios[0]);
    const cutValid = Math.min(n, Math.round(n * (ratios[0] + ratios[1])));
    for (let i = 0; i < n; i++) (i < cutTrain ? train : i < cutValid ? valid : test).push(rows[i]!);
  }
  return { train: shuffle(train, rng), valid: shuffle(valid, rng), test: shuffle(test, rng) };
}

/** Every row in [0, nRows) not in any of `used` (e.g. train and valid), in file order: the natural class mix. */
export function naturalTestIndices(nRows: number, ...used: ArrayLike<number>[]): Int32Array {
  const taken = new Uint8Array(nRows);
  for (const rows of used) for (let i = 0; i < rows.length; i++) taken[rows[i]!] = 1;
  const out: number[] = [];
  for (let row = 0; row < nRows; row++) if (taken[row] === 0) out.push(row);
  return Int32Array.from(out);
}

/** Stratified k folds: each row is in exactly one test fold; class shares per fold differ by at most one row. */
export function kFold(indices: ArrayLike<number>, target: Uint8Array, k: number, rng: Rng): Fold[] {
  if (!Number.isInteger(k) || k < 2) throw usageError(`folds must be an integer >= 2; got ${k}`);
  if (k > indices.length) throw usageError(`cannot make ${k} folds from ${indices.length} rows`);
  const shuffled = shuffle(indices, rng);
  const foldOf = new Int32Array(shuffled.length);
  let next = 0;
  for (const cls of [0, 1] as const) {
    for (let i = 0; i < shuffled.length; i++) {
      if ((target[shuffled[i]!] !== 0 ? 1 : 0) !== cls) continue;
      foldOf[i] = next;
      next = (next + 1) % k;
    }
  }
  return Array.from({ length: k }, (_, fold) => {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < shuffled.length; i++) (foldOf[i] === fold ? test : train).push(shuffled[i]!);
    return { train: Int32Array.from(train), test: Int32Array.from(test) };
  });
}

/**
 * The rows, subsampled to a class mix with the given share of positives (keeping as many rows as
 * possible): after undersampling, the rows left over are mostly negatives, so this restores the
 * population's mix for honest precision, Brier score and calibration. Result in file order.
 */
export function naturalMixSample(rows: ArrayLike<number>, target: Uint8Array, positiveRate: number, rng: Rng): Int32Array {
  const positives: number[] = [];
  const negatives: number[] = [];
  for (let i = 0; i < rows.length; i++) (target[rows[i]!] !== 0 ? positives : negatives).push(rows[i]!);
  if (positives.length === 0 || negatives.length === 0 || !(positiveRate > 0 && positiveRate < 1)) return Int32Array.from(rows);
  const wantedNegatives = Math.round((positives.length * (1 - positiveRate)) / positiveRate);
  const keep =
    negatives.length >= wantedNegatives
      ? [...positives, ...shuffle(negatives, rng).subarray(0, wantedNegatives)]
      : [...shuffle(positives, rng).subarray(0, Math.round((negatives.length * positiveRate) / (1 - positiveRate))), ...negatives];
  return Int32Array.from(keep).sort();
}
