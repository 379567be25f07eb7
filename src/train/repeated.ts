import type { Table } from '../core/table.js';
import type { MetricSet } from '../evaluate/metrics.js';
import { computeMetrics } from '../evaluate/metrics.js';
import { applyCalibration, expectedCalibrationError, priorCorrection } from '../evaluate/calibration.js';
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
}

export interface PlanOptions {
  onProgress?: (done: number, total: number, run: CandidateRun) => void;
  /** Turns a candidate into the one to train on this plan (e.g. model selection on the plan's training rows). */
  resolve?: (candidate: Candidate, plan: EvalPlan) => Promise<Candidate>;
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
      const naturalY = takeLabels(table.target!, plan.naturalTest);
      const [naturalP, testP] = await scoreParts(features, fitted.onnx, table, [plan.naturalTest, plan.test]);
      const trainRate = plan.classWeights ? 0.5 : positiveRate(train.y);
      const corrected = applyCalibration(naturalP!, priorCorrection(trainRate, truePositiveRate));
      const run: CandidateRun = {
        candidate: asked.name,
        trained: candidate.name,
        plan: index,
        balancedTest: computeMetrics(testP!, takeLabels(table.target!, plan.test)),
        naturalTest: computeMetrics(naturalP!, naturalY),
        trainSeconds: fitted.trained.seconds,
        epochs: fitted.trained.history.length,
        naturalEce: { raw: expectedCalibrationError(naturalP!, naturalY), priorCorrected: expectedCalibrationError(corrected, naturalY) },
      };
      runs.push(run);
      options.onProgress?.(runs.length, total, run);
    }
  }
  return runs;
}
