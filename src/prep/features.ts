/**
 * Feature fit/apply. Fitted state is plain JSON data (it goes into the manifest).
 *
 * Model input layout, in this order:
 *   1. each numeric column j: (imputed x_j - mean_j) / std_j      (imputed: NaN -> fill_j)
 *   2. each numeric column j with flagMissing: 1 if x_j was missing, else 0
 *   3. each categorical column: one-hot over levels, plus a last "other" slot for unseen or missing values
 *
 * mean and std (population, ddof 0) are those of the observed training values.
 */

import { inputError } from '../errors.js';
import type { Table } from '../core/table.js';
import { createMatrix, type Matrix } from '../core/matrix.js';
import { withDerived } from './derived.js';
import { type DerivedFeature } from '../core/schema.js';

export interface NumericFeatureState {
  name: string;
  mean: number;
  /** Never 0: a constant column gets std 1. */
  std: number;
  /** The value a missing entry takes before standardizing (the training mean). */
  fill: number;
  /** True when the column had missing values in training: the model then has a missing-indicator input. */
  flagMissing: boolean;
}

export interface CategoricalFeatureState {
  name: string;
  /** Levels seen in training, sorted. One-hot width is levels.length + 1 (the last slot: other/unseen/missing). */
  levels: string[];
}

export interface FeatureState {
  numeric: NumericFeatureState[];
  categorical: CategoricalFeatureState[];
  /** Columns computed from raw ones before encoding; they appear in `numeric` by name. */
  derived?: DerivedFeature[];
}

/** Raw model inputs, as the ONNX graph takes them. */
export interface RawInputs {
  /** [n, numeric.length] row-major, raw values, NaN = missing. */
  numeric: Float32Array;
  /** [n, oneHotWidth] row-major, or null when there are no categorical features. */
  onehot: Float32Array | null;
}

export interface RawColumns {
  numeric: Map<string, ArrayLike<number>>;
  categorical: Map<string, ArrayLike<string | null>>;
}

/** Learns the feature state from the training rows only; `derived` columns are added as numeric features. */
export function fitFeatures(table: Table, rows: ArrayLike<number>, derived: readonly DerivedFeature[] = []): FeatureState {
  const numeric: NumericFeatureState[] = [];
  const categorical: CategoricalFeatureState[] = [];
  for (const { name, kind } of table.schema.features) {
    if (kind === 'numeric') numeric.push(fitNumeric(name, requireColumn(table.numeric, name, table.source), rows));
    else categorical.push(fitCategorical(name, requireColumn(table.categorical, name, table.source), rows));
  }
  if (derived.length === 0) return { numeric, categorical };
  for (const feature of derived) requireColumns(table, feature.inputs);
  const columns = withDerived(derived, table.numeric, table.nRows);
  for (const feature of derived) numeric.push(fitNumeric(feature.name, columns.get(feature.name)!, rows));
  return { numeric, categorical, derived: [...derived] };
}

function requireColumns(table: Table, names: readonly string[]): void {
  for (const name of names) requireColumn(table.numeric, name, table.source);
}

function fitNumeric(name: string, values: ArrayLike<number>, rows: ArrayLike<number>): NumericFeatureState {
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < rows.length; i++) {
    const v = values[rows[i]!]!;
    if (Number.isNaN(v)) continue;
    count++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const flagMissing = count < rows.length;
  if (count === 0) return { name, mean: 0, std: 1, fill: 0, flagMissing };
  if (min === max) return { name, mean: min, std: 1, fill: min, flagMissing };
  const mean = sum / count;
  let squares = 0;
  for (let i = 0; i < rows.length; i++) {
    const v = values[rows[i]!]!;
    if (!Number.isNaN(v)) squares += (v - mean) * (v - mean);
  }
  const std = Math.sqrt(squares / count);
  return { name, mean, std: std > 0 ? std : 1, fill: mean, flagMissing };
}

