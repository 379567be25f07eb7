/** Small synthetic tables and hand-made score functions with known Shapley values. */
import type { TableSchema } from '../../src/core/schema.js';
import type { FeatureColumns } from '../../src/core/table.js';
import { createRng } from '../../src/core/random.js';
import type { ScoreFunction } from '../../src/explain/types.js';

export const NUMERIC = ['a', 'b', 'c', 'd'] as const;
export const PLANS = ['basic', 'gold', 'silver'] as const;

export const SCHEMA: TableSchema = {
  name: 'custom',
  id: null,
  target: null,
  features: [...NUMERIC.map((name) => ({ name, kind: 'numeric' as const })), { name: 'plan', kind: 'categorical' }],
};

/** n rows of standard-normal-ish numbers in a..d and a plan (sometimes missing). */
export function randomColumns(n: number, seed: number): FeatureColumns {
  const rng = createRng(seed);
  const numeric = new Map<string, Float64Array>();
  for (const name of NUMERIC) numeric.set(name, Float64Array.from({ length: n }, () => (rng() + rng() + rng() - 1.5) * 2));
  const plan = Array.from({ length: n }, () => {
    const u = rng();
    return u < 0.1 ? null : PLANS[Math.floor(u * 3) % 3]!;
  });
  return { nRows: n, numeric, categorical: new Map([['plan', plan]]) };
}

export function num(columns: FeatureColumns, name: string): ArrayLike<number> {
  return columns.numeric.get(name)!;
}

export function cat(columns: FeatureColumns, name: string): ArrayLike<string | null> {
  return columns.categorical.get(name)!;
}

/** Rows [from, to) of some columns. */
export function sliceRows(columns: FeatureColumns, from: number, to: number): FeatureColumns {
  const numeric = new Map<string, Float64Array>();
  for (const [k, v] of columns.numeric) numeric.set(k, Float64Array.from(Array.prototype.slice.call(v, from, to) as number[]));
  const categorical = new Map<string, (string | null)[]>();
  for (const [k, v] of columns.categorical) categorical.set(k, Array.prototype.slice.call(v, from, to) as (string | null)[]);
  return { nRows: to - from, numeric, categorical };
}

/** A score computed row by row in JS; counts its calls and rows. */
export function rowScore(f: (row: (name: string) => number | string | null) => number): ScoreFunction & { calls: number[] } {
  const calls: number[] = [];
  const score = async (columns: FeatureColumns) => {
    calls.push(columns.nRows);
    const out = new Float32Array(columns.nRows);
    for (let i = 0; i < columns.nRows; i++) {
      out[i] = f((name) => {
        const n = columns.numeric.get(name);
        if (n) return n[i]!;
        return columns.categorical.get(name)![i] ?? null;
      });
    }
    return out;
  };
  return Object.assign(score, { calls });
}

export const WEIGHTS: Record<string, number> = { a: 0.08, b: -0.05, c: 0.02, d: 0 };
export const PLAN_EFFECT: Record<string, number> = { basic: -0.03, gold: 0.06, silver: 0.01, missing: 0 };

export function planEffect(v: number | string | null): number {
  return PLAN_EFFECT[v === null ? 'missing' : String(v)]!;
}

/** Additive: 0.4 + Σ w_j x_j + a squared term + a plan effect. */
export const additive = (row: (name: string) => number | string | null): number =>
  0.4 + NUMERIC.reduce((s, k) => s + WEIGHTS[k]! * (row(k) as number), 0) + 0.01 * (row('c') as number) ** 2 + planEffect(row('plan'));

/** Not additive: a logistic of a linear function with an interaction, times a plan factor. */
export const nonAdditive = (row: (name: string) => number | string | null): number => {
  const a = row('a') as number;
  const rawB = row('b') as number;
  const b = Number.isNaN(rawB) ? 0 : rawB; // a model imputes and flags a missing value
  const c = row('c') as number;
  const z = 0.9 * a - 0.6 * b + 0.7 * a * c + (Number.isNaN(rawB) ? 1 : 0);
  return (1 / (1 + Math.exp(-z))) * (row('plan') === 'gold' ? 1 : 0.7);
};
