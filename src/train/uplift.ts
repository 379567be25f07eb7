/**
 * Uplift training steps: fit a spec on some rows, choose a spec by cross-validated Qini on the
 * training part only, and evaluate on held-out customers against random targeting and against the
 * plain response model ("contact the likeliest buyers").
 */
import { featureColumns, type Table } from '../core/table.js';
import { createRng, type Rng } from '../core/random.js';
import { applyFeatures, fitFeatures } from '../prep/features.js';
import { logsOfLongTails } from '../prep/derived.js';
import { shuffle } from '../prep/split.js';
import { mean, sd } from '../evaluate/stats.js';
import {
  bootstrapUplift,
  qiniCoefficient,
  qiniCurve,
  upliftAtK,
  UPLIFT_AT,
  type Estimate,
  type UpliftCurvePoints,
  type UpliftSample,
} from '../evaluate/uplift.js';
import { downsampleIndices } from '../evaluate/curves.js';
import { LOGISTIC_CV_FOLDS, LOGISTIC_L2_GRID, resolveNetworkConfig } from '../model/presets.js';
import { ensembleOf, fitUplift, scoreUplift, type FittedUplift, type UpliftScores, type UpliftSpec } from '../model/uplift.js';
import type { FeatureState } from '../prep/features.js';
import type { Experiment } from './uplift-data.js';
import { fitCandidate, labelledRows, scoreParts } from './fit.js';

/** The small network the uplift learners use: arms are smaller than the whole table, and effects are faint. */
export const UPLIFT_NETWORK = resolveNetworkConfig('2x10', { maxEpochs: 30, patience: 3, batchSize: 200 });

/**
 * The default uplift learner: the R-learner, whose effect is a ridge regression linear in the
 * features (the principled choice when the effect is weak and the base response strong). On synthetic
 * tests it ranked at least as well as the two-model logistic baseline in every shape tried, and on
 * inner cross-validation of Hillstrom's training parts it ranked better than the interactions model
 * (`npm run bench:uplift-synthetic`, README).
 */
export const R_LEARNER_LOGISTIC: UpliftSpec = { name: 'r-learner·logistic', approach: 'r-learner', learner: { kind: 'logistic' }, logTails: true };

/** The interactions model: the effect shrunk towards one logit shift for everybody as far as cross-validation allows. */
export const INTERACTIONS_LOGISTIC: UpliftSpec = { name: 'interactions·logistic', approach: 'interactions', learner: { kind: 'logistic' }, logTails: true };

/**
 * What `rebuy train --treatment` chooses among, the default first: the R-learner, the interactions
 * model, each other approach with the logistic and the network learner, and the average of the
 * logistic learners; every one with the logs of long-tailed columns among its inputs.
 */
export function upliftCandidates(): UpliftSpec[] {
  const singles = (['two-model', 'x-learner', 'class-transformation'] as const).flatMap((approach): UpliftSpec[] => [
    { name: `${approach}·logistic`, approach, learner: { kind: 'logistic' }, logTails: true },
    { name: `${approach}·network`, approach, learner: { kind: 'network', config: UPLIFT_NETWORK }, logTails: true },
  ]);
  const logistic = [R_LEARNER_LOGISTIC, INTERACTIONS_LOGISTIC, ...singles.filter((s) => s.approach !== 'ensemble' && s.learner.kind === 'logistic')];
  return [R_LEARNER_LOGISTIC, INTERACTIONS_LOGISTIC, ...singles, { name: 'average of the logistic learners', approach: 'ensemble', members: logistic, logTails: true }];
}

/**
 * The baseline's L2 penalty is fixed, so that it stays one definition while rebuy's learners change:
 * the penalty the bench's baseline figures were first measured with, near scikit-learn's default
 * (C = 1, i.e. 1/n here) for an arm of Hillstrom's training part.
 */
export const BASELINE_LOGISTIC_L2 = 1e-4;

/** The reference every uplift model must beat: one logistic regression per arm. */
export const TWO_MODEL_LOGISTIC: UpliftSpec = { name: 'two-model·logistic (baseline)', approach: 'two-model', learner: { kind: 'logistic', l2: BASELINE_LOGISTIC_L2 } };

/** Stratum of a row: its arm and its outcome, so folds keep both mixes. */
function stratumOf(experiment: Experiment): (row: number) => number {
  const y = experiment.table.target!;
  return (row) => experiment.arm[row]! * 2 + y[row]!;
}

/** k folds of `rows`, stratified by arm and outcome; each row is tested once. */
export function upliftFolds(experiment: Experiment, rows: ArrayLike<number>, k: number, rng: Rng): { train: Int32Array; test: Int32Array }[] {
  const stratum = stratumOf(experiment);
  const shuffled = shuffle(rows, rng);
  const byStratum = new Map<number, number[]>();
  for (const row of shuffled) {
    const key = stratum(row);
    const list = byStratum.get(key);
    if (list) list.push(row);
    else byStratum.set(key, [row]);
  }
  const foldOf = new Map<number, number>();
  let next = 0;
  for (const key of [...byStratum.keys()].sort((a, b) => a - b)) {
    for (const row of byStratum.get(key)!) {
      foldOf.set(row, next);
      next = (next + 1) % k;
    }
  }
  return Array.from({ length: k }, (_, fold) => ({
    train: Int32Array.from(shuffled.filter((r) => foldOf.get(r) !== fold)),
    test: Int32Array.from(shuffled.filter((r) => foldOf.get(r) === fold)),
  }));
}