function fitCategorical(name: string, values: ArrayLike<string | null>, rows: ArrayLike<number>): CategoricalFeatureState {
  const seen = new Set<string>();
  for (let i = 0; i < rows.length; i++) {
    const v = values[rows[i]!];
    if (v !== null && v !== undefined) seen.add(v);
  }
  return { name, levels: [...seen].sort(compareCodeUnits) };
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Width of the one-hot block: each categorical column's levels plus its "other" slot. */
export function oneHotWidth(state: FeatureState): number {
  let width = 0;
  for (const c of state.categorical) width += c.levels.length + 1;
  return width;
}

/** Number of model inputs (columns of applyFeatures' matrix). */
export function inputWidth(state: FeatureState): number {
  return state.numeric.length + flaggedIndices(state).length + oneHotWidth(state);
}

/** Indices (into state.numeric) of the columns that carry a missing-indicator input. */
export function flaggedIndices(state: FeatureState): number[] {
  const out: number[] = [];
  state.numeric.forEach((c, j) => {
    if (c.flagMissing) out.push(j);
  });
  return out;
}

/** The model-input names, in layout order: "completion", "completion_missing", "plan=gold", "plan=other". */
export function featureNames(state: FeatureState): string[] {
  const names = state.numeric.map((c) => c.name);
  for (const c of state.numeric) if (c.flagMissing) names.push(`${c.name}_missing`);
  for (const c of state.categorical) {
    for (const level of c.levels) names.push(`${c.name}=${level}`);
    names.push(c.levels.includes('other') ? `${c.name}=(other)` : `${c.name}=other`);
  }
  return names;
}

/** The raw inputs of the ONNX graph: numeric values as float32 (NaN = missing) and the one-hot block. */
export function encodeRaw(state: FeatureState, columns: RawColumns, nRows: number): RawInputs {
  return encodeRawRows(state, withDerivedColumns(state, columns, nRows), null, nRows);
}

function withDerivedColumns(state: FeatureState, columns: RawColumns, nRows: number): RawColumns {
  if (!state.derived?.length) return columns;
  return { numeric: withDerived(state.derived, columns.numeric, nRows), categorical: columns.categorical };
}

/** The standardized model input per the layout above, for `rows` (default: all rows). */
export function applyFeatures(state: FeatureState, table: Table, rows?: ArrayLike<number>): Matrix {
  const columns = withDerivedColumns(state, { numeric: table.numeric, categorical: table.categorical }, table.nRows);
  const n = rows ? rows.length : table.nRows;
  return standardizeRaw(state, encodeRawRows(state, columns, rows ?? null, n, table.source), n);
}

/** Raw inputs → model input: impute, standardize, flag, one-hot (the same steps the ONNX graph takes). */
export function standardizeRaw(state: FeatureState, raw: RawInputs, nRows: number): Matrix {
  const nNum = state.numeric.length;
  const flagged = flaggedIndices(state);
  const nFlags = flagged.length;
  const width = oneHotWidth(state);
  const out = createMatrix(nRows, nNum + nFlags + width);
  const { data, cols } = out;
  const mean = Float64Array.from(state.numeric, (c) => c.mean);
  const std = Float64Array.from(state.numeric, (c) => c.std);
  const fill = Float64Array.from(state.numeric, (c) => c.fill);
  const onehot = raw.onehot;
  for (let i = 0; i < nRows; i++) {
    const from = i * nNum;
    const to = i * cols;
    for (let j = 0; j < nNum; j++) {
      const v = raw.numeric[from + j]!;
      data[to + j] = ((Number.isNaN(v) ? fill[j]! : v) - mean[j]!) / std[j]!;
    }
    for (let k = 0; k < nFlags; k++) data[to + nNum + k] = Number.isNaN(raw.numeric[from + flagged[k]!]!) ? 1 : 0;
    if (onehot) for (let k = 0; k < width; k++) data[to + nNum + nFlags + k] = onehot[i * width + k]!;
  }
  return out;
}

const levelIndexCache = new WeakMap<CategoricalFeatureState, Map<string, number>>();

function levelIndex(c: CategoricalFeatureState): Map<string, number> {
  let index = levelIndexCache.get(c);
  if (!index) {
    index = new Map(c.levels.map((level, k) => [level, k]));
    levelIndexCache.set(c, index);
  }
  return index;
}

function encodeRawRows(
  state: FeatureState,
  columns: RawColumns,
  rows: ArrayLike<number> | null,
  nRows: number,
  source?: string,
): RawInputs {
  const nNum = state.numeric.length;
  const numeric = new Float32Array(nRows * nNum);
  for (let j = 0; j < nNum; j++) {
    const values = requireColumn(columns.numeric, state.numeric[j]!.name, source);
    if (rows) for (let i = 0; i < nRows; i++) numeric[i * nNum + j] = values[rows[i]!]!;
    else for (let i = 0; i < nRows; i++) numeric[i * nNum + j] = values[i]!;
  }
  if (state.categorical.length === 0) return { numeric, onehot: null };
  const width = oneHotWidth(state);
  const onehot = new Float32Array(nRows * width);
  let offset = 0;
  for (const c of state.categorical) {
    const values = requireColumn(columns.categorical, c.name, source);
    const index = levelIndex(c);
    const other = c.levels.length;
    for (let i = 0; i < nRows; i++) {
      const v = values[rows ? rows[i]! : i];
      const k = v === null || v === undefined ? other : (index.get(v) ?? other);
      onehot[i * width + offset + k] = 1;
    }
    offset += other + 1;
  }
  return { numeric, onehot };
}

function requireColumn<T>(columns: Map<string, T>, name: string, source?: string): T {
  const values = columns.get(name);
  if (values === undefined) {
    throw inputError('a feature column the model needs is missing', source ? { file: source, column: name } : { column: name });
  }
  return values;
}
