import { readTable } from '../data/read.js';
import { concatTables, type Table } from '../core/table.js';
import type { TableSchema } from '../core/schema.js';
import { NEW_TABLE_DEFAULTS, SPLIT_DEFAULTS } from '../config.js';
import { usageError } from '../errors.js';
import { fingerprintFiles } from '../data/fingerprint.js';
import { createRng, type Rng } from '../core/random.js';
import {
  balanceIndices,
  classWeights,
  naturalMixSample,
  naturalTestIndices,
  stratifiedSplit,
  type BalanceMode,
  type SplitRatios,
} from '../prep/split.js';

/** Where the data comes from: one file we split, or the user's own train/valid/test files. */
export interface DataSource {
  data?: string;
  train?: string;
  valid?: string;
  test?: string;
  target?: string;
  id?: string;
  /** The target's value that means 1, for a target written as two values other than yes/no, true/false, y/n or 1/0. */
  positive?: string;
  /** CSV field separator and decimal mark (see readTable). */
  delimiter?: string;
  decimal?: string;
}

export interface SplitOptions {
  balance: BalanceMode;
  split: SplitRatios;
  seed: number;
}

/** Split options as asked: without `balance`, the table's default (see defaultBalance). */
export type SplitRequest = Omit<SplitOptions, 'balance'> & { balance?: BalanceMode | undefined };

/** Audiobooks: the notebooks' undersampling; any other table: every row, classes weighted in the loss. */
export function defaultBalance(schema: TableSchema): BalanceMode {
  return schema.name === 'audiobooks' ? SPLIT_DEFAULTS.balance : NEW_TABLE_DEFAULTS.balance;
}

function resolveSplit(table: Table, options: SplitRequest): SplitOptions {
  return { ...options, balance: options.balance ?? defaultBalance(table.schema) };
}

/** A table and the row indices of each part. */
export interface Dataset {
  table: Table;
  files: string[];
  fingerprint: string;
  train: Int32Array;
  valid: Int32Array;
  /** The balanced test part, as the seeds report it. */
  test: Int32Array;
  /** Rows not used for training or validation, in the table's own class mix (see naturalMixSample). */
  naturalTest: Int32Array;
  /** Loss weights per class when balancing by weights; otherwise undefined. */
  classWeights: [number, number] | undefined;
  options: SplitOptions;
}

function range(from: number, to: number): Int32Array {
  return Int32Array.from({ length: to - from }, (_, i) => from + i);
}

/** A random sample of `rows` with as many of each class (the balanced test part the seeds report). */
function balancedSample(rows: Int32Array, target: Uint8Array, rng: Rng): Int32Array {
  const kept = balanceIndices(Uint8Array.from(rows, (row) => target[row]!), 'random', rng);
  return Int32Array.from(kept, (i) => rows[i]!);
}

function requireTarget(table: Table): Uint8Array {
  if (!table.target) throw usageError(`${table.source} has no target column`);
  return table.target;
}

/** Balances, shuffles and splits one table, deterministically under the seed. */
export function splitTable(table: Table, options: SplitOptions): Omit<Dataset, 'files' | 'fingerprint'> {
  const target = requireTarget(table);
  const rng = createRng(options.seed);
  const kept = balanceIndices(target, options.balance, rng);
  const parts = stratifiedSplit(kept, target, options.split, rng);
  const positiveRate = target.reduce((sum, v) => sum + v, 0) / table.nRows;
  const unused = naturalTestIndices(table.nRows, parts.train, parts.valid);
  const naturalTest = naturalMixSample(unused, target, positiveRate, rng);
  return {
    table,
    ...parts,
    // Weighting keeps the test part in the natural mix: the balanced one is a balanced sample of it.
    test: options.balance === 'weights' ? balancedSample(parts.test, target, rng) : parts.test,
    naturalTest,
    classWeights: options.balance === 'weights' ? classWeights(target, parts.train) : undefined,
    options,
  };
}

/**
 * The user's own split, used as given: rows are not re-balanced. The natural test part is the test
 * file; the balanced test part is a balanced sample of it.
 */
function ownSplit(tables: Table[], options: SplitOptions): Omit<Dataset, 'files' | 'fingerprint'> {
  const table = concatTables(tables);
  const target = requireTarget(table);
  const [trainT, validT, testT] = tables;
  const trainEnd = trainT!.nRows;
  const validEnd = trainEnd + validT!.nRows;
  const train = range(0, trainEnd);
  const naturalTest = testT ? range(validEnd, table.nRows) : new Int32Array(0);
  return {
    table,
    train,
    valid: range(trainEnd, validEnd),
    test: balancedSample(naturalTest, target, createRng(options.seed)),
    naturalTest,
    classWeights: options.balance === 'weights' ? classWeights(target, train) : undefined,
    options,
  };
}

export async function loadDataset(source: DataSource, request: SplitRequest): Promise<Dataset> {
  const readOptions = { target: source.target, id: source.id, positive: source.positive, delimiter: source.delimiter, decimal: source.decimal };
  if (source.data) {
    if (source.train || source.valid || source.test) throw usageError('give either `data` or `train`/`valid`/`test`, not both');
    const table = await readTable(source.data, readOptions);
    return { ...splitTable(table, resolveSplit(table, request)), files: [source.data], fingerprint: await fingerprintFiles([source.data]) };
  }
  if (!source.train || !source.valid) throw usageError('give `data` FILE, or `train` FILE and `valid` FILE (and `test` FILE)');
  const files = [source.train, source.valid, ...(source.test ? [source.test] : [])];
  const first = await readTable(files[0]!, readOptions);
  const rest = await Promise.all(files.slice(1).map((f) => readTable(f, { ...readOptions, schema: first.schema })));
  return { ...ownSplit([first, ...rest], resolveSplit(first, request)), files, fingerprint: await fingerprintFiles(files) };
}
