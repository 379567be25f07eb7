/** The column contract: which column is the ID, which the target, and what the features are. */

export type ColumnKind = 'numeric' | 'categorical';

export interface FeatureColumn {
  name: string;
  kind: ColumnKind;
}

/** A target written as two values other than 0/1: which one is read as 1 (compared trimmed, in any case). */
export interface TargetValues {
  positive: string;
  negative: string;
}

export interface TableSchema {
  /** 'audiobooks' for the built-in schema, 'custom' for one inferred from a file. */
  name: 'audiobooks' | 'custom';
  id: string | null;
  target: string | null;
  /** When the target is not written as 0/1. */
  targetValues?: TargetValues;
  features: FeatureColumn[];
}

/** Lowercase, keep only a-z and 0-9: `"Review ?/10"` → `"review10"`. */
export function normalizeHeader(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export type DerivedFeature =
  /** numerator / denominator (NaN when the denominator is 0 or missing). */
  | { name: string; op: 'ratio'; inputs: [numerator: string, denominator: string] }
  /** log(1 + max(input, 0)): tames long right tails (minutes, days, prices). */
  | { name: string; op: 'log1p'; inputs: [string] }
  /** 1 when the input is > 0, else 0. */
  | { name: string; op: 'positive'; inputs: [string] }
  /** 1 when the input differs from `value` (e.g. a fill value), else 0. */
  | { name: string; op: 'differs'; inputs: [string]; value: number };

/** A categorical value that counts as missing, and how the ONNX graph is fed one: the empty string. */
export const MISSING_CATEGORY = '';
