/**
 * A logistic model's weights read back from the ONNX graph the Predictor runs: the class-1 logit's
 * weights with the calibration folded in, exactly as float32; a graph that is not one Gemm refused.
 */
import { describe, expect, it } from 'vitest';
import { logisticFromOnnx, OnnxFormatError } from '../../src/compile/onnx-weights.js';
import { buildOnnxModel } from '../../src/model/onnx-build.js';
import type { NetworkWeights } from '../../src/model/network.js';
import { inputWidth, type FeatureState } from '../../src/prep/features.js';

const FEATURES: FeatureState = {
  numeric: [
    { name: 'tenure', mean: 10, std: 2, fill: 10, flagMissing: true },
    // A column named as the graph's own weights: the reader follows the graph, not the names.
    { name: 'kernel_0', mean: 0, std: 1, fill: 0, flagMissing: false },
  ],
  categorical: [{ name: 'plan', levels: ['basic'] }],
};

const d = inputWidth(FEATURES);

function logistic(): NetworkWeights {
  const kernel = new Float32Array(d * 2);
  for (let j = 0; j < d; j++) kernel[j * 2 + 1] = (j + 1) * 0.37 - 1;
  return { layers: [{ inputs: d, units: 2, kernel, bias: Float32Array.of(0, 0.4), activation: 'softmax' }] };
}

describe('logisticFromOnnx', () => {
  it('gives the logit weights with the calibration folded in, as the graph stores them', () => {
    const calibration = { slope: 0.5, intercept: -0.25 };
    const read = logisticFromOnnx(buildOnnxModel(FEATURES, logistic(), calibration)).layers;
    expect(read).toHaveLength(1);
    const layer = read[0]!;
    expect(layer).toMatchObject({ inputs: d, units: 2, activation: 'softmax' });
    for (let j = 0; j < d; j++) {
      expect(layer.kernel[j * 2]).toBe(0);
      expect(layer.kernel[j * 2 + 1]).toBe(Math.fround(0.5 * Math.fround((j + 1) * 0.37 - 1)));
    }
    expect(layer.bias[1]).toBe(Math.fround(0.5 * Math.fround(0.4) - 0.25));
  });

  it('refuses a network with a hidden layer and bytes that are not ONNX', () => {
    const network: NetworkWeights = {
      layers: [
        { inputs: d, units: 3, kernel: new Float32Array(d * 3).fill(0.1), bias: new Float32Array(3), activation: 'relu' },
        { inputs: 3, units: 2, kernel: new Float32Array(6).fill(0.2), bias: new Float32Array(2), activation: 'softmax' },
      ],
    };
    expect(() => logisticFromOnnx(buildOnnxModel(FEATURES, network))).toThrow(/2 Gemm layers, a logistic model one/);
    expect(() => logisticFromOnnx(Uint8Array.of(0xff, 0xff, 0xff))).toThrow(OnnxFormatError);
  });
});
