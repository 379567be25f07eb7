import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { Table } from '../core/table.js';
import { atomicWriteFile, writeCsv, writeNpz } from '../data/write.js';
import { applyFeatures, featureNames, fitFeatures, type FeatureState } from '../prep/features.js';
import { takeLabels } from '../core/matrix.js';
import { loadDataset, type DataSource, type SplitRequest } from '../train/dataset.js';

export interface PrepOptions extends DataSource, SplitRequest {
  out: string;
}

export interface PreparedPart {
  name: 'train' | 'validation' | 'test';
  rows: number;
  positives: number;
  npz: string;
  csv: string;
}

export interface PrepResult {
  out: string;
  parts: PreparedPart[];
  features: string;
}

/** The table's own columns for the given rows, as CSV columns (a file `--train/--valid/--test` reads back). */
function rawColumns(table: Table, rows: Int32Array): { name: string; values: ArrayLike<number | string | null> }[] {
  const columns: { name: string; values: ArrayLike<number | string | null> }[] = [];
  if (table.schema.id) columns.push({ name: table.schema.id, values: Array.from(rows, (r) => table.ids[r]!) });
  for (const f of table.schema.features) {
    const values = f.kind === 'numeric' ? table.numeric.get(f.name)! : table.categorical.get(f.name)!;
    columns.push({ name: f.name, values: Array.from(rows, (r) => values[r]!) });
  }
  if (table.schema.target && table.target) {
    columns.push({ name: table.schema.target, values: takeLabels(table.target, rows) });
  }
  return columns;
}

async function writePart(out: string, name: PreparedPart['name'], table: Table, features: FeatureState, rows: Int32Array): Promise<PreparedPart> {
  const x = applyFeatures(features, table, rows);
  const y = takeLabels(table.target!, rows);
  const npz = join(out, `${name}.npz`);
  const csv = join(out, `${name}.csv`);
  await writeNpz(npz, {
    inputs: { data: x.data, shape: [x.rows, x.cols] },
    targets: { data: Int32Array.from(y), shape: [y.length] },
  });
  await writeCsv(csv, rawColumns(table, rows));
  return { name, rows: rows.length, positives: y.reduce((s, v) => s + v, 0), npz, csv };
}

/**
 * Balances, shuffles and splits as the seeds do, standardizing with training statistics only.
 * Writes train/validation/test as .npz (`inputs`, `targets`, as the seed notebooks load them) and as
 * CSV of the original columns, plus the fitted feature state.
 */
export async function prepareParts(options: PrepOptions): Promise<PrepResult> {
  const dataset = await loadDataset(options, options);
  const features = fitFeatures(dataset.table, dataset.train);
  await mkdir(options.out, { recursive: true });
  const parts = [
    await writePart(options.out, 'train', dataset.table, features, dataset.train),
    await writePart(options.out, 'validation', dataset.table, features, dataset.valid),
    await writePart(options.out, 'test', dataset.table, features, dataset.test),
  ];
  const featuresFile = join(options.out, 'features.json');
  await atomicWriteFile(
    featuresFile,
    `${JSON.stringify({ featureNames: featureNames(features), state: features, seed: options.seed, balance: dataset.options.balance, split: options.split }, null, 2)}\n`,
  );
  return { out: options.out, parts, features: featuresFile };
}