/** The learning rows and held-out rows of one table, stratified by arm and outcome. */
export function upliftHoldout(experiment: Experiment, testShare: number, seed: number): { learn: Int32Array; test: Int32Array } {
  const k = Math.round(1 / testShare);
  const [first] = upliftFolds(experiment, Int32Array.from({ length: experiment.table.nRows }, (_, i) => i), k, createRng(seed));
  return { learn: first!.train, test: first!.test };
}

export interface FittedUpliftModel {
  features: FeatureState;
  fitted: FittedUplift;
}

/** Fits features and a spec on the given rows. */
export async function fitUpliftOn(experiment: Experiment, rows: Int32Array, spec: UpliftSpec, seed: number): Promise<FittedUpliftModel> {
  if (spec.approach === 'interactions' && spec.penaltyByQini && spec.learner.l2 === undefined) {
    const l2 = await penaltyByQini(experiment, rows, spec, seed);
    const model = await fitUpliftOn(experiment, rows, { ...spec, learner: { ...spec.learner, l2 } }, seed);
    return { ...model, fitted: { ...model.fitted, spec } };
  }
  const { table } = experiment;
  const features = fitFeatures(table, rows, spec.logTails ? logsOfLongTails(table, rows) : []);
  const data = {
    features,
    x: applyFeatures(features, table, rows),
    y: Uint8Array.from(rows, (r) => table.target![r]!),
    arm: Uint8Array.from(rows, (r) => experiment.arm[r]!),
    treatments: experiment.treatments,
    columns: featureColumns(table, rows),
  };
  return { features, fitted: await fitUplift(data, spec, seed) };
}

/** The interactions model's penalty (of LOGISTIC_L2_GRID) with the best mean Qini over folds of `rows`. */
async function penaltyByQini(experiment: Experiment, rows: Int32Array, spec: UpliftSpec, seed: number): Promise<number> {
  const grid = LOGISTIC_L2_GRID.map((l2): UpliftSpec => ({ ...spec, name: `l2 ${l2}`, learner: { kind: 'logistic', l2 } }) as UpliftSpec);
  const { rows: ranked } = await selectUplift(experiment, rows, { folds: LOGISTIC_CV_FOLDS, seed, candidates: grid });
  return LOGISTIC_L2_GRID[grid.indexOf(ranked[0]!.spec)]!;
}

export async function scoreUpliftRows(model: FittedUpliftModel, table: Table, rows: ArrayLike<number>): Promise<UpliftScores> {
  return scoreUplift(model.fitted.onnx, model.features, featureColumns(table, rows));
}

/** The held-out customers of treatment t and control, ranked by `score` (one value per row of `rows`). */
export function treatmentSample(experiment: Experiment, rows: ArrayLike<number>, t: number, score: ArrayLike<number>): UpliftSample {
  const kept: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    const arm = experiment.arm[rows[i]!]!;
    if (arm === 0 || arm === t) kept.push(i);
  }
  return {
    score: Float64Array.from(kept, (i) => score[i]!),
    outcome: Uint8Array.from(kept, (i) => experiment.table.target![rows[i]!]!),
    treated: Uint8Array.from(kept, (i) => (experiment.arm[rows[i]!] === t ? 1 : 0)),
  };
}

/** Mean Qini coefficient over the treatments, each against control. */
export function meanQini(experiment: Experiment, rows: ArrayLike<number>, scores: UpliftScores): number {
  return mean(scores.uplift.map((u, t) => qiniCoefficient(treatmentSample(experiment, rows, t + 1, u))));
}

export interface SelectionRow {
  spec: UpliftSpec;
  /** Mean Qini coefficient per fold. */
  qini: number[];
  mean: number;
  sd: number;
}

export interface UpliftSelection {
  /** The best by mean Qini, or the default (the first candidate) when the best does not beat it by a standard error. */
  chosen: UpliftSpec;
  /** Best first. */
  rows: SelectionRow[];
}

export type SelectionProgress = (done: number, total: number, spec: UpliftSpec, fold: number, qini: number) => void;

