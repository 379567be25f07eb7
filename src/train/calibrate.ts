import type { Calibration, CalibrationMethod } from '../evaluate/calibration.js';
import { fitPlatt, logit, priorCorrection } from '../evaluate/calibration.js';
import { takeLabels } from '../core/matrix.js';
import { buildOnnxModel } from '../model/onnx-build.js';
import type { FeatureState } from '../prep/features.js';
import type { Dataset } from './dataset.js';
import { scoreParts, type FittedCandidate } from './fit.js';
import type { FittedModels } from './models.js';


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

/** A fitted model with its calibration, its ONNX pipeline and its scores on the held-out parts. */
export interface CalibratedModel {
  fitted: FittedCandidate;
  calibration: Calibration;
  /** The whole scoring pipeline, calibration included. */
  onnx: Uint8Array;
  threshold: number;
  /** Raw probabilities on the balanced test part and on the natural test part; calibrated ones on the natural and validation parts. */
  balancedRaw: Float32Array;
  naturalRaw: Float32Array;
  natural: Float32Array;
  valid: Float32Array;
}

export interface CalibratedModels {
  features: FeatureState;
  network: CalibratedModel;
  baseline: CalibratedModel | null;
}

/** Training step 4: calibrate each fitted model on the validation part and score the test parts. */
export async function calibrateModels(dataset: Dataset, fitted: FittedModels, method: CalibrationMethod): Promise<CalibratedModels> {
  const { features } = fitted;
  return {
    features,
    network: await calibrateModel(dataset, features, fitted.network, method),
    baseline: fitted.baseline && (await calibrateModel(dataset, features, fitted.baseline, method)),
  };
}

async function calibrateModel(dataset: Dataset, features: FeatureState, fitted: FittedCandidate, method: CalibrationMethod): Promise<CalibratedModel> {
  const { table } = dataset;
  const target = table.target!;
  const [validRaw, balancedRaw, naturalRaw] = await scoreParts(features, fitted.onnx, table, [dataset.valid, dataset.test, dataset.naturalTest]);
  const truePositiveRate = target.reduce((s, v) => s + v, 0) / table.nRows;
  const trainY = takeLabels(target, dataset.train);
  const trainPositiveRate = dataset.classWeights ? 0.5 : trainY.reduce((s, v) => s + v, 0) / trainY.length;
  const calibration = fitCalibration(method, { validP: validRaw!, validY: takeLabels(target, dataset.valid), trainPositiveRate, truePositiveRate });
  const onnx = buildOnnxModel(features, fitted.trained.weights, calibration);
  const [natural, valid] = await scoreParts(features, onnx, table, [dataset.naturalTest, dataset.valid]);
  return {
    fitted,
    calibration,
    onnx,
    threshold: argmaxThreshold(calibration),
    balancedRaw: balancedRaw!,
    naturalRaw: naturalRaw!,
    natural: natural!,
    valid: valid!,
  };
}
