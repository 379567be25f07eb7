import { afterAll, describe, expect, it } from 'vitest';
import onnxProto from 'onnx-proto';
import type { InferenceSession } from 'onnxruntime-node';
import type { Table } from '../../src/core/table.js';
import { applyFeatures, fitFeatures, inputWidth, rawColumns, type FeatureState } from '../../src/prep/features.js';
import { trainNetwork } from '../../src/model/mlp.js';
import { predictNetworkTf } from '../helpers/network.js';
import { trainLogistic } from '../../src/model/logistic.js';
import type { NetworkWeights } from '../../src/model/network.js';
import { resolveNetworkConfig } from '../../src/model/presets.js';
import { buildOnnxModel, ONNX_IR_VERSION, ONNX_ML_OPSET, ONNX_OPSET } from '../../src/model/onnx-build.js';
import { createOnnxSession, runOnnxSession } from '../../src/model/onnx-session.js';
import { createRng } from '../../src/core/random.js';

const { onnx } = onnxProto;

/** A random customer table: three numeric columns with missing values, one constant, and a category. */
function randomTable(n: number, seed: number, levels = ['basic', 'gold', 'silver']): Table {
  const rng = createRng(seed);
  const maybe = (v: number, pMissing: number) => (rng() < pMissing ? NaN : v);
  const minutes = Float64Array.from({ length: n }, () => maybe(2000 * rng() + 500, 0.15));
  const completion = Float64Array.from({ length: n }, () => maybe(rng(), 0.1));
  const requests = Float64Array.from({ length: n }, () => Math.floor(5 * rng()));
  const constant = Float64Array.from({ length: n }, () => 3);
  const plan = Array.from({ length: n }, () => (rng() < 0.1 ? null : levels[Math.floor(rng() * levels.length)]!));
  const target = Uint8Array.from({ length: n }, (_, i) => {
    const score = (Number.isNaN(completion[i]!) ? 0.5 : completion[i]!) * 2 - 1 + (plan[i] === 'gold' ? 0.8 : 0) + (rng() - 0.5);
    return score > 0 ? 1 : 0;
  });
  return {
    source: 'random.csv',
    schema: {
      name: 'custom',
      id: null,
      target: 'target',
      features: [
        { name: 'minutes', kind: 'numeric' },
        { name: 'completion', kind: 'numeric' },
        { name: 'plan', kind: 'categorical' },
        { name: 'requests', kind: 'numeric' },
        { name: 'constant', kind: 'numeric' },
      ],
    },
    nRows: n,
    ids: Array.from({ length: n }, (_, i) => String(i + 1)),
    target,
    numeric: new Map([
      ['minutes', minutes],
      ['completion', completion],
      ['requests', requests],
      ['constant', constant],
    ]),
    categorical: new Map([['plan', plan]]),
    firstDataLine: 2,
  };
}

const sessions: InferenceSession[] = [];
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.release()));
});

async function onnxProbabilities(bytes: Uint8Array, features: FeatureState, table: Table): Promise<Float32Array> {
  const session = await createOnnxSession(bytes);
  sessions.push(session);
  return runOnnxSession(session, rawColumns(features), table);
}

