/**
 * The logistic-regression baseline, fitted to convergence by Newton's method (IRLS) with an L2
 * penalty whose strength is chosen by stratified k-fold cross-validation on the training rows (the
 * lowest held-out log-loss over LOGISTIC_L2_GRID), in plain TypeScript: deterministic and fast. It
 * comes back as a one-layer softmax network (z0 = 0, z1 = w·x + b, so softmax(z)[1] = sigmoid(w·x + b))
 * so that the same ONNX export serves it.
 */

import { usageError } from '../errors.js';
import type { LabelledMatrix } from './mlp.js';
import type { EpochRecord, NetworkWeights, TrainedNetwork } from './network.js';
import { createRng } from '../core/random.js';
import { LOGISTIC_CV_FOLDS, LOGISTIC_L2_GRID } from './presets.js';

export interface LogisticOptions {
  /** Seeds the assignment of training rows to cross-validation folds. */
  seed: number;
  /** Weight of each class in the loss, [w0, w1]. */
  classWeights?: [number, number];
  /** L2 penalty on the weights (not the intercept), added to the mean loss as l2/2 * |w|²; 'cv' (default): chosen by cross-validation. */
  l2?: number | 'cv';
}

/** A fitted logistic model: the network form, and the penalty it was fitted with. */
export interface TrainedLogistic extends TrainedNetwork {
  l2: number;
}

const MAX_ITERATIONS = 100;
const TOLERANCE = 1e-10;

/** Fits p = sigmoid(w·x + b) minimising sum(c_y * logloss) / n + l2/2 * |w|². */
export async function trainLogistic(
  train: LabelledMatrix,
  valid: LabelledMatrix,
  opts: LogisticOptions,
): Promise<TrainedLogistic> {
  const started = performance.now();
  const { x, y } = train;
  const d = x.cols;
  if (x.rows === 0) throw usageError('the logistic baseline needs at least one training row');
  const requested = opts.l2 ?? 'cv';
  if (requested !== 'cv' && !(requested >= 0)) throw usageError(`the L2 penalty must be >= 0, got ${requested}`);
  const l2 = requested === 'cv' ? crossValidatedL2(train, opts) : requested;
  const rowWeight = rowWeights(y, opts.classWeights);
  const history: EpochRecord[] = [];
  const beta = fitBeta(x.data, y, rowWeight, d, l2, new Float64Array(d + 1), (iteration, b) =>
    history.push(record(iteration, train, valid, rowWeight, opts.classWeights, b)),
  );
  return {
    weights: asSoftmaxLayer(beta, d),
    history,
    bestEpoch: history.length,
    seconds: (performance.now() - started) / 1000,
    l2,
  };
}

/**
 * The grid's L2 penalty with the lowest (class-weighted) log-loss on held-out folds of the training
 * rows, folds stratified by label; ties go to the stronger penalty. Too few rows of either class for
 * the folds: the grid's weakest penalty.
 */
export function crossValidatedL2(train: LabelledMatrix, opts: { seed: number; classWeights?: [number, number] }): number {
  const folds = stratifiedFolds(train.y, LOGISTIC_CV_FOLDS, opts.seed);
  if (folds === null) return LOGISTIC_L2_GRID[0]!;
  const d = train.x.cols;
  const heldOutLoss = new Float64Array(LOGISTIC_L2_GRID.length);
  for (let k = 0; k < LOGISTIC_CV_FOLDS; k++) {
    const fit = takeRows(train, folds, (f) => f !== k);
    const held = takeRows(train, folds, (f) => f === k);
    const fitWeight = rowWeights(fit.y, opts.classWeights);
    const heldWeight = rowWeights(held.y, opts.classWeights);
    // From the strongest penalty to the weakest, each fit starting where the previous one ended.
    let start: Float64Array = new Float64Array(d + 1);
    for (let g = LOGISTIC_L2_GRID.length - 1; g >= 0; g--) {
      start = fitBeta(fit.x.data, fit.y, fitWeight, d, LOGISTIC_L2_GRID[g]!, start);
      heldOutLoss[g]! += lossAndAccuracy(held, heldWeight, start).loss * held.y.length;
    }
  }
  let best = LOGISTIC_L2_GRID.length - 1;
  for (let g = best - 1; g >= 0; g--) if (heldOutLoss[g]! < heldOutLoss[best]!) best = g;
  return LOGISTIC_L2_GRID[best]!;
}

