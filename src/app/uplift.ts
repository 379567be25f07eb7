/**
 * `rebuy train --treatment`: read a randomized test, hold customers out, choose an uplift learner by
 * cross-validated Qini on the rest, fit it, evaluate it on the held-out customers against random
 * targeting and the response model, and save a bundle whose ONNX graph gives every output.
 */
import { BUNDLE_FORMAT, FORMAT_VERSION, type Manifest, type ManifestDraft } from '../bundle/manifest.js';
import { BACKGROUND_FILE, ONNX_FILE, REPORT_FILE } from '../bundle/layout.js';
import { renderUpliftReport } from '../report/sections/uplift.js';
import { backgroundJson, BACKGROUND_ROWS, toBackground } from '../bundle/background.js';
import { saveBundle } from '../bundle/save.js';
import { UPLIFT_SELECTION_FOLDS, UPLIFT_TEST_SHARE } from '../config.js';
import { featureColumns } from '../core/table.js';
import { createRng } from '../core/random.js';
import { readTable } from '../data/read.js';
import { fingerprintFiles } from '../data/fingerprint.js';
import { packageVersions } from '../paths.js';
import { featureNames } from '../prep/features.js';
import { shuffle } from '../prep/split.js';
import { readExperiment, type Experiment } from '../train/uplift-data.js';
import {
  evaluateUplift,
  fitUpliftOn,
  responseScores,
  scoreUpliftRows,
  selectUplift,
  upliftCandidates,
  upliftHoldout,
  type SelectionProgress,
  type TreatmentEvaluation,
  type UpliftSelection,
} from '../train/uplift.js';
import { usageError } from '../errors.js';
import type { UpliftSpec } from '../model/uplift.js';

export interface UpliftTrainOptions {
  data: string;
  target: string;
  treatment: string;
  control?: string;
  ignore?: string[];
  id?: string;
  delimiter?: string;
  decimal?: string;
  out: string;
  seed: number;
  folds?: number;
  /** Choose among the logistic learners only (fast), or among all (default). */
  learners?: 'logistic' | 'all';
  onProgress?: (event: UpliftProgress) => void;
}

export type UpliftProgress =
  | { kind: 'data'; experiment: Experiment; learn: number; test: number }
  | { kind: 'select'; done: number; total: number; name: string; fold: number; qini: number }
  | { kind: 'fit'; name: string }
  | { kind: 'evaluate' };

export interface UpliftTrainResult {
  dir: string;
  manifest: Manifest;
  selection: UpliftSelection;
  evaluation: TreatmentEvaluation[];
}

function candidatesFor(learners: 'logistic' | 'all' = 'all'): UpliftSpec[] {
  const all = upliftCandidates();
  return learners === 'all' ? all : all.filter((s) => s.approach === 'ensemble' || s.learner.kind === 'logistic');
}

export async function trainUpliftBundle(options: UpliftTrainOptions): Promise<UpliftTrainResult> {
  if (!options.target) throw usageError('--treatment needs --target COL: the outcome the contact should change');
  const progress = options.onProgress ?? (() => {});
  const table = await readTable(options.data, { target: options.target, id: options.id, delimiter: options.delimiter, decimal: options.decimal });
  const experiment = readExperiment(table, { treatment: options.treatment, control: options.control, ignore: options.ignore });
  const { learn, test } = upliftHoldout(experiment, UPLIFT_TEST_SHARE, options.seed);
  progress({ kind: 'data', experiment, learn: learn.length, test: test.length });
  const onSelect: SelectionProgress = (done, total, spec, fold, qini) => progress({ kind: 'select', done, total, name: spec.name, fold, qini });
  const selection = await selectUplift(experiment, learn, { folds: options.folds ?? UPLIFT_SELECTION_FOLDS, seed: options.seed, candidates: candidatesFor(options.learners), onProgress: onSelect });
  progress({ kind: 'fit', name: selection.chosen.name });
  const model = await fitUpliftOn(experiment, learn, selection.chosen, options.seed);
  progress({ kind: 'evaluate' });
  const scores = await scoreUpliftRows(model, experiment.table, test);
  const response = await responseScores(experiment, learn, test, options.seed);
  const evaluation = evaluateUplift(experiment, test, scores, response, { seed: options.seed });

  const stripped = experiment.table;
  const background = shuffle(learn, createRng(options.seed ^ 0x5eed)).subarray(0, Math.min(BACKGROUND_ROWS, learn.length));
  const manifest: ManifestDraft = {
    format: BUNDLE_FORMAT,
    formatVersion: FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    packages: packageVersions(),
    schema: stripped.schema,
    features: model.features,
    featureNames: featureNames(model.features),
    data: {
      fingerprint: await fingerprintFiles([options.data]),
      files: [options.data],
      synthetic: false,
      rows: stripped.nRows,
      positives: stripped.target!.reduce((sum, v) => sum + v, 0),
      balance: 'random',
      split: [1 - UPLIFT_TEST_SHARE, 0, UPLIFT_TEST_SHARE],
      seed: options.seed,
      trainRows: learn.length,
      validRows: 0,
      testRows: test.length,
      naturalTestRows: test.length,
    },
    // The graph's first output, P(buy if not contacted), is what a response-model reader sees.
    model: {
      name: selection.chosen.name,
      kind: 'logistic',
      derived: false,
      preset: null,
      config: null,
      history: [],
      bestEpoch: 0,
      trainSeconds: 0,
      metrics: { balancedTest: null, naturalTest: null },
    },
    baseline: null,
    threshold: 0.5,
    thresholdObjective: { kind: 'balanced' },
    calibration: { method: 'none', slope: 1, intercept: 0 },
    uplift: {
      treatmentColumn: experiment.treatmentColumn,
      control: experiment.control,
      treatments: experiment.treatments,
      ignored: options.ignore ?? [],
      learner: selection.chosen.name,
      outputs: model.fitted.outputs,
      selection: selection.rows.map((r) => ({ name: r.spec.name, qini: r.qini, mean: r.mean, sd: r.sd })),
      evaluation: evaluation.map((e) => ({ ...e, curve: { targeted: [...e.curve.targeted], value: [...e.curve.value] } })),
    },
  };
  const files = new Map<string, Uint8Array | string>([
    [ONNX_FILE, model.fitted.onnx],
    [BACKGROUND_FILE, backgroundJson(toBackground(featureColumns(stripped, background)))],
    [REPORT_FILE, renderUpliftReport(manifest, options.out)],
  ]);
  const saved = await saveBundle(options.out, manifest, files);
  return { dir: options.out, manifest: saved, selection, evaluation };
}