function expectClose(actual: Float32Array, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  expect(worst).toBeLessThan(tolerance);
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const logit = (p: number) => Math.log(p / (1 - p));

// Fit on the first 300 rows only; score those and 200 rows the features never saw, including an unseen level.
const table = randomTable(500, 1);
table.categorical.get('plan')![420] = 'platinum';
const trainRows = Int32Array.from({ length: 240 }, (_, i) => i);
const validRows = Int32Array.from({ length: 60 }, (_, i) => 240 + i);
const features = fitFeatures(table, trainRows);
const labelled = (rows: Int32Array) => ({ x: applyFeatures(features, table, rows), y: Uint8Array.from(rows, (i) => table.target![i]!) });

describe('the ONNX pipeline', () => {
  it('has the layout it promises', () => {
    expect(features.numeric.map((c) => [c.name, c.flagMissing])).toEqual([
      ['minutes', true],
      ['completion', true],
      ['requests', false],
      ['constant', false],
    ]);
    expect(features.categorical[0]!.levels).toEqual(['basic', 'gold', 'silver']);
    expect(inputWidth(features)).toBe(4 + 2 + 4);
  });

  for (const output of ['softmax', 'sigmoid'] as const) {
    it(`gives TF.js' probabilities to 1e-5 on every row (${output} output)`, async () => {
      const config = resolveNetworkConfig('2x10', { output, maxEpochs: 8, batchSize: 20, learningRate: 0.01, seed: 3 });
      const { weights } = await trainNetwork(labelled(trainRows), labelled(validRows), config);
      const viaOnnx = await onnxProbabilities(buildOnnxModel(features, weights), features, table);
      const viaTf = await predictNetworkTf(weights, applyFeatures(features, table));
      expectClose(viaOnnx, viaTf, 1e-5);
      expect(Math.max(...viaOnnx) - Math.min(...viaOnnx)).toBeGreaterThan(0.3);
    });

    it(`applies the calibration sigmoid(slope * logit(p) + intercept) (${output} output)`, async () => {
      const config = resolveNetworkConfig('2x10', { output, maxEpochs: 3, batchSize: 20, seed: 4 });
      const { weights } = await trainNetwork(labelled(trainRows), labelled(validRows), config);
      const calibration = { slope: 0.7, intercept: -0.3 };
      const raw = await onnxProbabilities(buildOnnxModel(features, weights), features, table);
      const calibrated = await onnxProbabilities(buildOnnxModel(features, weights, calibration), features, table);
      expectClose(calibrated, Array.from(raw, (p) => sigmoid(calibration.slope * logit(p) + calibration.intercept)), 1e-5);
      const identity = await onnxProbabilities(buildOnnxModel(features, weights, { slope: 1, intercept: 0 }), features, table);
      expectClose(identity, raw, 1e-6);
    });
  }

  it('serves tanh and sigmoid hidden layers too', async () => {
    const rng = createRng(9);
    const widths = [inputWidth(features), 6, 5, 4, 2];
    const activations = ['tanh', 'sigmoid', 'linear', 'softmax'] as const;
    const weights: NetworkWeights = {
      layers: activations.map((activation, k) => ({
        inputs: widths[k]!,
        units: widths[k + 1]!,
        kernel: Float32Array.from({ length: widths[k]! * widths[k + 1]! }, () => 2 * rng() - 1),
        bias: Float32Array.from({ length: widths[k + 1]! }, () => rng() - 0.5),
        activation,
      })),
    };
    const viaOnnx = await onnxProbabilities(buildOnnxModel(features, weights), features, table);
    expectClose(viaOnnx, await predictNetworkTf(weights, applyFeatures(features, table)), 1e-5);
  });

  it('serves the logistic baseline: p = sigmoid(w·x + b)', async () => {
    const train = labelled(trainRows);
    const { weights } = await trainLogistic(train, labelled(validRows), { seed: 0 });
    const viaOnnx = await onnxProbabilities(buildOnnxModel(features, weights), features, table);
    const x = applyFeatures(features, table);
    const layer = weights.layers[0]!;
    const expected = Array.from({ length: x.rows }, (_, i) => {
      let z = layer.bias[1]! - layer.bias[0]!;
      for (let j = 0; j < x.cols; j++) z += x.data[i * x.cols + j]! * (layer.kernel[j * 2 + 1]! - layer.kernel[j * 2]!);
      return sigmoid(z);
    });
    expectClose(viaOnnx, expected, 1e-5);
  });

  it('takes one float64 input per numeric column without categorical features, and handles zero and one row', async () => {
    const numericOnly: FeatureState = { numeric: features.numeric, categorical: [] };
    const width = inputWidth(numericOnly);
    const weights: NetworkWeights = {
      layers: [{ inputs: width, units: 2, kernel: Float32Array.from({ length: width * 2 }, (_, i) => (i % 3) / 3), bias: new Float32Array(2), activation: 'softmax' }],
    };
    const bytes = buildOnnxModel(numericOnly, weights);
    const session = await createOnnxSession(bytes);
    sessions.push(session);
    expect(session.inputNames).toEqual(['minutes', 'completion', 'requests', 'constant']);
    expect(session.outputNames).toEqual(['probability']);
    expect(onnx.ModelProto.decode(bytes).opsetImport.map((o) => o.domain)).toEqual(['']);
    const one = randomTable(1, 5);
    const p = await runOnnxSession(session, rawColumns(numericOnly), one);
    expectClose(p, await predictNetworkTf(weights, applyFeatures(numericOnly, one)), 1e-6);
    expect(await runOnnxSession(session, rawColumns(numericOnly), { nRows: 0, numeric: new Map(), categorical: new Map() })).toHaveLength(0);
  });

  it('declares opset 17 (and ai.onnx.ml), IR version 8 and one documented input per raw column', () => {
    const weights: NetworkWeights = {
      layers: [{ inputs: inputWidth(features), units: 2, kernel: new Float32Array(inputWidth(features) * 2), bias: new Float32Array(2), activation: 'softmax' }],
    };
    const model = onnx.ModelProto.decode(buildOnnxModel(features, weights));
    expect(Number(model.irVersion)).toBe(ONNX_IR_VERSION);
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', ONNX_OPSET], ['ai.onnx.ml', ONNX_ML_OPSET]]);
    const { DOUBLE, STRING } = onnx.TensorProto.DataType;
    expect(model.graph!.input!.map((i) => [i.name, i.type!.tensorType!.elemType, i.type!.tensorType!.shape!.dim!.map((d) => d.dimParam)])).toEqual([
      ['minutes', DOUBLE, ['N']],
      ['completion', DOUBLE, ['N']],
      ['requests', DOUBLE, ['N']],
      ['constant', DOUBLE, ['N']],
      ['plan', STRING, ['N']],
    ]);
    const plan = model.graph!.input!.find((i) => i.name === 'plan')!;
    expect(plan.docString).toContain('missing = ""');
    expect(model.graph!.input!.find((i) => i.name === 'minutes')!.docString).toContain('NaN = missing');
    expect(model.graph!.output!.map((o) => o.name)).toEqual(['probability']);
  });

  it('puts unseen, missing and empty categorical values in the last ("other") slot', async () => {
    // A linear model whose logit is the one-hot slot number (1..4): the probability tells the slot.
    const width = inputWidth(features);
    const kernel = new Float32Array(width * 2);
    const firstSlot = width - 4;
    for (let k = 0; k < 4; k++) kernel[(firstSlot + k) * 2 + 1] = k + 1;
    const weights: NetworkWeights = { layers: [{ inputs: width, units: 2, kernel, bias: new Float32Array(2), activation: 'softmax' }] };
    const session = await createOnnxSession(buildOnnxModel(features, weights));
    sessions.push(session);
    const plans = ['basic', 'gold', 'silver', 'platinum', null, '', 'Gold', ' basic'];
    const n = plans.length;
    const numeric = new Map(features.numeric.map((c) => [c.name, new Float64Array(n)]));
    const p = await runOnnxSession(session, rawColumns(features), { nRows: n, numeric, categorical: new Map([['plan', plans]]) });
    const slot = Array.from(p, (v) => Math.round(logit(v)));
    expect(slot).toEqual([1, 2, 3, 4, 4, 4, 4, 4]);
  });

  it('keeps raw column names as inputs even when they clash with names inside the graph', async () => {
    const rng = createRng(2);
    const n = 50;
    const names = ['probability', 'mean', 'numeric', 'model_input'];
    const t: Table = {
      source: 'clash.csv',
      schema: { name: 'custom', id: null, target: 't', features: [...names.map((name) => ({ name, kind: 'numeric' as const })), { name: 'onehot_std', kind: 'categorical' }] },
      nRows: n,
      ids: Array.from({ length: n }, (_, i) => String(i)),
      target: Uint8Array.from({ length: n }, (_, i) => i % 2),
      numeric: new Map(names.map((name) => [name, Float64Array.from({ length: n }, () => (rng() < 0.2 ? NaN : rng()))])),
      categorical: new Map([['onehot_std', Array.from({ length: n }, () => (rng() < 0.5 ? 'a' : 'b'))]]),
      firstDataLine: 2,
    };
    const state = fitFeatures(t, Int32Array.from({ length: n }, (_, i) => i));
    const width = inputWidth(state);
    const weights: NetworkWeights = {
      layers: [{ inputs: width, units: 2, kernel: Float32Array.from({ length: width * 2 }, () => rng() - 0.5), bias: new Float32Array(2), activation: 'softmax' }],
    };
    const session = await createOnnxSession(buildOnnxModel(state, weights));
    sessions.push(session);
    expect(session.inputNames).toEqual([...names, 'onehot_std']);
    expect(session.outputNames).toEqual(['probability_2']);
    expectClose(await runOnnxSession(session, rawColumns(state), t), await predictNetworkTf(weights, applyFeatures(state, t)), 1e-6);
  });

  it('refuses weights that do not fit the features', () => {
    const weights: NetworkWeights = {
      layers: [{ inputs: 3, units: 2, kernel: new Float32Array(6), bias: new Float32Array(2), activation: 'softmax' }],
    };
    expect(() => buildOnnxModel(features, weights)).toThrow(/takes 3 inputs, the features give 10/);
  });
});
