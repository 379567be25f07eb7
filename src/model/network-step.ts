/**
 * One step of the network's maths on TF.js tensors: the forward pass, the loss and its gradients by
 * a hand-written backward pass, and Adam's update, for the training loop in mlp.ts. Call these inside tf.tidy.
 */

import type { Scalar, Tensor, Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs';
import type { DenseLayer, NetworkConfig } from './network.js';
import type { Tf } from './tf.js';

/** Keras' epsilon, used to clip normalised sigmoid outputs before the log. */
const EPSILON = 1e-7;

export interface LayerTensors {
  kernel: Tensor2D;
  bias: Tensor1D;
  activation: DenseLayer['activation'];
}

export interface Batch {
  x: Tensor2D;
  labels: Tensor1D;
  onehot: Tensor2D;
  weights: Tensor1D | null;
  size: number;
}

export interface StepResult {
  loss: Scalar;
  correct: Scalar;
  /** d loss / d parameter: kernel then bias, for each layer in order. */
  gradients: Tensor[];
}

/**
 * Forward and backward pass by hand. WASM's matMul with a transposed operand takes a slow path, so the
 * backward pass transposes explicitly rather than leave it to autograd's matMul(a, b, true/false).
 * Call inside tf.tidy.
 */
export function lossAndGradients(
  tf: Tf,
  layers: LayerTensors[],
  batch: Batch,
  output: NetworkConfig['output'],
): StepResult {
  const activations: Tensor2D[] = [batch.x];
  let h = batch.x;
  for (let k = 0; k < layers.length - 1; k++) {
    h = dense(tf, h, layers[k]!);
    activations.push(h);
  }
  const z = tf.fused.matMul({ a: h, b: layers[layers.length - 1]!.kernel, bias: layers[layers.length - 1]!.bias }) as Tensor2D;
  let loss: Scalar;
  let dz: Tensor2D;
  if (output === 'softmax') {
    const logp = tf.logSoftmax(z);
    loss = weightedMean(tf, tf.neg(tf.sum(tf.mul(logp, batch.onehot), 1)) as Tensor1D, batch);
    // d/dz of the mean cross-entropy: (softmax - onehot) * w_i / n
    const scale = batch.weights ? tf.div(tf.reshape(batch.weights, [-1, 1]), batch.size) : tf.scalar(1 / batch.size);
    dz = tf.mul(tf.sub(tf.exp(logp), batch.onehot), scale);
  } else {
    const { value, grad } = tf.valueAndGrad((zz: Tensor2D) => meanLoss(tf, zz, batch, output))(z);
    loss = value;
    dz = grad;
  }
  const gradients: Tensor[] = [];
  for (let k = layers.length - 1; k >= 0; k--) {
    const layer = layers[k]!;
    const input = activations[k]!;
    gradients.push(tf.sum(dz, 0), tf.matMul(tf.transpose(input), dz));
    if (k > 0) dz = activationGrad(tf, tf.matMul(dz, tf.transpose(layer.kernel)), input, layers[k - 1]!.activation);
  }
  gradients.reverse();
  return { loss, correct: countCorrect(tf, z, batch.labels), gradients };
}

/** dL/dz from dL/dh, where h = act(z), written in terms of h. */
function activationGrad(tf: Tf, dh: Tensor2D, h: Tensor2D, activation: DenseLayer['activation']): Tensor2D {
  switch (activation) {
    case 'relu':
      return tf.mul(dh, tf.step(h));
    case 'tanh':
      return tf.mul(dh, tf.sub(1, tf.square(h)));
    case 'sigmoid':
      return tf.mul(dh, tf.mul(h, tf.sub(1, h)));
    default:
      return dh;
  }
}

function dense(tf: Tf, h: Tensor2D, l: LayerTensors): Tensor2D {
  if (l.activation === 'relu' || l.activation === 'linear') {
    return tf.fused.matMul({ a: h, b: l.kernel, bias: l.bias, activation: l.activation }) as Tensor2D;
  }
  const z = tf.fused.matMul({ a: h, b: l.kernel, bias: l.bias });
  return (l.activation === 'tanh' ? tf.tanh(z) : tf.sigmoid(z)) as Tensor2D;
}

/** The pre-activation output z of the last layer. */
export function logits(tf: Tf, layers: LayerTensors[], x: Tensor2D): Tensor2D {
  let h = x;
  for (let k = 0; k < layers.length - 1; k++) h = dense(tf, h, layers[k]!);
  const last = layers[layers.length - 1]!;
  return tf.fused.matMul({ a: h, b: last.kernel, bias: last.bias }) as Tensor2D;
}

/** Two sigmoid units normalised to sum 1, as Keras' sparse cross-entropy treats non-softmax outputs. */
function normalisedSigmoid(tf: Tf, z: Tensor2D): Tensor2D {
  const s = tf.sigmoid(z);
  return tf.div(s, tf.sum(s, 1, true));
}

export function meanLoss(tf: Tf, z: Tensor2D, batch: Batch, output: NetworkConfig['output']): Scalar {
  const logp =
    output === 'sigmoid' ? tf.log(tf.clipByValue(normalisedSigmoid(tf, z), EPSILON, 1 - EPSILON)) : tf.logSoftmax(z);
  return weightedMean(tf, tf.neg(tf.sum(tf.mul(logp, batch.onehot), 1)) as Tensor1D, batch);
}

/** Keras' reduction: sum(w_i * loss_i) / n, or the plain mean without class weights. */
function weightedMean(tf: Tf, perRow: Tensor1D, batch: Batch): Scalar {
  return batch.weights ? tf.div(tf.sum(tf.mul(perRow, batch.weights)), batch.size) : tf.mean(perRow);
}

export function countCorrect(tf: Tf, z: Tensor2D, labels: Tensor1D): Scalar {
  return tf.sum(tf.cast(tf.equal(tf.argMax(z, 1), labels), 'float32'));
}

export function makeBatch(
  tf: Tf,
  x: Float32Array,
  y: Uint8Array,
  rows: number,
  cols: number,
  classWeights: [number, number] | undefined,
): Batch {
  const labels = new Int32Array(rows);
  const onehot = new Float32Array(rows * 2);
  const weights = classWeights ? new Float32Array(rows) : null;
  for (let i = 0; i < rows; i++) {
    const c = y[i]!;
    labels[i] = c;
    onehot[2 * i + c] = 1;
    if (weights) weights[i] = classWeights![c]!;
  }
  return {
    x: tf.tensor2d(x, [rows, cols]),
    labels: tf.tensor1d(labels, 'int32'),
    onehot: tf.tensor2d(onehot, [rows, 2]),
    weights: weights ? tf.tensor1d(weights) : null,
    size: rows,
  };
}

export function disposeBatch(tf: Tf, b: Batch): void {
  tf.dispose([b.x, b.labels, b.onehot]);
  if (b.weights) b.weights.dispose();
}

/** Keras' Adam defaults (keras/src/optimizers/adam.py). */
const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const;

export interface AdamState {
  /** One update of `theta` along `gradient`. Call inside tf.tidy. */
  apply(theta: Variable, gradient: Tensor1D): void;
  dispose(): void;
}

/**
 * Adam as Keras writes it: the bias corrections folded into the step size and epsilon added to the
 * uncorrected sqrt(v). TF.js's tf.train.adam adds epsilon to the corrected sqrt(v), so in the first
 * steps its epsilon weighs less (by sqrt(1 − β2^t)) and parameters with tiny gradients move much more than in Keras.
 */
export function createAdam(tf: Tf, size: number, learningRate: number): AdamState {
  const m = tf.tidy(() => tf.variable(tf.zeros([size]), false));
  const v = tf.tidy(() => tf.variable(tf.zeros([size]), false));
  let step = 0;
  return {
    apply(theta, gradient) {
      step++;
      const alpha = (learningRate * Math.sqrt(1 - ADAM.beta2 ** step)) / (1 - ADAM.beta1 ** step);
      m.assign(tf.add(m, tf.mul(tf.sub(gradient, m), 1 - ADAM.beta1)));
      v.assign(tf.add(v, tf.mul(tf.sub(tf.square(gradient), v), 1 - ADAM.beta2)));
      theta.assign(tf.sub(theta, tf.div(tf.mul(m, alpha), tf.add(tf.sqrt(v), ADAM.epsilon))));
    },
    dispose() {
      m.dispose();
      v.dispose();
    },
  };
}
