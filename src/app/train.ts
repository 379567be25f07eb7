import { saveBundle } from '../bundle/save.js';
import type { Calibration } from '../evaluate/calibration.js';
import type { Manifest, ModelSummary } from '../bundle/manifest.js';
import type { MetricSet } from '../evaluate/metrics.js';
import { BACKGROUND_FILE, BASELINE_ONNX_FILE, EVALUATION_FILE, ONNX_FILE, TFJS_TOPOLOGY_FILE, TFJS_WEIGHTS_FILE } from '../bundle/layout.js';
import type { BundleEvaluation } from '../bundle/evaluation.js';
import type { ScoredPart } from '../evaluate/curves.js';
import { BACKGROUND_ROWS, toBackground } from '../bundle/background.js';
import { featureColumns } from '../core/table.js';
import { auditTable } from '../audit/audit.js';
import { computeMetrics } from '../evaluate/metrics.js';
import type { Leaderboard } from '../evaluate/leaderboard.js';
import { permutationImportance } from '../explain/importance.js';
import { featureNames, type FeatureState } from '../prep/features.js';
import { takeLabels } from '../core/matrix.js';
import { createRng } from '../core/random.js';
import { shuffle } from '../prep/split.js';
import { buildOnnxModel } from '../model/onnx-build.js';
import { DEFAULT_PRESET, resolveNetworkConfig } from '../model/presets.js';
import { initTraining } from '../model/tf.js';
import { toTfjsArtifacts } from '../model/tfjs-artifacts.js';
import type { EpochRecord, NetworkConfig } from '../model/network.js';
import { createOnnxScorer } from '../predict/scorer.js';
import { packageVersions } from '../paths.js';
import { buildReport } from './report.js';
import { selectModel } from '../train/auto.js';
import { learningRows } from '../train/plans.js';
import type { CandidateRun } from '../train/repeated.js';
import { argmaxThreshold, DEFAULT_CALIBRATION, fitCalibration, type CalibrationMethod } from '../train/calibrate.js';
import { loadDataset, type DataSource, type Dataset, type SplitOptions } from '../train/dataset.js';
import { fitCandidate, fitCandidateFeatures, labelledRows, scoreParts, type Candidate, type FittedCandidate } from '../train/fit.js';

const IMPORTANCE_REPEATS = 5;

export interface TrainOptions extends DataSource, SplitOptions {
  out: string;
  preset?: string;
  network?: Partial<NetworkConfig>;
  /** Add the schema's derived features (for Audiobooks: books bought, listened at all, review given). */
  derived?: boolean;
  /** 'auto': choose the configuration by cross-validation on the training part (see auto.ts). */
  model?: 'auto';
  /** Train the logistic-regression baseline beside the network (default true). */
  baseline?: boolean;
  calibration?: CalibrationMethod;
  /** Write the HTML report into the bundle directory (default true). */
  report?: boolean;
  /** Marks a bundle trained on the generated demo sample. */
  synthetic?: boolean;
  onProgress?: (event: TrainProgress) => void;
}

export type TrainProgress =
  | { kind: 'data'; dataset: Dataset }
  | { kind: 'epoch'; record: EpochRecord; maxEpochs: number }
  | { kind: 'baseline' }
  | { kind: 'explain' }
  | { kind: 'select'; done: number; total: number; run: CandidateRun }
  | { kind: 'selected'; candidate: Candidate; leaderboard: Leaderboard };

export interface TrainResult {
  dir: string;
  manifest: Manifest;
  evaluation: BundleEvaluation;
  /** The HTML report written next to the bundle's files, or null when not asked for. */
  report: string | null;
}

/** A fitted model with its calibration and its scores on the held-out parts. */
interface Assessed {
  fitted: FittedCandidate;
  calibration: Calibration;
  onnx: Uint8Array;
  threshold: number;
  balancedRaw: Float32Array;
  naturalRaw: Float32Array;
  natural: Float32Array;
}

function part(p: ArrayLike<number>, y: ArrayLike<number>): ScoredPart {
  return { probability: Array.from(p, (v) => Math.round(v * 1e6) / 1e6), label: Array.from(y) };
}

