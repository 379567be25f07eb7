import type { FeatureColumns } from '../core/table.js';

/** A small sample of training rows (feature values only: no IDs, no targets), for explanations. */
export interface BackgroundSample {
  nRows: number;
  numeric: Record<string, (number | null)[]>;
  categorical: Record<string, (string | null)[]>;
}

export const BACKGROUND_ROWS = 64;

export function toBackground(columns: FeatureColumns): BackgroundSample {
  const numeric: BackgroundSample['numeric'] = {};
  for (const [name, values] of columns.numeric) numeric[name] = Array.from(values, (v) => (Number.isNaN(v) ? null : v));
  const categorical: BackgroundSample['categorical'] = {};
  for (const [name, values] of columns.categorical) categorical[name] = Array.from(values);
  return { nRows: columns.nRows, numeric, categorical };
}

export function fromBackground(sample: BackgroundSample): FeatureColumns {
  return {
    nRows: sample.nRows,
    numeric: new Map(Object.entries(sample.numeric).map(([k, v]) => [k, Float64Array.from(v, (x) => x ?? Number.NaN)])),
    categorical: new Map(Object.entries(sample.categorical)),
  };
}
