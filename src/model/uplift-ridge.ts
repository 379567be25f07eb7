/**
 * Ridge regression in closed form, for the X-learner's effect models: their targets (imputed
 * effects in [−1, 1]) are not 0/1, so the classifiers do not fit them. The intercept is not penalized.
 */
import type { Matrix } from '../core/matrix.js';
import { solveSymmetric } from './logistic.js';

export interface LinearScore {
  weights: Float32Array;
  bias: number;
}

/** Minimises Σ v_i (t_i − w·x_i − b)² / Σ v_i + l2 · |w|², the row weights v 1 unless given. */
export function fitRidge(x: Matrix, target: ArrayLike<number>, l2: number, weight?: ArrayLike<number>): LinearScore {
  const { rows: n, cols: d, data } = x;
  const k = d + 1;
  const gram = new Float64Array(k * k);
  const moment = new Float64Array(k);
  const row = new Float64Array(k);
  row[d] = 1;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = weight ? weight[i]! : 1;
    total += v;
    for (let j = 0; j < d; j++) row[j] = data[i * d + j]!;
    for (let a = 0; a < k; a++) {
      moment[a]! += v * row[a]! * target[i]!;
      for (let b = 0; b <= a; b++) gram[a * k + b]! += v * row[a]! * row[b]!;
    }
  }
  const scale = total > 0 ? total : 1;
  for (let a = 0; a < k; a++) {
    moment[a]! /= scale;
    for (let b = 0; b <= a; b++) {
      gram[a * k + b]! /= scale;
      gram[b * k + a] = gram[a * k + b]!;
    }
  }
  for (let j = 0; j < d; j++) gram[j * k + j]! += l2;
  // A whisker keeps the system solvable when a column is constant in these rows.
  for (let a = 0; a < k; a++) gram[a * k + a]! += 1e-9;
  const beta = solveSymmetric(gram, moment, k);
  return { weights: Float32Array.from(beta.subarray(0, d)), bias: beta[d]! };
}
