/** The metrics candidates are compared and ranked by, on held-out rows (compare and auto alike). */
import type { MetricSpec } from '../evaluate/leaderboard.js';
import type { CandidateRun } from './repeated.js';

export const COMPARE_METRICS: MetricSpec[] = [
  { key: 'naturalRocAuc', label: 'ROC-AUC (natural)', higherIsBetter: true },
  { key: 'balancedAccuracy', label: 'accuracy (balanced test)', higherIsBetter: true },
  { key: 'naturalPrAuc', label: 'PR-AUC (natural)', higherIsBetter: true },
  { key: 'naturalBrier', label: 'Brier (natural)', higherIsBetter: false },
  { key: 'naturalLogLoss', label: 'log loss (natural)', higherIsBetter: false },
];

export const DEFAULT_RANK_BY = 'naturalRocAuc';

export function runValues(run: CandidateRun): Record<string, number> {
  return {
    naturalRocAuc: run.naturalTest.rocAuc,
    balancedAccuracy: run.balancedTest.accuracy,
    naturalPrAuc: run.naturalTest.prAuc,
    naturalBrier: run.naturalTest.brier,
    naturalLogLoss: run.naturalTest.loss,
  };
}
