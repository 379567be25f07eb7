/** The bundle's TF.js files read back without TF.js: the weights TF.js wrote, exactly; damaged files refused. */
import { describe, expect, it } from 'vitest';
import { networkFromTfjs, TfjsFormatError } from '../../src/compile/tfjs-weights.js';
import { createRng } from '../../src/core/random.js';
import type { NetworkWeights } from '../../src/model/network.js';
import { initTraining } from '../../src/model/tf.js';
import { toTfjsArtifacts } from '../../src/model/tfjs-artifacts.js';

function randomWeights(sizes: readonly number[]): NetworkWeights {
  const rng = createRng(3);
  return {
    layers: sizes.slice(1).map((units, k) => ({
      inputs: sizes[k]!,
      units,
      kernel: Float32Array.from({ length: sizes[k]! * units }, () => rng() - 0.5),
      bias: Float32Array.from({ length: units }, () => rng() - 0.5),
      activation: k === sizes.length - 2 ? 'softmax' : k === 0 ? 'relu' : 'tanh',
    })),
  };
}

describe('networkFromTfjs', () => {
  it('gives back the weights and activations TF.js saved', async () => {
    const weights = randomWeights([7, 5, 3, 2]);
    const saved = await toTfjsArtifacts(await initTraining(), weights, 'tfjs-weights.bin');
    expect(networkFromTfjs(saved.modelJson, saved.weights)).toEqual(weights);
  });

  it('refuses a weights file of the wrong length and a topology that is not JSON', async () => {
    const saved = await toTfjsArtifacts(await initTraining(), randomWeights([3, 2]), 'tfjs-weights.bin');
    expect(() => networkFromTfjs(saved.modelJson, saved.weights.subarray(4))).toThrow(TfjsFormatError);
    expect(() => networkFromTfjs(saved.modelJson, saved.weights.subarray(4))).toThrow(/has 28 bytes, the manifest describes 32/);
    expect(() => networkFromTfjs('{', saved.weights)).toThrow(/not JSON/);
  });
});
