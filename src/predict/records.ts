import { inputError } from '../errors.js';
import type { TableSchema } from '../core/schema.js';
import { FLOAT32_OVERFLOW } from '../core/bounds.js';
import type { CustomerRecord } from './types.js';
import type { FeatureColumns } from '../core/table.js';
import { canonicalRecord } from '../data/schema.js';
import { badNumberProblem } from '../data/read/columns.js';

function fieldPath(row: number, field: string): string {
  return `customers[${row}].${field}`;
}

/**
 * A number written in decimal, as the CSV reader takes it. Number() alone would also take "0x10",
 * "0b101", "0o7" and "Infinity", which the same value in a CSV file is refused for.
 */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function numericValue(value: unknown, row: number, field: string): number {
  if (value === null || value === '') return Number.NaN;
  const text = typeof value === 'string' ? value.trim() : null;
  const parsed = typeof value === 'number' ? value : text !== null && DECIMAL.test(text) ? Number(text) : Number.NaN;
  if (Number.isFinite(parsed) && Math.abs(parsed) < FLOAT32_OVERFLOW) return parsed;
  // The same words as for a bad value in a file: the range is named only when it is the reason.
  const problem = Number.isFinite(parsed) ? badNumberProblem(String(parsed)) : typeof value === 'string' ? badNumberProblem(value) : 'not a number';
  throw inputError(problem, { field: fieldPath(row, field), value: String(value) });
}

function categoricalValue(value: unknown, row: number, field: string): string | null {
  if (value === null || value === '') return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw inputError('must be a string', { field: fieldPath(row, field), value: String(value) });
}

/** Customers as JSON → feature columns, validated against the model's schema. */
export function recordsToColumns(schema: TableSchema, given: readonly CustomerRecord[]): FeatureColumns {
  // Keys as a file's header spells them name the same columns as in a CSV file.
  const records = given.map((record, row) => canonicalRecord(schema, record, `customers[${row}]`));
  const n = records.length;
  const numeric = new Map<string, Float64Array>();
  const categorical = new Map<string, (string | null)[]>();
  for (const feature of schema.features) {
    if (feature.kind === 'numeric') numeric.set(feature.name, new Float64Array(n));
    else categorical.set(feature.name, new Array<string | null>(n));
  }
  for (let row = 0; row < n; row++) {
    const record = records[row]!;
    for (const feature of schema.features) {
      const value = record[feature.name];
      if (value === undefined) {
        throw inputError('is missing (send null for an unknown value)', { field: fieldPath(row, feature.name) });
      }
      if (feature.kind === 'numeric') numeric.get(feature.name)![row] = numericValue(value, row, feature.name);
      else categorical.get(feature.name)![row] = categoricalValue(value, row, feature.name);
    }
  }
  return { nRows: n, numeric, categorical };
}
