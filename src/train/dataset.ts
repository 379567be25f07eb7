import { readTable } from '../data/read.js';
import { concatTables, type Table } from '../core/table.js';
import { usageError } from '../errors.js';
import { fingerprintFiles } from '../data/fingerprint.js';
import { createRng } from '../core/random.js';
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
  /** CSV field separator and decimal mark (see readTable). */
  delimiter?: string;
  decimal?: string;
}

export interface SplitOptions {
  balance: BalanceMode;
  split: SplitRatios;
  seed: number;
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
  return {
    table,
    ...parts,
    naturalTest: naturalMixSample(unused, target, positiveRate, rng),
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
  const testTarget = Uint8Array.from(naturalTest, (row) => target[row]!);
  const balancedWithinTest = balanceIndices(testTarget, 'random', createRng(options.seed));
  return {
    table,
    train,
    valid: range(trainEnd, validEnd),
    test: Int32Array.from(balancedWithinTest, (i) => naturalTest[i]!),
    naturalTest,
    classWeights: options.balance === 'weights' ? classWeights(target, train) : undefined,
    options,
  };
}

export async function loadDataset(source: DataSource, options: SplitOptions): Promise<Dataset> {
  const readOptions = { target: source.target, id: source.id, delimiter: source.delimiter, decimal: source.decimal };
  if (source.data) {
    if (source.train || source.valid || source.test) throw usageError('give either `data` or `train`/`valid`/`test`, not both');
    const table = await readTable(source.data, readOptions);
    return { ...splitTable(table, options), files: [source.data], fingerprint: await fingerprintFiles([source.data]) };
  }
  if (!source.train || !source.valid) throw usageError('give `data` FILE, or `train` FILE and `valid` FILE (and `test` FILE)');
  const files = [source.train, source.valid, ...(source.test ? [source.test] : [])];
  const first = await readTable(files[0]!, readOptions);
  const rest = await Promise.all(files.slice(1).map((f) => readTable(f, { ...readOptions, schema: first.schema })));
  return { ...ownSplit([first, ...rest], options), files, fingerprint: await fingerprintFiles(files) };
}