/** Fold index per row, each class dealt round-robin after a seeded shuffle; null when a class has fewer rows than folds. */
function stratifiedFolds(y: Uint8Array, folds: number, seed: number): Uint8Array | null {
  const random = createRng(seed);
  const out = new Uint8Array(y.length);
  for (const label of [0, 1]) {
    const rows: number[] = [];
    for (let i = 0; i < y.length; i++) if (y[i] === label) rows.push(i);
    if (rows.length < folds) return null;
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [rows[i], rows[j]] = [rows[j]!, rows[i]!];
    }
    rows.forEach((row, k) => (out[row] = k % folds));
  }
  return out;
}

function takeRows(data: LabelledMatrix, folds: Uint8Array, keep: (fold: number) => boolean): LabelledMatrix {
  const cols = data.x.cols;
  const rows: number[] = [];
  for (let i = 0; i < folds.length; i++) if (keep(folds[i]!)) rows.push(i);
  const x = new Float32Array(rows.length * cols);
  const y = new Uint8Array(rows.length);
  rows.forEach((row, i) => {
    x.set(data.x.data.subarray(row * cols, (row + 1) * cols), i * cols);
    y[i] = data.y[row]!;
  });
  return { x: { rows: rows.length, cols, data: x }, y };
}

/** Newton's method from `start` to the minimum of the penalised loss; calls onStep after each accepted step. */
function fitBeta(
  x: Float32Array,
  y: Uint8Array,
  rowWeight: Float64Array,
  d: number,
  l2: number,
  start: Float64Array,
  onStep?: (iteration: number, beta: Float64Array) => void,
): Float64Array {
  // beta = [w_0 .. w_{d-1}, b]
  const beta = Float64Array.from(start);
  let objective = penalisedLoss(x, y, rowWeight, d, beta, l2);
  for (let iteration = 1; iteration <= MAX_ITERATIONS; iteration++) {
    const { gradient, hessian } = newtonSystem(x, y, rowWeight, d, beta, l2);
    const step = solveSymmetric(hessian, gradient, d + 1);
    // Backtracking line search keeps Newton safe far from the optimum.
    let t = 1;
    let candidate = beta;
    let candidateObjective = Infinity;
    for (let tries = 0; tries < 30; tries++, t /= 2) {
      candidate = beta.map((v, j) => v - t * step[j]!);
      candidateObjective = penalisedLoss(x, y, rowWeight, d, candidate, l2);
      if (candidateObjective <= objective) break;
    }
    const moved = maxAbsDiff(candidate, beta);
    if (!(candidateObjective <= objective)) break;
    beta.set(candidate);
    objective = candidateObjective;
    onStep?.(iteration, beta);
    if (moved < TOLERANCE * (1 + maxAbs(beta))) break;
  }
  return beta;
}

function rowWeights(y: Uint8Array, classWeights: [number, number] | undefined): Float64Array {
  const w = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) w[i] = classWeights ? classWeights[y[i]!]! : 1;
  return w;
}

function linear(x: Float32Array, i: number, d: number, beta: ArrayLike<number>): number {
  let z = beta[d]!;
  for (let j = 0; j < d; j++) z += x[i * d + j]! * beta[j]!;
  return z;
}

/** -log sigmoid(z) for y = 1, -log(1 - sigmoid(z)) for y = 0, without overflow. */
function logLoss(z: number, label: number): number {
  const m = label === 1 ? -z : z;
  return m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m));
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

