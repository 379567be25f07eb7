import { describe, expect, it } from 'vitest';
import onnxProto from 'onnx-proto';
import { createOnnxScorer } from '../../src/predict/scorer.js';
import { buildOnnxModel } from '../../src/model/onnx-build.js';
import type { FeatureState } from '../../src/prep/features.js';

const { onnx } = onnxProto;

const FEATURES: FeatureState = {
  numeric: [{ name: 'minutes', mean: 100, std: 50, fill: 100, flagMissing: true }],
  categorical: [{ name: 'plan', levels: ['basic', 'gold'] }],
};

/** A graph with the inputs bundles had before the graph took raw columns: a float matrix and a one-hot block. */
function oldStyleGraph(): Uint8Array {
  const matrix = (name: string, width: number) => ({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: width }] } } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'old',
      node: [{ opType: 'Concat', input: ['numeric', 'onehot'], output: ['probability'], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] }],
      input: [matrix('numeric', 1), matrix('onehot', 3)],
      output: [matrix('probability', 4)],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

describe('createOnnxScorer', () => {
  it('feeds the raw columns: numbers (NaN, any numeric array) and strings (null = missing)', async () => {
    const weights = { layers: [{ inputs: 5, units: 2, kernel: Float32Array.from([0, 1, 0, 0, 0, 0, 0, 0, 0, 2]), bias: new Float32Array(2), activation: 'softmax' as const }] };
    const scorer = await createOnnxScorer(FEATURES, buildOnnxModel(FEATURES, weights));
    try {
      // logit = standardized minutes + 2 · (plan is other)
      const p = await scorer.score({
        nRows: 4,
        numeric: new Map([['minutes', [150, Number.NaN, 100, 50]]]),
        categorical: new Map([['plan', ['gold', null, 'silver', '']]]),
      });
      const logits = Array.from(p, (v) => Math.log(v / (1 - v)));
      [1, 2, 2, 1].forEach((expected, i) => expect(logits[i]).toBeCloseTo(expected, 5));
    } finally {
      await scorer.close();
    }
  });

  it('names the missing column', async () => {
    const weights = { layers: [{ inputs: 5, units: 2, kernel: new Float32Array(10), bias: new Float32Array(2), activation: 'softmax' as const }] };
    const scorer = await createOnnxScorer(FEATURES, buildOnnxModel(FEATURES, weights));
    try {
      await expect(scorer.score({ nRows: 1, numeric: new Map([['minutes', [1]]]), categorical: new Map() })).rejects.toThrow(/column "plan"/);
    } finally {
      await scorer.close();
    }
  });

  it('refuses a graph that does not take the raw columns, saying what it takes', async () => {
    await expect(createOnnxScorer(FEATURES, oldStyleGraph())).rejects.toThrow(/takes inputs \["numeric","onehot"\], not the raw columns \["minutes","plan"\]/);
  });
});