/** Chooses by k-fold cross-validated Qini coefficient on `rows` only (the training part); the first candidate is the default. */
export async function selectUplift(
  experiment: Experiment,
  rows: Int32Array,
  options: { folds: number; seed: number; candidates?: UpliftSpec[]; onProgress?: SelectionProgress },
): Promise<UpliftSelection> {
  const candidates = options.candidates ?? upliftCandidates();
  const folds = upliftFolds(experiment, rows, options.folds, createRng(options.seed));
  const results = candidates.map((spec) => ({ spec, qini: [] as number[] }));
  let done = 0;
  for (const [f, fold] of folds.entries()) {
    // An ensemble of candidates fitted on this fold reuses them rather than fitting them again (when they share its inputs).
    const fitted = new Map<UpliftSpec, FittedUpliftModel>();
    for (const result of results) {
      const spec = result.spec;
      const members = spec.approach === 'ensemble' ? spec.members.map((m) => (Boolean(m.logTails) === Boolean(spec.logTails) ? fitted.get(m) : undefined)) : [];
      const model =
        spec.approach === 'ensemble' && members.every((m) => m !== undefined)
          ? { features: members[0]!.features, fitted: ensembleOf(spec, members[0]!.features, members.map((m) => m.fitted)) }
          : await fitUpliftOn(experiment, fold.train, spec, options.seed + f);
      fitted.set(spec, model);
      const q = meanQini(experiment, fold.test, await scoreUpliftRows(model, experiment.table, fold.test));
      result.qini.push(q);
      options.onProgress?.(++done, folds.length * results.length, result.spec, f, q);
    }
  }
  const ranked = results
    .map((r) => ({ ...r, mean: mean(r.qini), sd: sd(r.qini) }))
    .sort((a, b) => (Number.isNaN(b.mean) ? -1 : Number.isNaN(a.mean) ? 1 : b.mean - a.mean));
  return { chosen: preferDefault(ranked, candidates[0]!), rows: ranked };
}

/**
 * The one-standard-error rule in favour of the default: another learner is chosen over it only when it
 * beats it by more than the standard error of their paired fold differences, because on a few folds
 * the best mean Qini is often the luckiest rather than the best.
 */
function preferDefault(ranked: readonly SelectionRow[], preferred: UpliftSpec): UpliftSpec {
  const best = ranked[0]!;
  const fallback = ranked.find((r) => r.spec === preferred)!;
  if (fallback === best) return best.spec;
  const differences = best.qini.map((q, f) => q - fallback.qini[f]!);
  const standardError = sd(differences) / Math.sqrt(differences.length);
  return mean(differences) > standardError ? best.spec : fallback.spec;
}

/** P(buy) ignoring the treatment: the plain response model rebuy trains without --treatment (the logistic one). */
export async function responseScores(experiment: Experiment, learn: Int32Array, test: Int32Array, seed: number): Promise<Float32Array> {
  const { table } = experiment;
  const features = fitFeatures(table, learn);
  const train = labelledRows(table, features, learn);
  const fitted = await fitCandidate({ name: 'logistic', kind: 'logistic' }, features, train, labelledRows(table, features, new Int32Array(0)), { seed });
  const [scores] = await scoreParts(features, fitted.onnx, table, [test]);
  return scores!;
}

export interface TargetingComparison {
  share: number;
  model: Estimate;
  response: Estimate;
  /** Random targeting: the average effect over all held-out customers. */
  random: Estimate;
  /** Model minus response model, paired over the same customers. */
  versusResponse: Estimate;
  /** Model minus random targeting. */
  versusRandom: Estimate;
}

export interface TreatmentEvaluation {
  treatment: string;
  treated: number;
  control: number;
  qini: { model: Estimate; response: Estimate; versusResponse: Estimate };
  upliftAt: TargetingComparison[];
  /** The model's Qini curve, downsampled for a chart. */
  curve: UpliftCurvePoints;
}

/** Held-out evaluation of uplift scores against random targeting and the response model, with bootstrap intervals. */
export function evaluateUplift(
  experiment: Experiment,
  test: ArrayLike<number>,
  scores: UpliftScores,
  response: ArrayLike<number>,
  options: { replicates?: number; seed?: number } = {},
): TreatmentEvaluation[] {
  return experiment.treatments.map((treatment, k) => {
    const t = k + 1;
    const model = treatmentSample(experiment, test, t, scores.uplift[k]!);
    const byResponse = treatmentSample(experiment, test, t, response);
    const boot = (statistic: (a: UpliftSample, b: UpliftSample) => number) =>
      bootstrapUplift(model.outcome, model.treated, [model.score, byResponse.score], ([a, b]) => statistic(a!, b!), options);
    const qini = {
      model: boot((a) => qiniCoefficient(a)),
      response: boot((_, b) => qiniCoefficient(b)),
      versusResponse: boot((a, b) => qiniCoefficient(a) - qiniCoefficient(b)),
    };
    const upliftAt = UPLIFT_AT.map((share) => ({
      share,
      model: boot((a) => upliftAtK(a, share)),
      response: boot((_, b) => upliftAtK(b, share)),
      random: boot((a) => upliftAtK(a, 1)),
      versusResponse: boot((a, b) => upliftAtK(a, share) - upliftAtK(b, share)),
      versusRandom: boot((a) => upliftAtK(a, share) - upliftAtK(a, 1)),
    }));
    const full = qiniCurve(model);
    const keep = downsampleIndices(full.targeted, full.value);
    const curve = { targeted: Float64Array.from(keep, (i) => full.targeted[i]!), value: Float64Array.from(keep, (i) => full.value[i]!) };
    const treated = model.treated.length - [...(model.treated as Uint8Array)].filter((v) => v === 0).length;
    return { treatment, treated, control: model.treated.length - treated, qini, upliftAt, curve };
  });
}
