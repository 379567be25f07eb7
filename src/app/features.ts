import { writeCsv, writeParquet, type OutputColumn } from '../data/write.js';
import { usageError } from '../errors.js';
import {
  OUTCOME_COLUMNS,
  TARGET_COLUMN,
  buildCustomerTable,
  writeCustomerTable,
  type CustomerTableInfo,
  type CustomerTableOptions,
} from '../purchases/customer-table.js';
import type { PurchaseLogSpec } from '../purchases/log.js';
import { modelFeatures } from '../purchases/model-features.js';
import type { BgNbdFit } from '../purchases/bgnbd.js';
import type { GammaGammaFit } from '../purchases/gamma-gamma.js';

export interface FeaturesOptions extends PurchaseLogSpec, CustomerTableOptions {
  /** The customer table to write: `.csv` or `.parquet`. */
  out: string;
  /** Add BG/NBD's (and with amounts Gamma-Gamma's) outputs over the horizon as features. */
  bgnbd?: boolean;
}

export interface FeaturesResult extends CustomerTableInfo {
  bgnbd?: BgNbdFit;
  gammaGamma?: GammaGammaFit | null;
}

/** Purchase log → customer table at a cutoff, written to `out`; returns what was written (and the fitted models). */
export async function buildFeatures(opts: FeaturesOptions): Promise<FeaturesResult> {
  const { out, cutoff, horizonDays, outcomeCounts, memoryLimit, bgnbd, ...spec } = opts;
  const tableOptions = { cutoff, horizonDays, outcomeCounts, memoryLimit };
  if (!bgnbd) return writeCustomerTable(spec, tableOptions, out);
  const parquet = /\.(parquet|pq)$/i.test(out);
  if (!parquet && !/\.csv$/i.test(out)) throw usageError(`--out: expected a .csv or .parquet file, got ${JSON.stringify(out)}`);
  const table = await buildCustomerTable(spec, tableOptions);
  const models = modelFeatures(table, horizonDays);
  // The target and outcomes stay last, after the model columns.
  const last = new Set<string>([TARGET_COLUMN, ...OUTCOME_COLUMNS]);
  const names = table.info.columns.slice(1);
  const columns: OutputColumn[] = [
    { name: spec.customer, values: table.ids },
    ...names.filter((n) => !last.has(n)).map((name) => ({ name, values: table.numeric.get(name)! })),
    ...[...models.columns].map(([name, values]) => ({ name, values })),
    ...names.filter((n) => last.has(n)).map((name) => ({ name, values: table.numeric.get(name)! })),
  ];
  await (parquet ? writeParquet(out, columns) : writeCsv(out, columns));
  return {
    ...table.info,
    columns: columns.map((c) => c.name),
    notes: [...table.info.notes, ...models.notes],
    bgnbd: models.bgnbd,
    gammaGamma: models.gammaGamma,
  };
}
