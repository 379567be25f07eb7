import type { Leaderboard } from '../evaluate/leaderboard.js';
import type { ScoredPart } from '../evaluate/curves.js';
import type { MoneySettings } from '../evaluate/decide.js';

/** Permutation importance of one feature column: how much ROC-AUC drops when it is shuffled. */
export interface FeatureImportance {
  feature: string;
  meanDrop: number;
  lower: number;
  upper: number;
}

/**
 * What a bundle keeps of its evaluation (evaluation.json): enough to draw every chart and to choose
 * a threshold later without the training data.
 */
export interface BundleEvaluation {
  /** Calibrated probabilities on the natural class mix (rows never used for training or validation). */
  naturalTest: ScoredPart;
  /** The network's raw probabilities on the balanced test part (as the seeds report). */
  balancedTest: ScoredPart;
  /** The baseline's calibrated probabilities on the natural test part, when trained. */
  baselineNaturalTest: ScoredPart | null;
  /** Raw (uncalibrated) probabilities on the natural test part, to show what calibration changed. */
  naturalTestUncalibrated: ScoredPart;
  importance: FeatureImportance[] | null;
  /** The data audit (src/audit) of the training table, when run. */
  audit: unknown;
  leaderboard: Leaderboard | null;
  money: MoneySettings | null;
}
