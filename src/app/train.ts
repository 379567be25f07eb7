/** `rebuy train`: dataset → candidates → fit → calibrate → assess → save, each step in src/train. */
import { join } from 'node:path';
import type { BundleEvaluation } from '../bundle/evaluation.js';
import { REPORT_FILE } from '../bundle/layout.js';
import type { Manifest } from '../bundle/manifest.js';
import { saveBundle } from '../bundle/save.js';
import type { ModelStore, ResolvedVersion } from '../bundle/store.js';
import { prepareTraining } from '../model/mlp.js';
import { renderReport } from '../report/html.js';
import { assessModels } from '../train/assess.js';
import { calibrateModels } from '../train/calibrate.js';
import { DEFAULT_CALIBRATION } from '../config.js';
import { type CalibrationMethod } from '../evaluate/calibration.js';
import { chooseCandidate, type CandidateOptions } from '../train/candidates.js';
import { bundleContents, type BundleContents } from '../train/contents.js';
import { loadDataset, type DataSource, type Dataset, type SplitRequest } from '../train/dataset.js';
import { fitModels } from '../train/models.js';
import type { ProgressListener } from '../train/progress.js';

export interface TrainOptions extends DataSource, SplitRequest, CandidateOptions {
  out: string;
  /** Train the logistic-regression baseline beside the network (default true). */
  baseline?: boolean;
  calibration?: CalibrationMethod;
  /** Put the HTML report into the bundle (default true). */
  report?: boolean;
  /** Marks a bundle trained on the generated demo sample. */
  synthetic?: boolean;
  onProgress?: ProgressListener;
  /** After saving, add the bundle to a store as the model's next version (and point an alias at it). */
  register?: { store: ModelStore; name: string; alias?: string };
}

export interface TrainResult {
  dir: string;
  manifest: Manifest;
  evaluation: BundleEvaluation;
  /** The bundle's HTML report, or null when not asked for. */
  report: string | null;
  /** The version the bundle became in the store, when asked to register it. */
  registered: ResolvedVersion | null;
}

async function readDataset(options: TrainOptions, progress: ProgressListener): Promise<Dataset> {
  const dataset = await loadDataset(options, options);
  progress({ kind: 'data', dataset });
  return dataset;
}

/** The last step: the report is rendered from the results in memory and saved, listed and hashed, with the rest. */
async function save(out: string, contents: BundleContents, evaluation: BundleEvaluation, withReport: boolean): Promise<TrainResult> {
  const { manifest, files } = contents;
  if (withReport) files.set(REPORT_FILE, renderReport({ manifest, evaluation, source: out }));
  const saved = await saveBundle(out, manifest, files);
  return { dir: out, manifest: saved, evaluation, report: withReport ? join(out, REPORT_FILE) : null, registered: null };
}

/** Reads the data, splits it, trains and calibrates the network (and baseline), evaluates, explains, saves the bundle. */
export async function trainBundle(options: TrainOptions): Promise<TrainResult> {
  const progress = options.onProgress ?? (() => {});
  // TF.js loads and warms up while DuckDB reads the file.
  const training = prepareTraining();
  training.catch(() => {});
  const dataset = await readDataset(options, progress);
  const tf = await training;
  const { candidate, leaderboard } = await chooseCandidate(dataset, options, progress);
  const fitted = await fitModels(dataset, candidate, options, progress);
  const calibrated = await calibrateModels(dataset, fitted, options.calibration ?? DEFAULT_CALIBRATION);
  const assessment = await assessModels(dataset, calibrated, leaderboard, progress, options);
  const contents = await bundleContents(tf, dataset, calibrated, assessment, options);
  const result = await save(options.out, contents, assessment.evaluation, options.report !== false);
  const register = options.register;
  if (!register) return result;
  return { ...result, registered: await register.store.register(register.name, result.dir, { alias: register.alias, reason: 'registered by rebuy train' }) };
}
