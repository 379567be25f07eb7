import { readTable } from '../data/read.js';
import { usageError } from '../errors.js';
import { buildLeaderboard, type Leaderboard, type MetricSpec, type PlanResult } from '../evaluate/leaderboard.js';
import { PRESET_NAMES, resolveNetworkConfig } from '../model/presets.js';
import type { NetworkConfig } from '../model/network.js';
import type { BalanceMode, SplitRatios } from '../prep/split.js';
import type { Candidate } from '../train/fit.js';
import { kFoldPlans, randomSplitPlans, type EvalPlan } from '../train/plans.js';
import { defaultBalance } from '../train/dataset.js';
import { evaluateOnPlans, type CandidateRun } from '../train/repeated.js';
import { COMPARE_METRICS, DEFAULT_RANK_BY, runValues } from '../train/compare-metrics.js';
import { COMPARE_REPEATS } from '../config.js';
import { DEFAULT_PURCHASE_HORIZON_DAYS, evaluatePurchaseModels, isPurchaseTable } from '../train/purchase-models.js';


export interface CompareOptions {
  data: string;
  target?: string;
  /** The target's value that means 1 (see ReadOptions). */
  positive?: string;
  id?: string;
  /** k-fold when set; otherwise `repeats` random splits. */
  folds?: number;
  repeats?: number;
  /** Default: the table's (see defaultBalance). */
  balance?: BalanceMode;
  split: SplitRatios;
  seed: number;
  presets?: string[];
  /** Further network configurations (hidden widths etc.) beside the presets. */
  networks?: Partial<NetworkConfig>[];
  baseline?: boolean;
  rankBy?: string;
  /** On a `features` customer table: the target's horizon in days, over which BG/NBD predicts (default: the `features` default). */
  purchaseHorizonDays?: number;
  onProgress?: (done: number, total: number, run: CandidateRun) => void;
}

export interface CompareResult {
  protocol: string;
  leaderboard: Leaderboard;
  runs: CandidateRun[];
}

export function defaultCandidates(options: Pick<CompareOptions, 'presets' | 'networks' | 'baseline'>): Candidate[] {
  const presets = options.presets ?? PRESET_NAMES;
  const candidates: Candidate[] = presets.map((name) => ({ name, kind: 'network', preset: name, config: resolveNetworkConfig(name) }));
  for (const overrides of options.networks ?? []) {
    const config = resolveNetworkConfig(undefined, overrides);
    candidates.push({ name: `net ${config.hidden.join('x') || 'linear'}`, kind: 'network', preset: null, config });
  }
  if (options.baseline !== false) candidates.push({ name: 'logistic', kind: 'logistic' });
  if (candidates.length === 0) throw usageError('nothing to compare: give presets, networks or keep the baseline');
  return candidates;
}

function testTrainRatio(plans: readonly EvalPlan[]): number {
  const plan = plans[0]!;
  return plan.naturalTest.length / (plan.train.length + plan.valid.length);
}

/** The candidates on the same folds or splits (paired), ranked, with intervals and significance against the leader. */
export async function compareModels(options: CompareOptions): Promise<CompareResult> {
  const table = await readTable(options.data, { target: options.target, id: options.id, positive: options.positive });
  const candidates = defaultCandidates(options);
  const balance = options.balance ?? defaultBalance(table.schema);
  const plans = options.folds
    ? kFoldPlans(table, { folds: options.folds, balance, seed: options.seed })
    : randomSplitPlans(table, { repeats: options.repeats ?? COMPARE_REPEATS, balance, split: options.split, seed: options.seed });
  const runs = await evaluateOnPlans(table, candidates, plans, { onProgress: options.onProgress });
  if (isPurchaseTable(table)) {
    const horizonDays = options.purchaseHorizonDays ?? DEFAULT_PURCHASE_HORIZON_DAYS;
    runs.push(...(await evaluatePurchaseModels(table, plans, { horizonDays, classifiers: candidates })));
  }
  const results: PlanResult[] = runs.map((r) => ({ candidate: r.candidate, plan: r.plan, values: runValues(r), trainSeconds: r.trainSeconds }));
  const rankBy = options.rankBy ?? DEFAULT_RANK_BY;
  if (!COMPARE_METRICS.some((m) => m.key === rankBy)) {
    throw usageError(`\`rankBy\` must be one of ${COMPARE_METRICS.map((m) => m.key).join(', ')}; got ${JSON.stringify(rankBy)}`);
  }
  const protocol = options.folds
    ? `${options.folds}-fold stratified cross-validation (balance: ${balance}, seed ${options.seed})`
    : `${options.repeats ?? COMPARE_REPEATS} random stratified splits ${options.split.join('/')} (balance: ${balance}, seeds ${options.seed}…)`;
  return { protocol, leaderboard: buildLeaderboard(results, COMPARE_METRICS, rankBy, testTrainRatio(plans)), runs };
}
