/**
 * The feature stage of the ONNX graph against the training inputs (prep/features.ts): the graph's
 * model-input matrix, exposed as an extra output, equals applyFeatures on any table.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import onnxProto from 'onnx-proto';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import type { Table } from '../../src/core/table.js';
import type { DerivedFeature } from '../../src/core/schema.js';
import { applyFeatures, fitFeatures, inputWidth, rawColumns, type FeatureState } from '../../src/prep/features.js';
import type { NetworkWeights } from '../../src/model/network.js';
import { buildOnnxModel } from '../../src/model/onnx-build.js';
import { createOnnxSession } from '../../src/model/onnx-session.js';

const { onnx } = onnxProto;

const DERIVED: DerivedFeature[] = [
  { name: 'x_per_y', op: 'ratio', inputs: ['x', 'y'] },
  { name: 'log_x', op: 'log1p', inputs: ['x'] },
  { name: 'y_positive', op: 'positive', inputs: ['y'] },
  { name: 'x_changed', op: 'differs', inputs: ['x'], value: 1.5 },
  // A second log1p after other rules: the graph computes a rule at a time, then restores this order.
  { name: 'log_y', op: 'log1p', inputs: ['y'] },
];

function tableOf(rows: readonly (readonly [number, number, string | null])[]): Table {
  const n = rows.length;
  return {
    source: 'random.csv',
    schema: {
      name: 'custom',
      id: null,
      target: null,
      features: [
        { name: 'x', kind: 'numeric' },
        { name: 'c', kind: 'categorical' },
        { name: 'y', kind: 'numeric' },
      ],
    },
    nRows: n,
    ids: Array.from({ length: n }, (_, i) => String(i + 1)),
    target: null,
    numeric: new Map([
      ['x', Float64Array.from(rows, (r) => r[0])],
      ['y', Float64Array.from(rows, (r) => r[1])],
    ]),
    categorical: new Map([['c', rows.map((r) => r[2])]]),
    firstDataLine: 2,
  };
}

/** The pipeline with the network's input matrix as a second output. */
function withModelInputOutput(state: FeatureState): { bytes: Uint8Array; name: string } {
  const width = inputWidth(state);
  const weights: NetworkWeights = {
    layers: [{ inputs: width, units: 2, kernel: new Float32Array(width * 2), bias: new Float32Array(2), activation: 'softmax' }],
  };
  const model = onnx.ModelProto.decode(buildOnnxModel(state, weights));
  const name = model.graph!.node!.find((node) => node.opType === 'Gemm')!.input![0]!;
  model.graph!.output!.push({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: width }] } } },
  });
  return { bytes: onnx.ModelProto.encode(model).finish(), name };
}

const sessions: InferenceSession[] = [];
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.release()));
});

async function graphModelInput(state: FeatureState, table: Table): Promise<Float32Array> {
  const { bytes, name } = withModelInputOutput(state);
  const session = await createOnnxSession(bytes);
  sessions.push(session);
  const ort = await import('onnxruntime-node');
  const raw = rawColumns(state);
  const feeds: Record<string, Tensor> = {};
  for (const column of raw.numeric) feeds[column] = new ort.Tensor('float64', Float64Array.from(table.numeric.get(column)!), [table.nRows]);
  for (const column of raw.categorical) feeds[column] = new ort.Tensor('string', table.categorical.get(column)!.map((v) => v ?? ''), [table.nRows]);
  const result = await session.run(feeds);
  return result[name]!.data as Float32Array;
}

describe('the graph\'s feature stage', () => {
  it('reads the raw columns only: derived features are computed inside', () => {
    const state = fitFeatures(tableOf([[1, 2, 'a']]), [0], DERIVED);
    expect(rawColumns(state)).toEqual({ numeric: ['x', 'y'], categorical: ['c'] });
  });

  it('holds no constant that no node reads, for each derived rule alone (onnxruntime warns on every load of one)', () => {
    for (const rule of DERIVED) {
      const state = fitFeatures(tableOf([[1, 2, 'a'], [3, 0, null]]), [0, 1], [rule]);
      const width = inputWidth(state);
      const weights: NetworkWeights = { layers: [{ inputs: width, units: 2, kernel: new Float32Array(width * 2), bias: new Float32Array(2), activation: 'softmax' }] };
      const graph = onnx.ModelProto.decode(buildOnnxModel(state, weights)).graph!;
      const read = new Set(graph.node!.flatMap((node) => node.input!));
      expect(graph.initializer!.length, rule.op).toBeGreaterThan(0);
      expect(graph.initializer!.map((t) => t.name).filter((name) => !read.has(name!)), rule.op).toEqual([]);
    }
  });

  it('equals applyFeatures (imputation, flags, derived features, one-hot with the other slot, scaling) on any table', async () => {
    // Distinct values at least 1e-9 apart: values a few ulps apart would make std so small that
    // standardizing magnifies the last-ulp difference between ONNX's Log and Math.log1p.
    const value = fc.oneof(
      fc.integer({ min: -1e6, max: 1e6 }).map((v) => v / 100),
      fc.constantFrom(0, 1.5, -1, 1e-9, 3e30),
      fc.constant(Number.NaN),
    );
    const level = fc.oneof(fc.constantFrom('a', 'b', 'zz', 'ü'), fc.constant(null));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(value, value, level), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 40 }),
        async (rows, nTrain) => {
          const table = tableOf(rows);
          const train = Array.from({ length: Math.min(nTrain, rows.length) }, (_, i) => i);
          const state = fitFeatures(table, train, DERIVED);
          const expected = applyFeatures(state, table).data;
          const actual = await graphModelInput(state, table);
          expect(actual.length).toBe(expected.length);
          for (let i = 0; i < expected.length; i++) {
            // Beyond float32's range both give the same infinity.
            if (!Number.isFinite(expected[i]!)) expect(actual[i]).toBe(expected[i]);
            else expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(expected[i]!)));
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps the edges of each derived rule: zero denominators, tiny and negative logs, the differs tolerance', async () => {
    const rows: [number, number, string | null][] = [
      [1.5, 0, 'a'],
      [1.5 + 1e-12, 2, 'b'],
      [1.5 + 1e-6, -3, null],
      [1e-12, Number.NaN, 'zz'],
      [-4, 1e-300, ''],
      [Number.NaN, 5, 'a'],
      [250, 0.5, 'b'],
    ];
    const table = tableOf(rows);
    const state = fitFeatures(table, [0, 1, 2, 3, 4, 5, 6], DERIVED);
    const expected = applyFeatures(state, table).data;
    const actual = await graphModelInput(state, table);
    for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(expected[i]!)));
    const cols = inputWidth(state);
    const column = (j: number) => Array.from({ length: rows.length }, (_, i) => actual[i * cols + j]!);
    const names = state.numeric.map((c) => c.name);
    // x_changed: 0 within 1e-9 of 1.5, 1 beyond, missing with x (then imputed).
    const changed = state.numeric[names.indexOf('x_changed')]!;
    const raw = [0, 0, 1, 1, 1, changed.fill, 1];
    expect(column(names.indexOf('x_changed'))).toEqual(raw.map((v) => Math.fround((v - changed.mean) / changed.std)));
    // x_per_y is missing for a zero denominator, a missing y and a missing x: its flag column says so.
    const flagColumn = names.length + state.numeric.filter((c) => c.flagMissing).findIndex((c) => c.name === 'x_per_y');
    expect(column(flagColumn)).toEqual([1, 0, 0, 1, 0, 1, 0]);
    expect(state.categorical[0]!.levels).toEqual(['a', 'b', 'zz']);
  });
});
