import type { Table } from '../core/table.js';
import { buildLeaderboard, type Leaderboard } from '../evaluate/leaderboard.js';
import { PRESET_NAMES, resolveNetworkConfig } from '../model/presets.js';
import type { BalanceMode } from '../prep/split.js';
import { COMPARE_METRICS, runValues } from './compare-metrics.js';
import type { Candidate, EnsembleCandidate, SingleCandidate } from './fit.js';
import { kFoldPlans, learningRows, type EvalPlan } from './plans.js';
import { DEFAULT_CALIBRATION } from '../config.js';
import { takeLabels } from '../core/matrix.js';
import type { CalibrationMethod } from '../evaluate/calibration.js';
import { mean } from '../evaluate/stats.js';
import { DEFAULT_PURCHASE_HORIZON_DAYS, evaluatePurchaseModels, isPurchaseTable } from './purchase-models.js';
import { ensemblePlanScores, evaluateOnPlans, scoredRun, type CandidateRun } from './repeated.js';

export const AUTO_FOLDS = 5;
/** What auto selects by: ROC-AUC on the held-out folds (it does not depend on the class mix). */
export const AUTO_RANK_BY = 'naturalRocAuc';

/** The configurations `--model auto` chooses among: the seeds' presets and the baseline, each with and without derived features. */
export function autoCandidates(): SingleCandidate[] {
  const base: SingleCandidate[] = [
    ...PRESET_NAMES.map((name): SingleCandidate => ({ name, kind: 'network', preset: name, config: resolveNetworkConfig(name) })),
    { name: 'logistic', kind: 'logistic' },
  ];
  return base.flatMap((c) => [c, { ...c, name: `${c.name}+derived`, derived: true }]);
}

/** Ensembles auto also considers: the mean of its 2 and of its 3 best candidates that share a feature state. */
export const ENSEMBLE_SIZES = [2, 3] as const;

export interface AutoSelection {
  chosen: Candidate;
  /** The best single configuration (what auto chose before it considered ensembles). */
  single: SingleCandidate;
  leaderboard: Leaderboard;
  runs: CandidateRun[];
  /** The folds the candidates were compared on (their runs' `plan` indexes them). */
  plans: EvalPlan[];
}

export function ensembleOf(members: readonly SingleCandidate[]): EnsembleCandidate {
  return { name: `mean(${members.map((m) => m.name).join(', ')})`, kind: 'ensemble', members: [...members], derived: members[0]!.derived };
}

/**
 * The ensembles of the best-ranked candidates, scored on the same folds from the members' held-out
 * probabilities (no new fits): members share the leader's feature state, so the graph computes it once.
 */
function ensembleRuns(
  table: Table,
  plans: readonly EvalPlan[],
  runs: readonly CandidateRun[],
  ranked: readonly SingleCandidate[],
  method: CalibrationMethod,
): { candidates: EnsembleCandidate[]; runs: CandidateRun[] } {
  const pool = ranked.filter((c) => c.derived === ranked[0]!.derived);
  const candidates = ENSEMBLE_SIZES.filter((k) => pool.length >= k).map((k) => ensembleOf(pool.slice(0, k)));
  const truePositiveRate = table.target!.reduce((sum, v) => sum + v, 0) / table.nRows;
  const out: CandidateRun[] = [];
  for (const ensemble of candidates) {
    plans.forEach((plan, index) => {
      const members = ensemble.members.map((m) => runs.find((r) => r.plan === index && r.candidate === m.name)!);
      const validY = takeLabels(table.target!, plan.valid);
      const rates = { trainPositiveRate: plan.classWeights ? 0.5 : mean(takeLabels(table.target!, plan.train)), truePositiveRate };
      const scores = ensemblePlanScores(members.map((r) => r.scores!), validY, rates, method);
      const trainSeconds = members.reduce((sum, r) => sum + r.trainSeconds, 0);
      const epochs = members.reduce((sum, r) => sum + r.epochs, 0);
      out.push(scoredRun(table, plan, scores, rates, { candidate: ensemble.name, trained: ensemble.name, index, trainSeconds, epochs }));
    });
  }
  return { candidates, runs: out };
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
    candidates?: SingleCandidate[];
    onProgress?: (done: number, total: number, run: CandidateRun) => void;
    /** On a `features` customer table, BG/NBD's rows join the leaderboard (purchase-models.ts); false leaves them out. */
    purchaseModels?: false | { horizonDays?: number };
    /** Consider ensembles of the best candidates (default true); the members' calibration (default DEFAULT_CALIBRATION). */
    ensembles?: boolean;
    calibration?: CalibrationMethod;
    /** Keep each fold run's held-out probabilities (CandidateRun.scores). */
    keepScores?: boolean;
  },
): Promise<AutoSelection> {
  const singles = options.candidates ?? autoCandidates();
  const plans = kFoldPlans(table, { folds: AUTO_FOLDS, balance: options.balance, seed: options.seed, rows });
  const method = options.calibration ?? DEFAULT_CALIBRATION;
  const runs = await evaluateOnPlans(table, singles, plans, { onProgress: options.onProgress, keepScores: true });
  const ranked = rankCandidates(runs, singles);
  const candidates: Candidate[] = [...singles];
  if (options.ensembles !== false) {
    const ensembles = ensembleRuns(table, plans, runs, ranked, method);
    candidates.push(...ensembles.candidates);
    runs.push(...ensembles.runs);
  }
  if (!options.keepScores) for (const run of runs) delete run.scores;
  if (options.purchaseModels !== false && isPurchaseTable(table)) {
    const horizonDays = options.purchaseModels?.horizonDays ?? DEFAULT_PURCHASE_HORIZON_DAYS;
    runs.push(...(await evaluatePurchaseModels(table, plans, { horizonDays, classifiers: singles.filter((c) => !c.derived) })));
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
  return { chosen, single: ranked[0]!, leaderboard, runs, plans };
}

/** The single candidates by their mean held-out ROC-AUC, best first (the leaderboard's order). */
function rankCandidates(runs: readonly CandidateRun[], candidates: readonly SingleCandidate[]): SingleCandidate[] {
  const auc = (c: SingleCandidate) => mean(runs.filter((r) => r.candidate === c.name).map((r) => runValues(r)[AUTO_RANK_BY]!));
  return [...candidates].sort((a, b) => auc(b) - auc(a));
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
