/**
 * Feature fit/apply. Fitted state is plain JSON data (it goes into the manifest); applyFeatures builds
 * the training inputs, and model/onnx-build.ts compiles the same steps into the scoring graph.
 *
 * Model input layout, in this order (derived features count as numeric columns, after the raw ones):
 *   1. each numeric column j: (imputed x_j - mean_j) / std_j      (imputed: NaN -> fill_j)
 *   2. each numeric column j with flagMissing: 1 if x_j was missing, else 0
 *   3. each categorical column: one-hot over levels, plus a last "other" slot for unseen or missing values
 *      (missing: null, undefined or MISSING_CATEGORY)
 *
 * mean and std (population, ddof 0) are those of the observed training values.
 */
import { MISSING_CATEGORY } from '../core/schema.js';
import { inputError } from '../errors.js';
import type { Table } from '../core/table.js';
import { createMatrix, type Matrix } from '../core/matrix.js';
import { withDerived } from './derived.js';
import { type DerivedFeature } from '../core/schema.js';


/** The value, or null when it counts as missing. */
function categoryOf(v: string | null | undefined): string | null {
  return v === null || v === undefined || v === MISSING_CATEGORY ? null : v;
}

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
    const v = categoryOf(values[rows[i]!]);
    if (v !== null) seen.add(v);
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

/**
 * The raw columns the fitted pipeline reads, in the order the ONNX graph takes them: the numeric
 * ones (not derived, plus any column a derived feature reads that is not a feature itself), then the
 * categorical ones.
 */
export function rawColumns(state: FeatureState): { numeric: string[]; categorical: string[] } {
  const derived = new Set((state.derived ?? []).map((d) => d.name));
  const numeric = state.numeric.map((c) => c.name).filter((name) => !derived.has(name));
  const known = new Set(numeric);
  for (const feature of state.derived ?? []) {
    for (const input of feature.inputs) {
      if (!known.has(input)) {
        numeric.push(input);
        known.add(input);
      }
    }
    known.add(feature.name);
  }
  return { numeric, categorical: state.categorical.map((c) => c.name) };
}

/** The standardized model input per the layout above, for `rows` (default: all rows): what training feeds the network. */
export function applyFeatures(state: FeatureState, table: Table, rows?: ArrayLike<number>): Matrix {
  const numericColumns = state.derived?.length ? withDerived(state.derived, table.numeric, table.nRows) : table.numeric;
  const n = rows ? rows.length : table.nRows;
  const at = (i: number) => (rows ? rows[i]! : i);
  const nNum = state.numeric.length;
  const flagged = flaggedIndices(state);
  const out = createMatrix(n, nNum + flagged.length + oneHotWidth(state));
  const { data, cols } = out;
  state.numeric.forEach((c, j) => {
    const values = requireColumn(numericColumns, c.name, table.source);
    const flag = flagged.indexOf(j);
    for (let i = 0; i < n; i++) {
      const v = values[at(i)]!;
      data[i * cols + j] = ((Number.isNaN(v) ? c.fill : v) - c.mean) / c.std;
      if (flag >= 0) data[i * cols + nNum + flag] = Number.isNaN(v) ? 1 : 0;
    }
  });
  let offset = nNum + flagged.length;
  for (const c of state.categorical) {
    const values = requireColumn(table.categorical, c.name, table.source);
    const index = new Map(c.levels.map((level, k) => [level, k]));
    const other = c.levels.length;
    for (let i = 0; i < n; i++) {
      const v = categoryOf(values[at(i)]);
      data[i * cols + offset + (v === null ? other : (index.get(v) ?? other))] = 1;
    }
    offset += other + 1;
  }
  return out;
}

function requireColumn<T>(columns: ReadonlyMap<string, T>, name: string, source: string): T {
  const values = columns.get(name);
  if (values === undefined) throw inputError('a feature column the model needs is missing', { file: source, column: name });
  return values;
}
