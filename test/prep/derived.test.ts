import { describe, expect, it } from 'vitest';
import { derivedFeaturesFor, withDerived } from '../../src/prep/derived.js';
import { type DerivedFeature } from '../../src/core/schema.js';
import { applyFeatures, featureNames, fitFeatures, rawColumns } from '../../src/prep/features.js';
import { AUDIOBOOKS_SCHEMA } from '../../src/domain/audiobooks.js';
import { type TableSchema } from '../../src/core/schema.js';
import type { Table } from '../../src/core/table.js';

const FEATURES: DerivedFeature[] = [
  { name: 'books', op: 'ratio', inputs: ['total', 'each'] },
  { name: 'any', op: 'positive', inputs: ['minutes'] },
  { name: 'real_score', op: 'differs', inputs: ['score'], value: 8.91 },
  { name: 'log_minutes', op: 'log1p', inputs: ['minutes'] },
];

function numeric(columns: Record<string, number[]>): Map<string, Float64Array> {
  return new Map(Object.entries(columns).map(([k, v]) => [k, Float64Array.from(v)]));
}

describe('derived features', () => {
  it('compute ratios, flags and log1p, with missing inputs staying missing', () => {
    const columns = numeric({ total: [2160, 4320, 1620, Number.NaN], each: [2160, 2160, 0, 1], minutes: [0, 15, Number.NaN, 3], score: [8.91, 10, 8.91, 7] });
    const out = withDerived(FEATURES, columns, 4);
    expect(Array.from(out.get('books')!)).toEqual([1, 2, Number.NaN, Number.NaN]);
    expect(Array.from(out.get('any')!)).toEqual([0, 1, Number.NaN, 1]);
    expect(Array.from(out.get('real_score')!)).toEqual([0, 1, 0, 1]);
    expect(Array.from(out.get('log_minutes')!)).toEqual([0, Math.log(16), Number.NaN, Math.log(4)]);
    expect(columns.has('books')).toBe(false);
  });

  it('Audiobooks gets books bought, listened, review given and logs; another table the logs of its long-tailed columns, learned from the given rows', () => {
    const audiobooks = { schema: AUDIOBOOKS_SCHEMA, numeric: new Map(), categorical: new Map(), nRows: 0 } as unknown as Table;
    const names = derivedFeaturesFor(audiobooks, []).map((f) => f.name);
    expect(names.slice(0, 3)).toEqual(['books_bought', 'listened_any', 'review_given']);
    expect(names).toContain('log_last_visit_days');
    const dollars = [5, 8, 10, 12, 15, 20, 30, 60, 250, 1800];
    const columns = {
      spend: [...dollars, Number.NaN],
      recency: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
      // Never negative and skewed, but two values only (a rare flag): its log would only rescale it.
      flag: [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0],
      balance: [-400, ...dollars],
      log_visits: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
      visits: [...dollars, 3],
    };
    const schema: TableSchema = { name: 'custom', id: null, target: 't', features: Object.keys(columns).map((name) => ({ name, kind: 'numeric' as const })) };
    const table = { schema, numeric: numeric(columns), categorical: new Map(), nRows: 11 } as unknown as Table;
    const all = Array.from({ length: 11 }, (_, i) => i);
    expect(derivedFeaturesFor(table, all)).toEqual([{ name: 'log_spend', op: 'log1p', inputs: ['spend'] }]);
    // Only the rows given count: without the largest amounts the spend is not long-tailed.
    expect(derivedFeaturesFor(table, [0, 1, 2, 3, 4, 5, 6])).toEqual([]);
  });

  it('are fitted on training rows and computed from the raw columns', () => {
    const schema: TableSchema = {
      name: 'custom',
      id: null,
      target: 't',
      features: ['total', 'each', 'minutes', 'score'].map((name) => ({ name, kind: 'numeric' as const })),
    };
    const cols = numeric({ total: [2160, 4320, 1620, 3240, 1188], each: [2160, 2160, 1620, 1620, 1188], minutes: [0, 15, 300, 0, 2], score: [8.91, 10, 8.91, 7, 9] });
    const table: Table = { source: 't.csv', schema, nRows: 5, ids: ['1', '2', '3', '4', '5'], target: Uint8Array.from([0, 1, 0, 1, 0]), numeric: cols, categorical: new Map(), firstDataLine: 2 };
    const state = fitFeatures(table, [0, 1, 2], FEATURES);
    expect(featureNames(state)).toEqual(['total', 'each', 'minutes', 'score', 'books', 'any', 'real_score', 'log_minutes']);
    // Fitted on rows 0..2 only: books = [1, 2, 1] → mean 4/3.
    expect(state.numeric.find((c) => c.name === 'books')!.mean).toBeCloseTo(4 / 3, 12);
    const books = applyFeatures(state, table);
    const { mean, std } = state.numeric[4]!;
    expect(Array.from({ length: 5 }, (_, i) => books.data[i * books.cols + 4])).toEqual([1, 2, 1, 2, 1].map((v) => Math.fround((v - mean) / std)));
    expect(rawColumns(state).numeric).toEqual(['total', 'each', 'minutes', 'score']);
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });
});
