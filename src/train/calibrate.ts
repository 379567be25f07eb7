import type { Calibration, CalibrationMethod } from '../evaluate/calibration.js';
import { ensembleCalibration, ensembleRaw, fitCalibration, type CalibrationInputs } from './calibration-fit.js';
import { takeLabels } from '../core/matrix.js';
import { buildEnsembleOnnxModel, buildOnnxModel } from '../model/onnx-build.js';
import type { FeatureState } from '../prep/features.js';
import type { Dataset } from './dataset.js';
import { scoreParts, type FittedCandidate } from './fit.js';
import type { FittedModels } from './models.js';

export { fitCalibration, type CalibrationInputs } from './calibration-fit.js';

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
