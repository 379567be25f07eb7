/**
 * The calibration maps fitted on held-out rows, for one model and for an ensemble's members: plain
 * functions of probabilities and labels, used by training (calibrate.ts) and by the comparisons on
 * plans (repeated.ts, auto.ts) alike.
 */
import type { Calibration, CalibrationMethod } from '../evaluate/calibration.js';
import { applyCalibration, fitPlatt, logit, priorCorrection, type CalibrationMap } from '../evaluate/calibration.js';

export interface CalibrationInputs {
  /** Raw probabilities and labels of the validation part. */
  validP: ArrayLike<number>;
  validY: ArrayLike<number>;
  /** The class mix the model was trained for (0.5 when balanced by undersampling or by weights). */
  trainPositiveRate: number;
  /** The class mix it will be used on (the whole table's). */
  truePositiveRate: number;
}

function rate(y: ArrayLike<number>): number {
  let ones = 0;
  for (let i = 0; i < y.length; i++) ones += y[i]!;
  return ones / y.length;
}

/**
 * Training on balanced data inflates probabilities. 'prior' shifts the logit back to the true class
 * mix; 'platt' fits a slope and intercept on the validation part, then shifts from its mix to the true one.
 */
export function fitCalibration(method: CalibrationMethod, inputs: CalibrationInputs): Calibration {
  if (method === 'none') return { method, slope: 1, intercept: 0 };
  if (method === 'prior') return { method, ...priorCorrection(inputs.trainPositiveRate, inputs.truePositiveRate) };
  const platt = fitPlatt(inputs.validP, inputs.validY);
  const shift = logit(inputs.truePositiveRate) - logit(rate(inputs.validY));
  return { method, slope: platt.slope, intercept: platt.intercept + shift };
}

/**
 * An ensemble's probability is the mean of its members' calibrated probabilities. Its raw score, the
 * counterpart of a single model's uncalibrated output, is that mean shifted back to the training class
 * mix (by the prior correction, none for 'none'); its calibration is the shift forward again. So its
 * balanced-test label at 0.5, its threshold and its metrics compare with a single model's like for like.
 */
export function ensembleCalibration(method: CalibrationMethod, trainPositiveRate: number, truePositiveRate: number): Calibration {
  if (method === 'none') return { method, slope: 1, intercept: 0 };
  return { method, ...priorCorrection(trainPositiveRate, truePositiveRate) };
}

/** Mean of the members' calibrated probabilities, from their raw ones. */
export function meanCalibrated(raw: readonly ArrayLike<number>[], calibrations: readonly CalibrationMap[]): Float32Array {
  const n = raw[0]?.length ?? 0;
  const sum = new Float64Array(n);
  raw.forEach((p, k) => {
    const calibrated = applyCalibration(p, calibrations[k]!);
    for (let i = 0; i < n; i++) sum[i] = sum[i]! + calibrated[i]!;
  });
  return Float32Array.from(sum, (v) => v / raw.length);
}

/** An ensemble's probabilities back to its raw scale: the inverse of its calibration. */
export function ensembleRaw(probability: ArrayLike<number>, calibration: CalibrationMap): Float32Array {
  return applyCalibration(probability, { slope: 1 / calibration.slope, intercept: -calibration.intercept / calibration.slope });
}
