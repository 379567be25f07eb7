/** TF.js references for a trained network's weights: what the tests check the ONNX graph and the backward pass against. */
import type { Tensor2D } from '@tensorflow/tfjs';
import type { Matrix } from '../../src/core/matrix.js';
import type { NetworkConfig, NetworkWeights } from '../../src/model/network.js';
import { disposeBatch, lossAndGradients, makeBatch, type LayerTensors } from '../../src/model/network-step.js';
import { initTraining, type Tf } from '../../src/model/tf.js';

/** Probabilities of class 1 by a plain TF.js forward pass (matMul, add, activation): not a scoring path. */
export async function predictNetworkTf(weights: NetworkWeights, x: Matrix): Promise<Float32Array> {
  const tf = await initTraining();
  const last = weights.layers.length - 1;
  const p1 = tf.tidy(() => {
    let h: Tensor2D = tf.tensor2d(x.data, [x.rows, x.cols]);
    weights.layers.forEach((layer, k) => {
      const z = tf.add(tf.matMul(h, tf.tensor2d(layer.kernel, [layer.inputs, layer.units])), tf.tensor1d(layer.bias)) as Tensor2D;
      h = k === last ? z : activate(tf, z, layer.activation);
    });
    // Two sigmoid outputs are normalised to sum 1, as Keras' sparse cross-entropy reads them.
    const p = weights.layers[last]!.activation === 'sigmoid' ? tf.div(tf.sigmoid(h), tf.sum(tf.sigmoid(h), 1, true)) : tf.softmax(h);
    return tf.reshape(tf.slice(p, [0, 1], [-1, 1]), [-1]);
  });
  try {
    return (await p1.data()) as Float32Array;
  } finally {
    p1.dispose();
  }
}

function activate(tf: Tf, z: Tensor2D, activation: NetworkWeights['layers'][number]['activation']): Tensor2D {
  if (activation === 'relu') return tf.relu(z);
  if (activation === 'tanh') return tf.tanh(z);
  if (activation === 'sigmoid') return tf.sigmoid(z);
  return z;
}

/**
 * The mean training loss of `weights` on (x, y) and its gradient, per layer [kernel, bias], by the
 * hand-written backward pass the training loop uses.
 */
export async function networkLossAndGradients(
  weights: NetworkWeights,
  x: Matrix,
  y: Uint8Array,
  classWeights?: [number, number],
): Promise<{ loss: number; gradients: Float32Array[] }> {
  const tf = await initTraining();
  const output = weights.layers[weights.layers.length - 1]!.activation as NetworkConfig['output'];
  const batch = makeBatch(tf, x.data, y, x.rows, x.cols, classWeights);
  const step = tf.tidy(() => {
    const layers: LayerTensors[] = weights.layers.map((l) => ({
      kernel: tf.tensor2d(l.kernel, [l.inputs, l.units]),
      bias: tf.tensor1d(l.bias),
      activation: l.activation,
    }));
    const r = lossAndGradients(tf, layers, batch, output);
    return [r.loss, ...r.gradients];
  });
  disposeBatch(tf, batch);
  try {
    const arrays = await Promise.all(step.map((t) => t.data() as Promise<Float32Array>));
    return { loss: arrays[0]![0]!, gradients: arrays.slice(1) };
  } finally {
    tf.dispose(step);
  }
}
