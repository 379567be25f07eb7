import type { Calibration } from '../evaluate/calibration.js';
import { fitPlatt, logit, priorCorrection } from '../evaluate/calibration.js';

export type CalibrationMethod = Calibration['method'];
export const CALIBRATION_METHODS: CalibrationMethod[] = ['prior', 'platt', 'none'];
export const DEFAULT_CALIBRATION: CalibrationMethod = 'prior';

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

/** The calibrated probability where the raw one is 0.5: the seeds' argmax as a threshold. */
export function argmaxThreshold(calibration: Calibration): number {
  return 1 / (1 + Math.exp(-calibration.intercept));
}
