/**
 * The TF.js network: a lean custom training loop (Adam, shuffled mini-batches, early stopping on
 * validation loss that keeps the best epoch's weights). Weights come back as plain data.
 */

import type { Optimizer, Scalar, Tensor, Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs';
import { usageError } from '../errors.js';
import type { Matrix } from '../core/matrix.js';
import { createRng, type Rng } from '../core/random.js';
import type { DenseLayer, EpochRecord, NetworkConfig, NetworkWeights, TrainedNetwork } from './network.js';
import { initTraining, type Tf } from './tf.js';

export interface LabelledMatrix {
  x: Matrix;
  /** 0/1 per row. */
  y: Uint8Array;
}

/** Keras' epsilon, used to clip normalised sigmoid outputs before the log. */
const EPSILON = 1e-7;

interface LayerTensors {
  kernel: Tensor2D;
  bias: Tensor1D;
  activation: DenseLayer['activation'];
}

interface Batch {
  x: Tensor2D;
  labels: Tensor1D;
  onehot: Tensor2D;
  weights: Tensor1D | null;
  size: number;
}

/** Where one layer's kernel and bias sit in the flat parameter vector. */
interface LayerSlot {
  inputs: number;
  units: number;
  activation: DenseLayer['activation'];
  kernelAt: number;
  biasAt: number;
}

/**
 * Trains a dense network with sparse categorical cross-entropy. Deterministic under config.seed.
 * With classWeights, both the training and the validation loss are weighted: sum(w_y * loss) / n.
 *
 * All parameters live in one flat variable: Adam then costs a dozen ops per step instead of a dozen per
 * tensor, which matters because per-op overhead dominates for networks this small.
 */
export async function trainNetwork(
  train: LabelledMatrix,
  valid: LabelledMatrix,
  config: NetworkConfig,
  onEpoch?: (record: EpochRecord) => void,
): Promise<TrainedNetwork> {
  checkInputs(train, valid, config);
  const tf = await initTraining();
  const started = performance.now();
  const random = createRng(config.seed);
  const initial = initialWeights(train.x.cols, config, random);
  const slots = layerSlots(initial);

  const initialTheta = tf.tensor1d(flatten(initial));
  const theta = tf.variable(initialTheta, true);
  initialTheta.dispose();
  const optimizer = tf.train.adam(config.learningRate);
  const validBatch = makeBatch(tf, valid.x.data, valid.y, valid.x.rows, valid.x.cols, config.classWeights);
  const history: EpochRecord[] = [];
  let best: Tensor | null = null;
  let bestLoss = Infinity;
  let bestEpoch = 0;
  let sinceBest = 0;

  try {
    const order = Int32Array.from({ length: train.x.rows }, (_, i) => i);
    const xShuffled = new Float32Array(train.x.data.length);
    const yShuffled = new Uint8Array(train.y.length);
    for (let epoch = 1; epoch <= config.maxEpochs; epoch++) {
      shuffleInPlace(order, random);
      gatherRows(train.x, train.y, order, xShuffled, yShuffled);
      const { loss, accuracy } = await trainEpoch(tf, theta, slots, optimizer, xShuffled, yShuffled, train.x.cols, config);
      const v = await evaluate(tf, theta, slots, validBatch, config.output);
      const record: EpochRecord = { epoch, loss, accuracy, valLoss: v.loss, valAccuracy: v.accuracy };
      history.push(record);
      onEpoch?.(record);
      if (v.loss < bestLoss) {
        bestLoss = v.loss;
        bestEpoch = epoch;
        sinceBest = 0;
        best?.dispose();
        best = tf.keep(theta.clone());
      } else if (++sinceBest >= config.patience || !Number.isFinite(v.loss)) {
        break;
      }
    }
    const values = (await (best ?? theta).data()) as Float32Array;
    const weights = unflatten(slots, values);
    return { weights, history, bestEpoch: best ? bestEpoch : history.length, seconds: (performance.now() - started) / 1000 };
  } finally {
    best?.dispose();
    disposeBatch(tf, validBatch);
    optimizer.dispose();
    theta.dispose();
  }
}

/** TF.js probabilities of class 1: the reference the ONNX graph is checked against. Not a scoring path. */
export async function predictNetworkTf(weights: NetworkWeights, x: Matrix): Promise<Float32Array> {
  const tf = await initTraining();
  const output = weights.layers[weights.layers.length - 1]!.activation;
  const p1 = tf.tidy(() => {
    const z = logits(tf, constantLayers(tf, weights), tf.tensor2d(x.data, [x.rows, x.cols]));
    const p = output === 'sigmoid' ? normalisedSigmoid(tf, z) : tf.softmax(z);
    return tf.reshape(tf.slice(p, [0, 1], [-1, 1]), [-1]);
  });
  try {
    return (await p1.data()) as Float32Array;
  } finally {
    p1.dispose();
  }
}

/**
 * The mean training loss of `weights` on (x, y) and its gradient, per layer [kernel, bias], by the
 * hand-written backward pass the training loop uses. For tests that check it against autograd.
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
    const r = lossAndGradients(tf, constantLayers(tf, weights), batch, output);
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

function constantLayers(tf: Tf, weights: NetworkWeights): LayerTensors[] {
  return weights.layers.map((l) => ({
    kernel: tf.tensor2d(l.kernel, [l.inputs, l.units]),
    bias: tf.tensor1d(l.bias),
    activation: l.activation,
  }));
}

function layerSlots(weights: NetworkWeights): LayerSlot[] {
  let at = 0;
  return weights.layers.map((l) => {
    const slot = { inputs: l.inputs, units: l.units, activation: l.activation, kernelAt: at, biasAt: at + l.inputs * l.units };
    at = slot.biasAt + l.units;
    return slot;
  });
}

function flatten(weights: NetworkWeights): Float32Array {
  const slots = layerSlots(weights);
  const last = slots[slots.length - 1]!;
  const theta = new Float32Array(last.biasAt + last.units);
  weights.layers.forEach((l, k) => {
    theta.set(l.kernel, slots[k]!.kernelAt);
    theta.set(l.bias, slots[k]!.biasAt);
  });
  return theta;
}

function unflatten(slots: LayerSlot[], theta: Float32Array): NetworkWeights {
  return {
    layers: slots.map((s) => ({
      inputs: s.inputs,
      units: s.units,
      kernel: theta.slice(s.kernelAt, s.biasAt),
      bias: theta.slice(s.biasAt, s.biasAt + s.units),
      activation: s.activation,
    })),
  };
}

/** Views of the flat parameters as layers. Call inside tf.tidy. */
function sliceLayers(tf: Tf, theta: Tensor1D, slots: LayerSlot[]): LayerTensors[] {
  return slots.map((s) => ({
    kernel: tf.reshape(tf.slice(theta, s.kernelAt, s.inputs * s.units), [s.inputs, s.units]),
    bias: tf.slice(theta, s.biasAt, s.units),
    activation: s.activation,
  }));
}

async function trainEpoch(
  tf: Tf,
  theta: Variable,
  slots: LayerSlot[],
  optimizer: Optimizer,
  xs: Float32Array,
  ys: Uint8Array,
  cols: number,
  config: NetworkConfig,
): Promise<{ loss: number; accuracy: number }> {
  const n = ys.length;
  const losses: Scalar[] = [];
  const corrects: Scalar[] = [];
  const sizes: number[] = [];
  for (let start = 0; start < n; start += config.batchSize) {
    const end = Math.min(n, start + config.batchSize);
    const batch = makeBatch(tf, xs.subarray(start * cols, end * cols), ys.subarray(start, end), end - start, cols, config.classWeights);
    const { loss, correct } = tf.tidy(() => {
      const step = lossAndGradients(tf, sliceLayers(tf, theta as Tensor1D, slots), batch, config.output);
      const flat = tf.concat(step.gradients.map((g) => tf.reshape(g, [-1])));
      optimizer.applyGradients([{ name: theta.name, tensor: flat }]);
      return { loss: step.loss, correct: step.correct };
    });
    disposeBatch(tf, batch);
    losses.push(loss);
    corrects.push(correct);
    sizes.push(end - start);
  }
  const [lossSum, correctSum] = tf.tidy(() => [tf.sum(tf.mul(tf.stack(losses), tf.tensor1d(sizes))), tf.addN(corrects)]);
  tf.dispose([...losses, ...corrects]);
  const [l, c] = await Promise.all([lossSum!.data(), correctSum!.data()]);
  tf.dispose([lossSum!, correctSum!]);
  return { loss: l[0]! / n, accuracy: c[0]! / n };
}

async function evaluate(
  tf: Tf,
  theta: Variable,
  slots: LayerSlot[],
  batch: Batch,
  output: NetworkConfig['output'],
): Promise<{ loss: number; accuracy: number }> {
  const [loss, correct] = tf.tidy(() => {
    const z = logits(tf, sliceLayers(tf, theta as Tensor1D, slots), batch.x);
    return [meanLoss(tf, z, batch, output), countCorrect(tf, z, batch.labels)];
  });
  const [l, c] = await Promise.all([loss!.data(), correct!.data()]);
  tf.dispose([loss!, correct!]);
  return { loss: l[0]!, accuracy: c[0]! / batch.size };
}

interface StepResult {
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
function lossAndGradients(
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
function logits(tf: Tf, layers: LayerTensors[], x: Tensor2D): Tensor2D {
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

function meanLoss(tf: Tf, z: Tensor2D, batch: Batch, output: NetworkConfig['output']): Scalar {
  const logp =
    output === 'sigmoid' ? tf.log(tf.clipByValue(normalisedSigmoid(tf, z), EPSILON, 1 - EPSILON)) : tf.logSoftmax(z);
  return weightedMean(tf, tf.neg(tf.sum(tf.mul(logp, batch.onehot), 1)) as Tensor1D, batch);
}

/** Keras' reduction: sum(w_i * loss_i) / n, or the plain mean without class weights. */
function weightedMean(tf: Tf, perRow: Tensor1D, batch: Batch): Scalar {
  return batch.weights ? tf.div(tf.sum(tf.mul(perRow, batch.weights)), batch.size) : tf.mean(perRow);
}

function countCorrect(tf: Tf, z: Tensor2D, labels: Tensor1D): Scalar {
  return tf.sum(tf.cast(tf.equal(tf.argMax(z, 1), labels), 'float32'));
}

function makeBatch(
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

function disposeBatch(tf: Tf, b: Batch): void {
  tf.dispose([b.x, b.labels, b.onehot]);
  if (b.weights) b.weights.dispose();
}

/** Keras' defaults: glorot-uniform kernels, zero biases; seeded. */
function initialWeights(inputs: number, config: NetworkConfig, random: Rng): NetworkWeights {
  const widths = [inputs, ...config.hidden, 2];
  const layers: DenseLayer[] = [];
  for (let k = 1; k < widths.length; k++) {
    const fanIn = widths[k - 1]!;
    const fanOut = widths[k]!;
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const kernel = new Float32Array(fanIn * fanOut);
    for (let i = 0; i < kernel.length; i++) kernel[i] = (2 * random() - 1) * limit;
    const last = k === widths.length - 1;
    layers.push({
      inputs: fanIn,
      units: fanOut,
      kernel,
      bias: new Float32Array(fanOut),
      activation: last ? config.output : config.activation,
    });
  }
  return { layers };
}

function gatherRows(x: Matrix, y: Uint8Array, order: Int32Array, xOut: Float32Array, yOut: Uint8Array): void {
  const cols = x.cols;
  for (let i = 0; i < order.length; i++) {
    const from = order[i]! * cols;
    xOut.set(x.data.subarray(from, from + cols), i * cols);
    yOut[i] = y[order[i]!]!;
  }
}

function shuffleInPlace(a: Int32Array, random: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

function checkInputs(train: LabelledMatrix, valid: LabelledMatrix, config: NetworkConfig): void {
  const positiveInt = (v: number) => Number.isInteger(v) && v > 0;
  if (!config.hidden.every(positiveInt)) throw usageError(`hidden layer widths must be positive integers, got [${config.hidden.join(', ')}]`);
  if (!positiveInt(config.batchSize)) throw usageError(`batch size must be a positive integer, got ${config.batchSize}`);
  if (!positiveInt(config.maxEpochs)) throw usageError(`max epochs must be a positive integer, got ${config.maxEpochs}`);
  if (!(Number.isInteger(config.patience) && config.patience >= 0)) throw usageError(`patience must be an integer >= 0, got ${config.patience}`);
  if (!(config.learningRate > 0 && Number.isFinite(config.learningRate))) throw usageError(`learning rate must be > 0, got ${config.learningRate}`);
  if (config.classWeights && !config.classWeights.every((w) => w >= 0 && Number.isFinite(w))) {
    throw usageError(`class weights must be finite and >= 0, got [${config.classWeights.join(', ')}]`);
  }
  if (train.x.rows === 0 || valid.x.rows === 0) throw usageError('training needs at least one training row and one validation row');
  if (train.x.cols !== valid.x.cols) throw usageError(`training has ${train.x.cols} inputs but validation ${valid.x.cols}`);
  if (train.y.length !== train.x.rows || valid.y.length !== valid.x.rows) throw usageError('labels and rows differ in number');
}
