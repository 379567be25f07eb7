import { featureColumns } from '../data/table.js';
import { saveBundle } from '../bundle/save.js';
import type { Manifest, MetricSet, ModelSummary } from '../bundle/manifest.js';
import { ONNX_FILE, TFJS_TOPOLOGY_FILE, TFJS_WEIGHTS_FILE } from '../bundle/layout.js';
import { computeMetrics } from '../evaluate/metrics.js';
import { applyFeatures, featureNames, fitFeatures, type FeatureState } from '../prep/features.js';
import { takeLabels } from '../prep/matrix.js';
import { trainNetwork, type LabelledMatrix } from '../model/mlp.js';
import { trainLogistic } from '../model/logistic.js';
import { buildOnnxModel } from '../model/onnx.js';
import { resolveNetworkConfig } from '../model/presets.js';
import { initTraining } from '../model/tf.js';
import { toTfjsArtifacts } from '../model/tfjs-artifacts.js';
import type { EpochRecord, NetworkConfig, TrainedNetwork } from '../model/network.js';
import { createPredictor } from '../predict/predictor.js';
import { packageVersions } from '../paths.js';
import { loadDataset, type DataSource, type Dataset, type SplitOptions } from './dataset.js';

export const BASELINE_ONNX_FILE = 'baseline.onnx';
const DEFAULT_THRESHOLD = 0.5;

export interface TrainOptions extends DataSource, SplitOptions {
  out: string;
  preset?: string;
  network?: Partial<NetworkConfig>;
  /** Train the logistic-regression baseline beside the network (default true). */
  baseline?: boolean;
  /** Marks a bundle trained on the generated demo sample. */
  synthetic?: boolean;
  onProgress?: (event: TrainProgress) => void;
}

export type TrainProgress =
  | { kind: 'data'; dataset: Dataset }
  | { kind: 'epoch'; record: EpochRecord; maxEpochs: number }
  | { kind: 'baseline' }
  | { kind: 'evaluated' };

export interface TrainResult {
  dir: string;
  manifest: Manifest;
}

interface Fitted {
  kind: ModelSummary['kind'];
  preset: string | null;
  config: NetworkConfig;
  trained: TrainedNetwork;
  onnx: Uint8Array;
}

function labelled(dataset: Dataset, features: FeatureState, rows: Int32Array): LabelledMatrix {
  return { x: applyFeatures(features, dataset.table, rows), y: takeLabels(dataset.table.target!, rows) };
}

/** Metrics of an ONNX pipeline on the balanced and natural test parts, through the Predictor. */
async function testMetrics(
  dataset: Dataset,
  draft: Omit<Manifest, 'files'>,
  onnx: Uint8Array,
): Promise<ModelSummary['metrics']> {
  const predictor = await createPredictor({ manifest: { ...draft, files: {} }, onnx, bundleHash: '', bundleDir: '' });
  try {
    const metricsOn = async (rows: Int32Array): Promise<MetricSet | null> => {
      if (rows.length === 0) return null;
      const p = await predictor.predictColumns(featureColumns(dataset.table, rows));
      return computeMetrics(p, takeLabels(dataset.table.target!, rows), draft.threshold);
    };
    return { balancedTest: await metricsOn(dataset.test), naturalTest: await metricsOn(dataset.naturalTest) };
  } finally {
    await predictor.close();
  }
}

function summary(fitted: Fitted, metrics: ModelSummary['metrics']): ModelSummary {
  return {
    kind: fitted.kind,
    preset: fitted.preset,
    config: fitted.config,
    history: fitted.trained.history,
    bestEpoch: fitted.trained.bestEpoch,
    trainSeconds: fitted.trained.seconds,
    metrics,
  };
}

/** Reads the data, splits it, fits the features, trains the network (and baseline), evaluates, saves the bundle. */
export async function trainBundle(options: TrainOptions): Promise<TrainResult> {
  const report = options.onProgress ?? (() => {});
  const dataset = await loadDataset(options, options);
  report({ kind: 'data', dataset });
  const tf = await initTraining();
  const features = fitFeatures(dataset.table, dataset.train);
  const train = labelled(dataset, features, dataset.train);
  const valid = labelled(dataset, features, dataset.valid);

  const config = resolveNetworkConfig(options.preset, {
    ...options.network,
    seed: options.seed,
    ...(dataset.classWeights ? { classWeights: dataset.classWeights } : {}),
  });
  const network = await trainNetwork(train, valid, config, (record) =>
    report({ kind: 'epoch', record, maxEpochs: config.maxEpochs }),
  );
  const model: Fitted = {
    kind: 'network',
    preset: options.network ? null : (options.preset ?? null),
    config,
    trained: network,
    onnx: buildOnnxModel(features, network.weights),
  };
  let baseline: Fitted | null = null;
  if (options.baseline !== false) {
    report({ kind: 'baseline' });
    const trained = await trainLogistic(train, valid, { seed: options.seed, classWeights: dataset.classWeights });
    baseline = { kind: 'logistic', preset: null, config, trained, onnx: buildOnnxModel(features, trained.weights) };
  }

  const target = dataset.table.target!;
  const positives = target.reduce((sum, v) => sum + v, 0);
  const draft: Omit<Manifest, 'files'> = {
    format: 'rebuy-bundle',
    formatVersion: 1,
    createdAt: new Date().toISOString(),
    packages: packageVersions(),
    schema: dataset.table.schema,
    features,
    featureNames: featureNames(features),
    data: {
      fingerprint: dataset.fingerprint,
      files: dataset.files,
      synthetic: options.synthetic ?? false,
      rows: dataset.table.nRows,
      positives,
      balance: options.balance,
      split: options.split,
      seed: options.seed,
      trainRows: dataset.train.length,
      validRows: dataset.valid.length,
      testRows: dataset.test.length,
      naturalTestRows: dataset.naturalTest.length,
    },
    model: summary(model, { balancedTest: null, naturalTest: null }),
    baseline: null,
    threshold: DEFAULT_THRESHOLD,
    thresholdObjective: 'probability >= 0.5 (the seeds\' argmax)',
    calibration: { method: 'none', slope: 1, intercept: 0 },
  };
  draft.model = summary(model, await testMetrics(dataset, draft, model.onnx));
  if (baseline) draft.baseline = summary(baseline, await testMetrics(dataset, draft, baseline.onnx));
  report({ kind: 'evaluated' });

  const tfjs = await toTfjsArtifacts(tf, network.weights, TFJS_WEIGHTS_FILE);
  const files = new Map<string, Uint8Array | string>([
    [ONNX_FILE, model.onnx],
    [TFJS_TOPOLOGY_FILE, tfjs.modelJson],
    [TFJS_WEIGHTS_FILE, tfjs.weights],
  ]);
  if (baseline) files.set(BASELINE_ONNX_FILE, baseline.onnx);
  const manifest = await saveBundle(options.out, draft, files);
  return { dir: options.out, manifest };
}
