import { describe, expect, it } from 'vitest';
import type { Table } from '../../src/core/table.js';
import {
  applyFeatures,
  featureNames,
  fitFeatures,
  inputWidth,
  rawColumns,
  type FeatureState,
} from '../../src/prep/features.js';
import { isRebuyError } from '../../src/errors.js';

function makeTable(numeric: Record<string, number[]>, categorical: Record<string, (string | null)[]> = {}): Table {
  const nRows = (Object.values(numeric)[0] ?? Object.values(categorical)[0] ?? []).length;
  return {
    source: 'test.csv',
    schema: {
      name: 'custom',
      id: null,
      target: null,
      features: [
        ...Object.keys(numeric).map((name) => ({ name, kind: 'numeric' as const })),
        ...Object.keys(categorical).map((name) => ({ name, kind: 'categorical' as const })),
      ],
    },
    nRows,
    ids: Array.from({ length: nRows }, (_, i) => String(i + 1)),
    target: null,
    numeric: new Map(Object.entries(numeric).map(([k, v]) => [k, Float64Array.from(v)])),
    categorical: new Map(Object.entries(categorical)),
    firstDataLine: 2,
  };
}

/** Rows of a matrix as plain arrays, for readable expectations. */
function rowsOf(m: { data: Float32Array; rows: number; cols: number }): number[][] {
  return Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
}

const table = makeTable(
  {
    completion: [1, 2, NaN, 4, 100],
    constant: [5, 5, 5, 5, -7],
    full: [0, 10, 20, 30, NaN],
  },
  { plan: ['gold', 'silver', null, 'gold', 'bronze'] },
);
const trainRows = [0, 1, 2, 3];

describe('fitFeatures', () => {
  const state = fitFeatures(table, trainRows);

  it('uses the observed values of the training rows only (population std)', () => {
    const [completion] = state.numeric;
    const mean = 7 / 3;
    const std = Math.sqrt(((1 - mean) ** 2 + (2 - mean) ** 2 + (4 - mean) ** 2) / 3);
    expect(completion!.name).toBe('completion');
    expect(completion!.mean).toBeCloseTo(mean, 12);
    expect(completion!.std).toBeCloseTo(std, 12);
    expect(completion!.fill).toBeCloseTo(mean, 12);
    expect(completion!.flagMissing).toBe(true);
  });

  it('gives a constant column std 1', () => {
    expect(state.numeric[1]).toEqual({ name: 'constant', mean: 5, std: 1, fill: 5, flagMissing: false });
  });

  it('flags missing values only when the training rows have some', () => {
    const full = state.numeric[2]!;
    expect(full.flagMissing).toBe(false);
    expect(full.mean).toBe(15);
    expect(full.std).toBeCloseTo(Math.sqrt(125), 12);
  });

  it('sorts the categorical levels seen in training, ignoring missing values', () => {
    expect(state.categorical).toEqual([{ name: 'plan', levels: ['gold', 'silver'] }]);
    const mixed = fitFeatures(makeTable({}, { c: ['b', 'B', 'a', 'A', 'b'] }), [0, 1, 2, 3, 4]);
    expect(mixed.categorical[0]!.levels).toEqual(['A', 'B', 'a', 'b']);
  });

  it('handles a column missing in every training row', () => {
    const s = fitFeatures(makeTable({ x: [NaN, NaN, 3] }), [0, 1]);
    expect(s.numeric[0]).toEqual({ name: 'x', mean: 0, std: 1, fill: 0, flagMissing: true });
  });

  it('is plain JSON data', () => {
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });

  it('names a missing feature column', () => {
    const broken = { ...table, numeric: new Map([...table.numeric].filter(([k]) => k !== 'full')) };
    try {
      fitFeatures(broken, trainRows);
      expect.unreachable();
    } catch (err) {
      expect(isRebuyError(err) && err.code === 'INPUT_INVALID').toBe(true);
      expect((err as Error).message).toContain('"full"');
    }
  });
});

describe('featureNames', () => {
  it('follows the model-input layout', () => {
    const state = fitFeatures(table, trainRows);
    expect(featureNames(state)).toEqual([
      'completion',
      'constant',
      'full',
      'completion_missing',
      'plan=gold',
      'plan=silver',
      'plan=other',
    ]);
    expect(inputWidth(state)).toBe(7);
  });

  it('keeps names unique when a level is called "other"', () => {
    const state: FeatureState = { numeric: [], categorical: [{ name: 'c', levels: ['other'] }] };
    expect(featureNames(state)).toEqual(['c=other', 'c=(other)']);
  });
});