function penalisedLoss(x: Float32Array, y: Uint8Array, w: Float64Array, d: number, beta: ArrayLike<number>, l2: number): number {
  const n = y.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += w[i]! * logLoss(linear(x, i, d, beta), y[i]!);
  let squares = 0;
  for (let j = 0; j < d; j++) squares += beta[j]! * beta[j]!;
  return sum / n + (l2 / 2) * squares;
}

/** Gradient and Hessian of the penalised loss; the Hessian is (d+1)x(d+1) row-major. */
function newtonSystem(x: Float32Array, y: Uint8Array, w: Float64Array, d: number, beta: Float64Array, l2: number) {
  const n = y.length;
  const k = d + 1;
  const gradient = new Float64Array(k);
  const hessian = new Float64Array(k * k);
  const row = new Float64Array(k);
  row[d] = 1;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = x[i * d + j]!;
    const p = sigmoid(linear(x, i, d, beta));
    const r = w[i]! * (p - y[i]!);
    const h = w[i]! * p * (1 - p);
    for (let a = 0; a < k; a++) {
      gradient[a]! += r * row[a]!;
      const ha = h * row[a]!;
      for (let b = 0; b <= a; b++) hessian[a * k + b]! += ha * row[b]!;
    }
  }
  for (let a = 0; a < k; a++) {
    gradient[a]! /= n;
    for (let b = 0; b <= a; b++) {
      hessian[a * k + b]! /= n;
      hessian[b * k + a] = hessian[a * k + b]!;
    }
  }
  for (let j = 0; j < d; j++) {
    gradient[j]! += l2 * beta[j]!;
    hessian[j * k + j]! += l2;
  }
  // A whisker on the diagonal keeps the system solvable when a column is all zeros or p saturates.
  for (let a = 0; a < k; a++) hessian[a * k + a]! += 1e-12;
  return { gradient, hessian };
}

/** Solves H s = g for symmetric positive definite H (Cholesky). */
export function solveSymmetric(h: Float64Array, g: Float64Array, k: number): Float64Array {
  const l = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = h[i * k + j]!;
      for (let m = 0; m < j; m++) s -= l[i * k + m]! * l[j * k + m]!;
      l[i * k + j] = i === j ? Math.sqrt(Math.max(s, 1e-300)) : s / l[j * k + j]!;
    }
  }
  const z = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let s = g[i]!;
    for (let m = 0; m < i; m++) s -= l[i * k + m]! * z[m]!;
    z[i] = s / l[i * k + i]!;
  }
  const out = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let m = i + 1; m < k; m++) s -= l[m * k + i]! * out[m]!;
    out[i] = s / l[i * k + i]!;
  }
  return out;
}

function record(
  iteration: number,
  train: LabelledMatrix,
  valid: LabelledMatrix,
  trainWeights: Float64Array,
  classWeights: [number, number] | undefined,
  beta: Float64Array,
): EpochRecord {
  const t = lossAndAccuracy(train, trainWeights, beta);
  const v = lossAndAccuracy(valid, rowWeights(valid.y, classWeights), beta);
  return { epoch: iteration, loss: t.loss, accuracy: t.accuracy, valLoss: v.loss, valAccuracy: v.accuracy };
}

function lossAndAccuracy(data: LabelledMatrix, w: Float64Array, beta: Float64Array): { loss: number; accuracy: number } {
  const n = data.y.length;
  if (n === 0) return { loss: NaN, accuracy: NaN };
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const z = linear(data.x.data, i, data.x.cols, beta);
    loss += w[i]! * logLoss(z, data.y[i]!);
    if ((z > 0 ? 1 : 0) === data.y[i]) correct++;
  }
  return { loss: loss / n, accuracy: correct / n };
}

function asSoftmaxLayer(beta: Float64Array, d: number): NetworkWeights {
  const kernel = new Float32Array(d * 2);
  for (let j = 0; j < d; j++) kernel[j * 2 + 1] = beta[j]!;
  return { layers: [{ inputs: d, units: 2, kernel, bias: Float32Array.of(0, beta[d]!), activation: 'softmax' }] };
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
