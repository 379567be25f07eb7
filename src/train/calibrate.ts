import type { Calibration, CalibrationMethod } from '../evaluate/calibration.js';
import { applyCalibration, fitPlatt, logit, priorCorrection, type CalibrationMap } from '../evaluate/calibration.js';
import { takeLabels } from '../core/matrix.js';
import { buildEnsembleOnnxModel, buildOnnxModel } from '../model/onnx-build.js';
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
  /** An ensemble's members, each calibrated on the validation part. */
  members?: { fitted: FittedCandidate; calibration: Calibration }[];
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
  const truePositiveRate = target.reduce((s, v) => s + v, 0) / table.nRows;
  const trainY = takeLabels(target, dataset.train);
  const trainPositiveRate = dataset.classWeights ? 0.5 : trainY.reduce((s, v) => s + v, 0) / trainY.length;
  const validY = takeLabels(target, dataset.valid);
  if (fitted.members) return calibrateEnsemble(dataset, features, fitted, fitted.members, method, { validY, trainPositiveRate, truePositiveRate });
  const [validRaw, balancedRaw, naturalRaw] = await scoreParts(features, fitted.onnx, table, [dataset.valid, dataset.test, dataset.naturalTest]);
  const calibration = fitCalibration(method, { validP: validRaw!, validY, trainPositiveRate, truePositiveRate });
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

/** Each member calibrated on the validation part as a single model would be; the ensemble graph averages them. */
async function calibrateEnsemble(
  dataset: Dataset,
  features: FeatureState,
  fitted: FittedCandidate,
  members: readonly FittedCandidate[],
  method: CalibrationMethod,
  inputs: Omit<CalibrationInputs, 'validP'>,
): Promise<CalibratedModel> {
  const { table } = dataset;
  const calibrated: { fitted: FittedCandidate; calibration: Calibration }[] = [];
  for (const member of members) {
    const [validRaw] = await scoreParts(features, member.onnx, table, [dataset.valid]);
    calibrated.push({ fitted: member, calibration: fitCalibration(method, { ...inputs, validP: validRaw! }) });
  }
  const onnx = buildEnsembleOnnxModel(features, calibrated.map((m) => ({ weights: m.fitted.trained.weights, calibration: m.calibration })));
  const calibration = ensembleCalibration(method, inputs.trainPositiveRate, inputs.truePositiveRate);
  const [natural, valid, balanced] = await scoreParts(features, onnx, table, [dataset.naturalTest, dataset.valid, dataset.test]);
  return {
    fitted,
    calibration,
    onnx,
    threshold: argmaxThreshold(calibration),
    balancedRaw: ensembleRaw(balanced!, calibration),
    naturalRaw: ensembleRaw(natural!, calibration),
    natural: natural!,
    valid: valid!,
    members: calibrated,
  };
}
