import type { Table } from '../data/table.js';
import type { MetricSet } from '../bundle/manifest.js';
import { computeMetrics } from '../evaluate/metrics.js';
import type { FeatureState } from '../prep/features.js';
import { takeLabels } from '../prep/matrix.js';
import { fitCandidate, fitCandidateFeatures, labelledRows, scoreRows, type Candidate } from './fit.js';
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
}

/**
 * Every candidate on the same plans (paired): for plan i, the same rows train, validate and test
 * each candidate, so their differences can be compared plan by plan.
 */
export async function evaluateOnPlans(
  table: Table,
  candidates: readonly Candidate[],
  plans: readonly EvalPlan[],
  onProgress?: (done: number, total: number, run: CandidateRun) => void,
): Promise<CandidateRun[]> {
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
    for (const candidate of candidates) {
      const { features, train, valid } = prepare(candidate);
      const fitted = await fitCandidate(candidate, features, train, valid, { seed: plan.seed, classWeights: plan.classWeights });
      const metricsOn = async (rows: Int32Array): Promise<MetricSet> =>
        computeMetrics(await scoreRows(features, fitted.onnx, table, rows), takeLabels(table.target!, rows));
      const run: CandidateRun = {
        candidate: candidate.name,
        plan: index,
        balancedTest: await metricsOn(plan.test),
        naturalTest: await metricsOn(plan.naturalTest),
        trainSeconds: fitted.trained.seconds,
        epochs: fitted.trained.history.length,
      };
      runs.push(run);
      onProgress?.(runs.length, total, run);
    }
  }
  return runs;
}