async function assess(dataset: Dataset, features: FeatureState, fitted: FittedCandidate, method: CalibrationMethod): Promise<Assessed> {
  const { table } = dataset;
  const target = table.target!;
  const [validRaw, balancedRaw, naturalRaw] = await scoreParts(features, fitted.onnx, table, [dataset.valid, dataset.test, dataset.naturalTest]);
  const truePositiveRate = target.reduce((s, v) => s + v, 0) / table.nRows;
  const trainY = takeLabels(target, dataset.train);
  const trainPositiveRate = dataset.classWeights ? 0.5 : trainY.reduce((s, v) => s + v, 0) / trainY.length;
  const calibration = fitCalibration(method, { validP: validRaw!, validY: takeLabels(target, dataset.valid), trainPositiveRate, truePositiveRate });
  const onnx = buildOnnxModel(features, fitted.trained.weights, calibration);
  const [natural] = await scoreParts(features, onnx, table, [dataset.naturalTest]);
  return {
    fitted,
    calibration,
    onnx,
    threshold: argmaxThreshold(calibration),
    balancedRaw: balancedRaw!,
    naturalRaw: naturalRaw!,
    natural: natural!,
  };
}

function summarize(dataset: Dataset, a: Assessed): ModelSummary {
  const { candidate, trained } = a.fitted;
  const target = dataset.table.target!;
  const metricsOf = (p: Float32Array, rows: Int32Array, threshold: number): MetricSet | null =>
    rows.length === 0 ? null : computeMetrics(p, takeLabels(target, rows), threshold);
  return {
    name: candidate.name,
    kind: candidate.kind,
    derived: candidate.derived === true,
    preset: candidate.kind === 'network' ? candidate.preset : null,
    config: candidate.kind === 'network' ? candidate.config : null,
    history: trained.history,
    bestEpoch: trained.bestEpoch,
    trainSeconds: trained.seconds,
    metrics: {
      // As the seeds report: the raw output on the balanced test part, label = argmax.
      balancedTest: metricsOf(a.balancedRaw, dataset.test, 0.5),
      naturalTest: metricsOf(a.natural, dataset.naturalTest, a.threshold),
    },
  };
}

function backgroundRows(dataset: Dataset, seed: number): Int32Array {
  return shuffle(dataset.train, createRng(seed ^ 0x5eed)).subarray(0, Math.min(BACKGROUND_ROWS, dataset.train.length));
}

async function chooseCandidate(options: TrainOptions, dataset: Dataset, report: (e: TrainProgress) => void): Promise<{ candidate: Candidate; leaderboard: Leaderboard | null }> {
  if (options.model === 'auto') {
    const selection = await selectModel(dataset.table, learningRows(dataset), {
      balance: options.balance,
      seed: options.seed,
      onProgress: (done, total, run) => report({ kind: 'select', done, total, run }),
    });
    report({ kind: 'selected', candidate: selection.chosen, leaderboard: selection.leaderboard });
    return { candidate: selection.chosen, leaderboard: selection.leaderboard };
  }
  return { candidate: presetCandidate(options), leaderboard: null };
}

function presetCandidate(options: TrainOptions): Candidate {
  const config = resolveNetworkConfig(options.preset, options.network);
  const preset = options.network ? null : (options.preset ?? DEFAULT_PRESET);
  const name = `${preset ?? `net ${config.hidden.join('x') || 'linear'}`}${options.derived ? '+derived' : ''}`;
  return { name, kind: 'network', preset, config, derived: options.derived };
}

