import type { Table } from '../core/table.js';
import { buildLeaderboard, type Leaderboard } from '../evaluate/leaderboard.js';
import { PRESET_NAMES, resolveNetworkConfig } from '../model/presets.js';
import type { BalanceMode } from '../prep/split.js';
import { COMPARE_METRICS, runValues } from './compare-metrics.js';
import type { Candidate } from './fit.js';
import { kFoldPlans, learningRows, type EvalPlan } from './plans.js';
import { DEFAULT_PURCHASE_HORIZON_DAYS, evaluatePurchaseModels, isPurchaseTable } from './purchase-models.js';
import { evaluateOnPlans, type CandidateRun } from './repeated.js';

export const AUTO_FOLDS = 5;
/** What auto selects by: ROC-AUC on the held-out folds (it does not depend on the class mix). */
export const AUTO_RANK_BY = 'naturalRocAuc';

/** The configurations `--model auto` chooses among: the seeds' presets and the baseline, each with and without derived features. */
export function autoCandidates(): Candidate[] {
  const base: Candidate[] = [
    ...PRESET_NAMES.map((name): Candidate => ({ name, kind: 'network', preset: name, config: resolveNetworkConfig(name) })),
    { name: 'logistic', kind: 'logistic' },
  ];
  return base.flatMap((c) => [c, { ...c, name: `${c.name}+derived`, derived: true }]);
}

export interface AutoSelection {
  chosen: Candidate;
  leaderboard: Leaderboard;
  runs: CandidateRun[];
}

/**
 * Chooses a configuration by k-fold cross-validation on the given rows only (the training and
 * validation parts): the test part is never seen.
 */
export async function selectModel(
  table: Table,
  rows: Int32Array,
  options: {
    balance: BalanceMode;
    seed: number;
    candidates?: Candidate[];
    onProgress?: (done: number, total: number, run: CandidateRun) => void;
    /** On a `features` customer table, BG/NBD's rows join the leaderboard (purchase-models.ts); false leaves them out. */
    purchaseModels?: false | { horizonDays?: number };
  },
): Promise<AutoSelection> {
  const candidates = options.candidates ?? autoCandidates();
  const plans = kFoldPlans(table, { folds: AUTO_FOLDS, balance: options.balance, seed: options.seed, rows });
  const runs = await evaluateOnPlans(table, candidates, plans, { onProgress: options.onProgress });
  if (options.purchaseModels !== false && isPurchaseTable(table)) {
    const horizonDays = options.purchaseModels?.horizonDays ?? DEFAULT_PURCHASE_HORIZON_DAYS;
    runs.push(...(await evaluatePurchaseModels(table, plans, { horizonDays, classifiers: candidates.filter((c) => !c.derived) })));
  }
  const ratio = plans[0]!.test.length / (plans[0]!.train.length + plans[0]!.valid.length);
  const leaderboard = buildLeaderboard(
    runs.map((r) => ({ candidate: r.candidate, plan: r.plan, values: runValues(r), trainSeconds: r.trainSeconds })),
    COMPARE_METRICS,
    AUTO_RANK_BY,
    ratio,
  );
  // BG/NBD's rows are comparison-only (no ONNX graph computes them): the best deployable candidate is chosen.
  const chosen = leaderboard.rows.map((row) => candidates.find((c) => c.name === row.candidate)).find((c) => c !== undefined)!;
  return { chosen, leaderboard, runs };
}

/** A stand-in candidate meaning "choose by cross-validation on this plan's training rows". */
export const AUTO_CANDIDATE: Candidate = { name: 'auto', kind: 'logistic' };

/** A resolver for evaluateOnPlans: replaces AUTO_CANDIDATE by selectModel on the plan's train+valid rows. */
export function autoResolver(table: Table, balance: BalanceMode): (candidate: Candidate, plan: EvalPlan) => Promise<Candidate> {
  return async (candidate, plan) => {
    if (candidate !== AUTO_CANDIDATE) return candidate;
    return (await selectModel(table, learningRows(plan), { balance, seed: plan.seed, purchaseModels: false })).chosen;
  };
}
