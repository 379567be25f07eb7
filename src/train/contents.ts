/** Training step 6, the part before writing: the manifest and every file of the bundle, in memory. */
import { backgroundJson, toBackground } from '../bundle/background.js';
import { evaluationJson } from '../bundle/evaluation.js';
import { BACKGROUND_FILE, BASELINE_ONNX_FILE, EVALUATION_FILE, ONNX_FILE, PROFILE_FILE, TFJS_TOPOLOGY_FILE, TFJS_WEIGHTS_FILE } from '../bundle/layout.js';
import { profileJson, type TrainingProfile } from '../bundle/profile.js';
import { BUNDLE_FORMAT, ensembleMemberFiles, FORMAT_VERSION, type ManifestDraft } from '../bundle/manifest.js';
import { featureColumns } from '../core/table.js';
import type { Tf } from '../model/tf.js';
import { toTfjsArtifacts } from '../model/tfjs-artifacts.js';
import { buildProfile } from '../monitor/profile.js';
import { packageVersions } from '../paths.js';
import { featureNames } from '../prep/features.js';
import type { Assessment } from './assess.js';
import { backgroundRows } from './background.js';
import type { CalibratedModels } from './calibrate.js';
import type { Dataset } from './dataset.js';

export interface BundleContents {
  manifest: ManifestDraft;
  files: Map<string, Uint8Array | string>;
}

export async function bundleContents(
  tf: Tf,
  dataset: Dataset,
  models: CalibratedModels,
  assessment: Assessment,
  options: { synthetic?: boolean },
): Promise<BundleContents> {
  const { table } = dataset;
  const { network, baseline } = models;
  const manifest: ManifestDraft = {
    format: BUNDLE_FORMAT,
    formatVersion: FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    packages: packageVersions(),
    schema: table.schema,
    features: models.features,
    featureNames: featureNames(models.features),
    data: {
      fingerprint: dataset.fingerprint,
      files: dataset.files,
      synthetic: options.synthetic ?? false,
      rows: table.nRows,
      positives: table.target!.reduce((sum, v) => sum + v, 0),
      balance: dataset.options.balance,
      split: dataset.options.split,
      seed: dataset.options.seed,
      trainRows: dataset.train.length,
      validRows: dataset.valid.length,
      testRows: dataset.test.length,
      naturalTestRows: dataset.naturalTest.length,
    },
    model: assessment.model,
    baseline: assessment.baseline,
    threshold: network.threshold,
    thresholdObjective: { kind: 'balanced' },
    calibration: network.calibration,
  };
  const files = new Map<string, Uint8Array | string>([
    [ONNX_FILE, network.onnx],
    [EVALUATION_FILE, evaluationJson(assessment.evaluation)],
    [BACKGROUND_FILE, backgroundJson(toBackground(featureColumns(table, backgroundRows(dataset))))],
    [PROFILE_FILE, profileJson(trainingProfile(dataset, assessment))],
  ]);
  if (network.fitted.candidate.kind === 'network') {
    const tfjs = await toTfjsArtifacts(tf, network.fitted.trained.weights, TFJS_WEIGHTS_FILE);
    files.set(TFJS_TOPOLOGY_FILE, tfjs.modelJson);
    files.set(TFJS_WEIGHTS_FILE, tfjs.weights);
  }
  for (const [k, member] of (network.members ?? []).entries()) {
    const names = ensembleMemberFiles(k);
    const tfjs = await toTfjsArtifacts(tf, member.fitted.trained.weights, names.weights);
    files.set(names.topology, tfjs.modelJson);
    files.set(names.weights, tfjs.weights);
  }
  if (baseline) files.set(BASELINE_ONNX_FILE, baseline.onnx);
  return { manifest, files };
}

/**
 * The reference `monitor` compares new lists with. Features: every row of the training table, in its
 * own class mix (the balanced training part is half buyers, unlike any real list). Scores: the held-out
 * natural-mix customers' calibrated probabilities (rows the model trained on score too confidently).
 */
function trainingProfile(dataset: Dataset, assessment: Assessment): TrainingProfile {
  const { table } = dataset;
  const natural = assessment.evaluation.naturalTest.probability;
  return buildProfile({
    columns: featureColumns(table),
    source: `all ${table.nRows} rows of ${dataset.files.join(', ')}`,
    scores: natural.length > 0 ? { probability: natural, source: `${natural.length} held-out customers in the natural class mix` } : null,
    seed: dataset.options.seed,
  });
}