describe('applyFeatures', () => {
  const state = fitFeatures(table, trainRows);
  const c = state.numeric[0]!;
  const z = (v: number) => Math.fround((v - c.mean) / c.std);
  const f = (v: number) => Math.fround((v - 15) / Math.sqrt(125));

  it('standardizes, imputes, flags and one-hot encodes per the layout', () => {
    const m = applyFeatures(state, table);
    expect(m.rows).toBe(5);
    expect(m.cols).toBe(7);
    expect(rowsOf(m)).toEqual([
      [z(1), 0, f(0), 0, 1, 0, 0],
      [z(2), 0, f(10), 0, 0, 1, 0],
      [0, 0, f(20), 1, 0, 0, 1], // missing completion -> mean -> 0, flagged; missing plan -> other
      [z(4), 0, f(30), 0, 1, 0, 0],
      [z(100), -12, 0, 0, 0, 0, 1], // unseen level -> other; missing "full" -> 0, no flag column
    ]);
  });

  it('takes the given rows in order', () => {
    const all = rowsOf(applyFeatures(state, table));
    expect(rowsOf(applyFeatures(state, table, [4, 0]))).toEqual([all[4], all[0]]);
    expect(applyFeatures(state, table, []).rows).toBe(0);
  });

  it('standardizes the training rows to mean 0 and std 1 when nothing is missing', () => {
    const t = makeTable({ a: [3, 1, 4, 1, 5, 9, 2, 6] });
    const rows = [0, 1, 2, 3, 4, 5, 6, 7];
    const m = applyFeatures(fitFeatures(t, rows), t);
    const mean = m.data.reduce((s, v) => s + v, 0) / m.rows;
    const variance = m.data.reduce((s, v) => s + (v - mean) ** 2, 0) / m.rows;
    expect(mean).toBeCloseTo(0, 6);
    expect(variance).toBeCloseTo(1, 5);
  });
});

describe('applyFeatures on odd input', () => {
  const state = fitFeatures(table, trainRows);

  it('treats undefined categorical values as missing: the other slot', () => {
    const t = { ...table, nRows: 2, numeric: new Map([...table.numeric].map(([k, v]) => [k, v.subarray(0, 2)])), categorical: new Map([['plan', [undefined, 'silver'] as unknown as (string | null)[]]]) };
    expect(rowsOf(applyFeatures(state, t)).map((row) => row.slice(4))).toEqual([
      [0, 0, 1],
      [0, 1, 0],
    ]);
  });

  it('treats an empty string as a missing category, in fitting and in applying (the graph is fed "" for missing)', () => {
    const t = makeTable({}, { c: ['x', '', null, 'y'] });
    const s = fitFeatures(t, [0, 1, 2, 3]);
    expect(s.categorical[0]!.levels).toEqual(['x', 'y']);
    expect(rowsOf(applyFeatures(s, t))).toEqual([
      [1, 0, 0],
      [0, 0, 1],
      [0, 0, 1],
      [0, 1, 0],
    ]);
  });

  it('names the file and column of a feature column the table lacks', () => {
    const broken = { ...table, categorical: new Map() };
    expect(() => applyFeatures(state, broken)).toThrow(/test\.csv, column "plan"/);
  });
});

describe('rawColumns', () => {
  it('lists the columns the pipeline reads: numeric ones without derived ones, then categorical ones', () => {
    expect(rawColumns(fitFeatures(table, trainRows))).toEqual({ numeric: ['completion', 'constant', 'full'], categorical: ['plan'] });
    const withDerived: FeatureState = {
      numeric: [{ name: 'a', mean: 0, std: 1, fill: 0, flagMissing: false }, { name: 'a_per_b', mean: 0, std: 1, fill: 0, flagMissing: false }],
      categorical: [],
      derived: [{ name: 'a_per_b', op: 'ratio', inputs: ['a', 'b'] }],
    };
    // b is read only by the derived feature: still a raw input.
    expect(rawColumns(withDerived)).toEqual({ numeric: ['a', 'b'], categorical: [] });
  });
});
