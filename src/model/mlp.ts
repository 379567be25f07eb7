/**
 * The TF.js network: a lean custom training loop reproducing Keras' `fit` as the seed notebooks call
 * it (Adam, mini-batches reshuffled every epoch, EarlyStopping on validation loss that keeps the last
 * epoch's weights unless restoreBest). Weights come back as plain data.
 */

import type { Scalar, Tensor, Tensor1D, Variable } from '@tensorflow/tfjs';
import { usageError } from '../errors.js';
import type { Matrix } from '../core/matrix.js';
import { createRng, type Rng } from '../core/random.js';
import { shuffle } from '../prep/split.js';
import type { DenseLayer, EpochRecord, NetworkConfig, NetworkWeights, TrainedNetwork } from './network.js';
import {
  createAdam,
  countCorrect,
  disposeBatch,
  logits,
  lossAndGradients,
  makeBatch,
  meanLoss,
  type AdamState,
  type Batch,
  type LayerTensors,
} from './network-step.js';
import { initTraining, type Tf } from './tf.js';
import { DEFAULT_PRESET, resolveNetworkConfig } from './presets.js';

export interface LabelledMatrix {
  x: Matrix;
  /** 0/1 per row. */
  y: Uint8Array;
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
  return fitNetwork(await prepareTraining(), train, valid, config, onEpoch);
}

let preparing: Promise<Tf> | null = null;

/**
 * TF.js loaded and its training path warmed up, once per process: the first steps through TF.js's
 * JavaScript and WASM kernels run slowly until the engines have compiled them, and a tiny network on
 * made-up rows pays for that here instead of inside the first real fit. Start it early (while the data
 * is read) with no await; a failure is seen by whoever awaits it.
 */
export function prepareTraining(): Promise<Tf> {
  preparing ??= initTraining().then(async (tf) => {
    await warmUp(tf);
    return tf;
  });
  preparing.catch(() => (preparing = null));
  return preparing;
}

/** Enough steps of the default network for the engines to compile the training path. */
const WARM_UP_ROWS = 400;
const WARM_UP_INPUTS = 4;
const WARM_UP_EPOCHS = 10;

async function warmUp(tf: Tf): Promise<void> {
  const random = createRng(1);
  const part = (rows: number): LabelledMatrix => ({
    x: { rows, cols: WARM_UP_INPUTS, data: Float32Array.from({ length: rows * WARM_UP_INPUTS }, () => random()) },
    y: Uint8Array.from({ length: rows }, () => (random() < 0.5 ? 1 : 0)),
  });
  const config: NetworkConfig = { ...resolveNetworkConfig(DEFAULT_PRESET), maxEpochs: WARM_UP_EPOCHS, patience: WARM_UP_EPOCHS, seed: 1 };
  await fitNetwork(tf, part(WARM_UP_ROWS), part(WARM_UP_ROWS / 4), config);
}

async function fitNetwork(
  tf: Tf,
  train: LabelledMatrix,
  valid: LabelledMatrix,
  config: NetworkConfig,
  onEpoch?: (record: EpochRecord) => void,
): Promise<TrainedNetwork> {
  const started = performance.now();
  const { initial, nextOrder } = trainingDraws(train.x.cols, train.x.rows, config);
  const slots = layerSlots(initial);

  const initialTheta = tf.tensor1d(flatten(initial));
  const theta = tf.variable(initialTheta, true);
  initialTheta.dispose();
  const optimizer = createAdam(tf, theta.size, config.learningRate);
  const validBatch = makeBatch(tf, valid.x.data, valid.y, valid.x.rows, valid.x.cols, config.classWeights);
  const history: EpochRecord[] = [];
  let best: Tensor | null = null;
  let bestLoss = Infinity;
  let bestEpoch = 0;
  let sinceBest = 0;

  try {
    const xShuffled = new Float32Array(train.x.data.length);
    const yShuffled = new Uint8Array(train.y.length);
    for (let epoch = 1; epoch <= config.maxEpochs; epoch++) {
      gatherRows(train.x, train.y, nextOrder(), xShuffled, yShuffled);
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
    // Weights that diverged are never kept, whatever restoreBest says.
    const diverged = !Number.isFinite(history[history.length - 1]!.valLoss) && best !== null;
    const kept = best !== null && (config.restoreBest || diverged) ? best : theta;
    const values = (await kept.data()) as Float32Array;
    const weights = unflatten(slots, values);
    return { weights, history, bestEpoch: kept === best ? bestEpoch : history.length, seconds: (performance.now() - started) / 1000 };
  } finally {
    best?.dispose();
    disposeBatch(tf, validBatch);
    optimizer.dispose();
    theta.dispose();
  }
}

/**
 * The random draws of one fit, all from config.seed, in the order training makes them: the initial
 * weights, then a new order of the training rows before every epoch, as the notebooks' (unseeded) Keras
 * fit draws one. Exported so that a reference can replay a fit step for step.
 */
export function trainingDraws(inputs: number, rows: number, config: NetworkConfig): { initial: NetworkWeights; nextOrder: () => Int32Array } {
  const random = createRng(config.seed);
  const initial = initialWeights(inputs, config, random);
  let order: Int32Array = Int32Array.from({ length: rows }, (_, i) => i);
  return { initial, nextOrder: () => (order = shuffle(order, random)) };
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
  optimizer: AdamState,
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
      const flat = tf.concat(step.gradients.map((g) => tf.reshape(g, [-1]))) as Tensor1D;
      optimizer.apply(theta, flat);
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
