/**
 * Derived features: new numeric columns computed from raw ones, described as plain data. These rules
 * give the training inputs; model/onnx-build.ts compiles the same rules into the scoring graph.
 */
import type { DerivedFeature } from '../core/schema.js';
import type { Table } from '../core/table.js';
import { AUDIOBOOKS_DERIVED } from '../domain/audiobooks.js';

export type { DerivedFeature } from '../core/schema.js';

/** A column's right tail counts as long from this sample skewness on (|skew| > 1 is the usual mark of a highly skewed column). */
export const LONG_TAIL_SKEWNESS = 1;

/** Derived features of a table: the Audiobooks ones; on any other table, the logs of its long-tailed columns. */
export function derivedFeaturesFor(table: Table, rows: ArrayLike<number>): DerivedFeature[] {
  return table.schema.name === 'audiobooks' ? [...AUDIOBOOKS_DERIVED] : logsOfLongTails(table, rows);
}

/**
 * log1p of each numeric column whose observed values on the training `rows` are never negative, take
 * more than two values and have a long right tail (amounts of money, counts, durations), learned from
 * those rows only.
 */
export function logsOfLongTails(table: Table, rows: ArrayLike<number>): DerivedFeature[] {
  const taken = new Set(table.schema.features.map((f) => f.name));
  const out: DerivedFeature[] = [];
  for (const { name, kind } of table.schema.features) {
    const values = table.numeric.get(name);
    const derivedName = `log_${name}`;
    if (kind !== 'numeric' || values === undefined || taken.has(derivedName) || !hasLongRightTail(values, rows)) continue;
    out.push({ name: derivedName, op: 'log1p', inputs: [name] });
    taken.add(derivedName);
  }
  return out;
}

function hasLongRightTail(values: ArrayLike<number>, rows: ArrayLike<number>): boolean {
  let n = 0;
  let sum = 0;
  const distinct = new Set<number>();
  for (let i = 0; i < rows.length; i++) {
    const v = values[rows[i]!]!;
    if (Number.isNaN(v)) continue;
    if (v < 0) return false;
    n++;
    sum += v;
    if (distinct.size <= 2) distinct.add(v);
  }
  if (distinct.size <= 2) return false;
  const mean = sum / n;
  let m2 = 0;
  let m3 = 0;
  for (let i = 0; i < rows.length; i++) {
    const v = values[rows[i]!]!;
    if (Number.isNaN(v)) continue;
    const d = v - mean;
    m2 += d * d;
    m3 += d * d * d;
  }
  m2 /= n;
  m3 /= n;
  return m2 > 0 && m3 / m2 ** 1.5 >= LONG_TAIL_SKEWNESS;
}

/** A value "differs" from its reference (a fill value) when further away than this. */
export const DIFFERS_TOLERANCE = 1e-9;

function compute(feature: DerivedFeature, inputs: ArrayLike<number>[], nRows: number): Float64Array {
  const out = new Float64Array(nRows);
  const [a, b] = inputs;
  for (let i = 0; i < nRows; i++) {
    const x = a![i]!;
    if (Number.isNaN(x)) {
      out[i] = Number.NaN;
      continue;
    }
    if (feature.op === 'ratio') {
      const d = b![i]!;
      out[i] = d === 0 || Number.isNaN(d) ? Number.NaN : x / d;
    } else if (feature.op === 'log1p') out[i] = Math.log1p(Math.max(x, 0));
    else if (feature.op === 'positive') out[i] = x > 0 ? 1 : 0;
    else out[i] = Math.abs(x - feature.value) > DIFFERS_TOLERANCE ? 1 : 0;
  }
  return out;
}

/** The numeric columns plus each derived column (computed from them); the input map is not changed. */
export function withDerived(
  derived: readonly DerivedFeature[],
  numeric: ReadonlyMap<string, ArrayLike<number>>,
  nRows: number,
): Map<string, ArrayLike<number>> {
  const out = new Map(numeric);
  for (const feature of derived) {
    const inputs = feature.inputs.map((name) => {
      const column = out.get(name);
      if (!column) throw new Error(`derived feature ${feature.name} needs column ${name}`);
      return column;
    });
    out.set(feature.name, compute(feature, inputs, nRows));
  }
  return out;
}
