import type { Table } from '../core/table.js';
import { createRng } from '../core/random.js';
import { balanceIndices, classWeights, kFold, shuffle, stratifiedSplit, type BalanceMode, type SplitRatios } from '../prep/split.js';
import { splitTable } from './dataset.js';

/** The rows one evaluation trains, validates (early stopping) and tests on. */
export interface EvalPlan {
  label: string;
  seed: number;
  train: Int32Array;
  valid: Int32Array;
  /** Balanced held-out rows, as the seeds report. */
  test: Int32Array;
  /** Held-out rows in the natural class mix. */
  naturalTest: Int32Array;
  classWeights: [number, number] | undefined;
}

/** Share of a fold's training rows kept aside for early stopping (80/10 of the whole, as the seeds). */
export const FOLD_VALID_SHARE = 1 / 9;

export function randomSplitPlans(
  table: Table,
  options: { repeats: number; balance: BalanceMode; split: SplitRatios; seed: number },
): EvalPlan[] {
  return Array.from({ length: options.repeats }, (_, i) => {
    const seed = options.seed + i;
    const parts = splitTable(table, { balance: options.balance, split: options.split, seed });
    return { label: `split ${i + 1}`, seed, ...parts };
  });
}

function concat(a: ArrayLike<number>, b: ArrayLike<number>): Int32Array {
  const out = new Int32Array(a.length + b.length);
  out.set(Int32Array.from(a));
  out.set(Int32Array.from(b), a.length);
  return out;
}

/**
 * Stratified k-fold over `rows` (default: the balanced rows of the whole table). Each fold's test
 * rows are held out; the rows balancing dropped are dealt out across the folds, so that each
 * fold's natural test part keeps the natural class mix and every row is tested exactly once.
 */
export function kFoldPlans(
  table: Table,
  options: { folds: number; balance: BalanceMode; seed: number; rows?: Int32Array },
): EvalPlan[] {
  const target = table.target!;
  const rng = createRng(options.seed);
  const kept = options.rows ?? balanceIndices(target, options.balance, rng);
  const keptSet = new Uint8Array(table.nRows);
  for (const r of kept) keptSet[r] = 1;
  const dropped = options.rows
    ? new Int32Array(0)
    : shuffle(Int32Array.from({ length: table.nRows }, (_, i) => i).filter((r) => keptSet[r] === 0), rng);
  const folds = kFold(kept, target, options.folds, rng);
  return folds.map((fold, i) => {
    const from = Math.round((dropped.length * i) / options.folds);
    const to = Math.round((dropped.length * (i + 1)) / options.folds);
    const ratios: SplitRatios = [1 - FOLD_VALID_SHARE, FOLD_VALID_SHARE, 0];
    const inner = stratifiedSplit(fold.train, target, ratios, rng);
    return {
      label: `fold ${i + 1}`,
      seed: options.seed + i,
      train: inner.train,
      valid: inner.valid,
      test: fold.test,
      naturalTest: concat(fold.test, dropped.subarray(from, to)),
      classWeights: options.balance === 'weights' ? classWeights(target, inner.train) : undefined,
    };
  });
}

/** The rows a model may learn from in a plan or dataset: training and validation, never the tests. */
export function learningRows(parts: { train: Int32Array; valid: Int32Array }): Int32Array {
  return concat(parts.train, parts.valid);
}
