/** Derived features: new numeric columns computed from raw ones, described as plain data. */
import type { TableSchema } from '../data/schema.js';
import { AUDIOBOOKS_REVIEW_FILL } from '../data/schema.js';

export type DerivedFeature =
  /** numerator / denominator (NaN when the denominator is 0 or missing). */
  | { name: string; op: 'ratio'; inputs: [numerator: string, denominator: string] }
  /** log(1 + max(input, 0)): tames long right tails (minutes, days, prices). */
  | { name: string; op: 'log1p'; inputs: [string] }
  /** 1 when the input is > 0, else 0. */
  | { name: string; op: 'positive'; inputs: [string] }
  /** 1 when the input differs from `value` (e.g. a fill value), else 0. */
  | { name: string; op: 'differs'; inputs: [string]; value: number };

const AUDIOBOOKS_LONG_TAILED = [
  'minutes_listened',
  'last_visit_days',
  'price_overall',
  'price_avg',
  'book_length_overall',
  'book_length_avg',
  'support_requests',
];

/**
 * For the Audiobooks schema: the number of books bought (the _avg column holds the total, see
 * the data README), whether the customer listened at all, whether the review score is real rather
 * than the course's fill value, and log1p of the long-tailed columns. Other tables get none
 * (missing-value flags are always on).
 */
export function derivedFeaturesFor(schema: TableSchema): DerivedFeature[] {
  if (schema.name !== 'audiobooks') return [];
  return [
    { name: 'books_bought', op: 'ratio', inputs: ['book_length_avg', 'book_length_overall'] },
    { name: 'listened_any', op: 'positive', inputs: ['minutes_listened'] },
    { name: 'review_given', op: 'differs', inputs: ['review_score'], value: AUDIOBOOKS_REVIEW_FILL },
    ...AUDIOBOOKS_LONG_TAILED.map((column): DerivedFeature => ({ name: `log_${column}`, op: 'log1p', inputs: [column] })),
  ];
}

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
    else out[i] = Math.abs(x - feature.value) > 1e-9 ? 1 : 0;
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
