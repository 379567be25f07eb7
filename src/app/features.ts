import { writeCustomerTable, type CustomerTableInfo, type CustomerTableOptions } from '../purchases/customer-table.js';
import type { PurchaseLogSpec } from '../purchases/log.js';

export interface FeaturesOptions extends PurchaseLogSpec, CustomerTableOptions {
  /** The customer table to write: `.csv` or `.parquet`. */
  out: string;
}

/** Purchase log → customer table at a cutoff, written to `out`; returns what was written. */
export async function buildFeatures(opts: FeaturesOptions): Promise<CustomerTableInfo> {
  const { out, cutoff, horizonDays, outcomeCounts, ...spec } = opts;
  return writeCustomerTable(spec, { cutoff, horizonDays, outcomeCounts }, out);
}
