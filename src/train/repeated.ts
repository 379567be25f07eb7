import type { Table } from '../core/table.js';
import type { MetricSet } from '../evaluate/metrics.js';
import { computeMetrics } from '../evaluate/metrics.js';
import { applyCalibration, expectedCalibrationError, priorCorrection, type CalibrationMethod } from '../evaluate/calibration.js';
import { DEFAULT_CALIBRATION } from '../config.js';
import { ensembleCalibration, ensembleRaw, fitCalibration, meanCalibrated } from './calibration-fit.js';
import type { FeatureState } from '../prep/features.js';
import { takeLabels } from '../core/matrix.js';
import { fitCandidate, fitCandidateFeatures, labelledRows, scoreParts, type Candidate } from './fit.js';
import type { LabelledMatrix } from '../model/mlp.js';
import type { EvalPlan } from './plans.js';

/** One candidate on one plan (split or fold). */
export interface CandidateRun {
  candidate: string;
  plan: number;
  balancedTest: MetricSet;
  naturalTest: MetricSet;
  trainSeconds: number;
  epochs: number;
  /** Expected calibration error on the natural test part: raw, and after prior correction. */
  naturalEce: { raw: number; priorCorrected: number };
  /** The configuration actually trained (differs from `candidate` when a resolver chose it). */
  trained: string;
  /** Raw probabilities on the plan's parts, kept when asked (PlanOptions.keepScores): ensembles are scored from them. */
  scores?: PlanScores;
}

/** One model's raw probabilities on a plan's validation, balanced test and natural test parts. */
export interface PlanScores {
  valid: Float32Array;
  test: Float32Array;
  natural: Float32Array;
}

export interface PlanOptions {
  onProgress?: (done: number, total: number, run: CandidateRun) => void;
  /** Turns a candidate into the one to train on this plan (e.g. model selection on the plan's training rows). */
  resolve?: (candidate: Candidate, plan: EvalPlan) => Promise<Candidate>;
  /** Keep each run's raw probabilities (CandidateRun.scores). */
  keepScores?: boolean;
  /** How an ensemble's members are calibrated before their mean (default: DEFAULT_CALIBRATION, as `rebuy train`). */
  calibration?: CalibrationMethod;
}

/** The class mixes a plan's models are trained on and used in, for calibration. */
export interface PlanRates {
  trainPositiveRate: number;
  truePositiveRate: number;
}

/**
 * An ensemble's raw scores on a plan from its members' (see ensembleCalibration): each member
 * calibrated on the validation part, the calibrated probabilities averaged, shifted back to the raw scale.
 */
export function ensemblePlanScores(members: readonly PlanScores[], validY: ArrayLike<number>, rates: PlanRates, method: CalibrationMethod): PlanScores {
  const calibrations = members.map((m) => fitCalibration(method, { validP: m.valid, validY, ...rates }));
  const calibration = ensembleCalibration(method, rates.trainPositiveRate, rates.truePositiveRate);
  const raw = (part: keyof PlanScores) => ensembleRaw(meanCalibrated(members.map((m) => m[part]), calibrations), calibration);
  return { valid: raw('valid'), test: raw('test'), natural: raw('natural') };
}

/** A run's metrics from its raw probabilities on the plan's test parts. */
export function scoredRun(
  table: Table,
  plan: EvalPlan,
  scores: PlanScores,
  rates: PlanRates,
  about: { candidate: string; trained: string; index: number; trainSeconds: number; epochs: number },
): CandidateRun {
  const naturalY = takeLabels(table.target!, plan.naturalTest);
  const corrected = applyCalibration(scores.natural, priorCorrection(rates.trainPositiveRate, rates.truePositiveRate));
  return {
    candidate: about.candidate,
    trained: about.trained,
    plan: about.index,
    balancedTest: computeMetrics(scores.test, takeLabels(table.target!, plan.test)),
    naturalTest: computeMetrics(scores.natural, naturalY),
    trainSeconds: about.trainSeconds,
    epochs: about.epochs,
    naturalEce: { raw: expectedCalibrationError(scores.natural, naturalY), priorCorrected: expectedCalibrationError(corrected, naturalY) },
  };
}

function positiveRate(y: ArrayLike<number>): number {
  let ones = 0;
  for (let i = 0; i < y.length; i++) ones += y[i]!;
  return ones / y.length;
}

/**
 * Every candidate on the same plans (paired): for plan i, the same rows train, validate and test
 * each candidate, so their differences can be compared plan by plan.
 */
export async function evaluateOnPlans(
  table: Table,
  candidates: readonly Candidate[],
  plans: readonly EvalPlan[],
  options: PlanOptions = {},
): Promise<CandidateRun[]> {
  const truePositiveRate = positiveRate(table.target!);
  const runs: CandidateRun[] = [];
  const total = plans.length * candidates.length;
  for (const [index, plan] of plans.entries()) {
    const prepared = new Map<boolean, { features: FeatureState; train: LabelledMatrix; valid: LabelledMatrix }>();
    const prepare = (candidate: Candidate): { features: FeatureState; train: LabelledMatrix; valid: LabelledMatrix } => {
      const key = candidate.derived === true;
      let entry = prepared.get(key);
      if (!entry) {
        const features = fitCandidateFeatures(table, plan.train, candidate);
        entry = { features, train: labelledRows(table, features, plan.train), valid: labelledRows(table, features, plan.valid) };
        prepared.set(key, entry);
      }
      return entry;
    };
    for (const asked of candidates) {
      const candidate = options.resolve ? await options.resolve(asked, plan) : asked;
      const { features, train, valid } = prepare(candidate);
      const fitted = await fitCandidate(candidate, features, train, valid, { seed: plan.seed, classWeights: plan.classWeights });
      const rates = { trainPositiveRate: plan.classWeights ? 0.5 : positiveRate(train.y), truePositiveRate };
      const scoresOf = async (onnx: Uint8Array): Promise<PlanScores> => {
        const [natural, test, validP] = await scoreParts(features, onnx, table, [plan.naturalTest, plan.test, plan.valid]);
        return { natural: natural!, test: test!, valid: validP! };
      };
      let scores: PlanScores;
      if (fitted.members) {
        const members: PlanScores[] = [];
        for (const member of fitted.members) members.push(await scoresOf(member.onnx));
        scores = ensemblePlanScores(members, valid.y, rates, options.calibration ?? DEFAULT_CALIBRATION);
      } else {
        scores = await scoresOf(fitted.onnx);
      }
      const epochs = (fitted.members ?? [fitted]).reduce((sum, m) => sum + m.trained.history.length, 0);
      const run = scoredRun(table, plan, scores, rates, { candidate: asked.name, trained: candidate.name, index, trainSeconds: fitted.trained.seconds, epochs });
      if (options.keepScores) run.scores = scores;
      runs.push(run);
      options.onProgress?.(runs.length, total, run);
    }
  }
  return runs;
}