/** Reads the data, splits it, fits the features, trains and calibrates the network (and baseline), evaluates, explains, saves the bundle. */
export async function trainBundle(options: TrainOptions): Promise<TrainResult> {
  const report = options.onProgress ?? (() => {});
  const dataset = await loadDataset(options, options);
  report({ kind: 'data', dataset });
  const tf = await initTraining();
  const { table } = dataset;
  const target = table.target!;
  const { candidate, leaderboard } = await chooseCandidate(options, dataset, report);
  const features = fitCandidateFeatures(table, dataset.train, candidate);
  const train = labelledRows(table, features, dataset.train);
  const valid = labelledRows(table, features, dataset.valid);
  const context = { seed: options.seed, classWeights: dataset.classWeights };
  const method = options.calibration ?? DEFAULT_CALIBRATION;

  const maxEpochs = candidate.kind === 'network' ? candidate.config.maxEpochs : 0;
  const network = await assess(
    dataset,
    features,
    await fitCandidate(candidate, features, train, valid, { ...context, onEpoch: (record) => report({ kind: 'epoch', record, maxEpochs }) }),
    method,
  );
  let baseline: Assessed | null = null;
  if (options.baseline !== false && candidate.kind !== 'logistic') {
    report({ kind: 'baseline' });
    const logistic: Candidate = { name: candidate.derived ? 'logistic+derived' : 'logistic', kind: 'logistic', derived: candidate.derived };
    baseline = await assess(dataset, features, await fitCandidate(logistic, features, train, valid, context), method);
  }

  report({ kind: 'explain' });
  const naturalY = takeLabels(target, dataset.naturalTest);
  const scorer = await createOnnxScorer(features, network.onnx, { threads: 2 });
  let importance: BundleEvaluation['importance'] = null;
  try {
    if (naturalY.includes(0) && naturalY.includes(1)) {
      importance = await permutationImportance((c) => scorer.score(c), featureColumns(table, dataset.naturalTest), naturalY, {
        repeats: IMPORTANCE_REPEATS,
        seed: options.seed,
      });
    }
  } finally {
    await scorer.close();
  }

  const evaluation: BundleEvaluation = {
    naturalTest: part(network.natural, naturalY),
    balancedTest: part(network.balancedRaw, takeLabels(target, dataset.test)),
    baselineNaturalTest: baseline && part(baseline.natural, naturalY),
    naturalTestUncalibrated: part(network.naturalRaw, naturalY),
    importance,
    audit: auditTable(table),
    leaderboard,
    money: null,
  };

  const manifest: Omit<Manifest, 'files'> = {
    format: 'rebuy-bundle',
    formatVersion: 1,
    createdAt: new Date().toISOString(),
    packages: packageVersions(),
    schema: table.schema,
    features,
    featureNames: featureNames(features),
    data: {
      fingerprint: dataset.fingerprint,
      files: dataset.files,
      synthetic: options.synthetic ?? false,
      rows: table.nRows,
      positives: target.reduce((sum, v) => sum + v, 0),
      balance: options.balance,
      split: options.split,
      seed: options.seed,
      trainRows: dataset.train.length,
      validRows: dataset.valid.length,
      testRows: dataset.test.length,
      naturalTestRows: dataset.naturalTest.length,
    },
    model: summarize(dataset, network),
    baseline: baseline && summarize(dataset, baseline),
    threshold: network.threshold,
    thresholdObjective: "balanced: the seeds' argmax (raw probability ≥ 0.5), on calibrated probabilities",
    calibration: network.calibration,
  };

  const files = new Map<string, Uint8Array | string>([
    [ONNX_FILE, network.onnx],
    [EVALUATION_FILE, JSON.stringify(evaluation)],
    [BACKGROUND_FILE, JSON.stringify(toBackground(featureColumns(table, backgroundRows(dataset, options.seed))))],
  ]);
  if (network.fitted.candidate.kind === 'network') {
    const tfjs = await toTfjsArtifacts(tf, network.fitted.trained.weights, TFJS_WEIGHTS_FILE);
    files.set(TFJS_TOPOLOGY_FILE, tfjs.modelJson);
    files.set(TFJS_WEIGHTS_FILE, tfjs.weights);
  }
  if (baseline) files.set(BASELINE_ONNX_FILE, baseline.onnx);
  const saved = await saveBundle(options.out, manifest, files);
  const reportPath = options.report === false ? null : (await buildReport({ model: options.out })).path;
  return { dir: options.out, manifest: saved, evaluation, report: reportPath };
}
