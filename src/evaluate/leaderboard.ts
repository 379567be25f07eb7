import { mean, meanInterval, median, sd, tCdf, tQuantile, type Interval } from './stats.js';

/** One candidate's result on one plan (split or fold): metric name → value. */
export interface PlanResult {
  candidate: string;
  plan: number;
  values: Record<string, number>;
  trainSeconds: number;
}

export interface MetricSpec {
  key: string;
  label: string;
  higherIsBetter: boolean;
}

export interface Comparison {
  /** Mean of (this − leader) over the plans. */
  meanDifference: number;
  lower: number;
  upper: number;
  pValue: number;
  /** The leader is better at the 5 % level. */
  significant: boolean;
}

export interface LeaderboardRow {
  candidate: string;
  metrics: Record<string, Interval>;
  /** Against the leader on the ranking metric; null for the leader itself. */
  vsLeader: Comparison | null;
  medianTrainSeconds: number;
}

export interface Leaderboard {
  rankBy: string;
  plans: number;
  /** Nadeau & Bengio's correction for overlapping training sets (n_test / n_train), 0 when not applied. */
  testTrainRatio: number;
  rows: LeaderboardRow[];
}

/**
 * Paired comparison over resampled plans with Nadeau & Bengio's corrected variance
 * (1/J + n_test/n_train)·s², since the plans share training rows. With ratio 0 it is the plain paired t-test.
 */
export function correctedPairedComparison(a: readonly number[], b: readonly number[], testTrainRatio: number, level = 0.95): Comparison {
  const diff = a.map((v, i) => v - b[i]!);
  const j = diff.length;
  const m = mean(diff);
  const s = sd(diff);
  const se = Math.sqrt((1 / j + testTrainRatio) * s * s);
  const df = j - 1;
  const t = se === 0 ? (m === 0 ? 0 : Math.sign(m) * Infinity) : m / se;
  const half = j < 2 ? Number.NaN : tQuantile(0.5 + level / 2, df) * se;
  const pValue = j < 2 ? Number.NaN : Math.min(1, 2 * (1 - tCdf(Math.abs(t), df)));
  return { meanDifference: m, lower: m - half, upper: m + half, pValue, significant: pValue < 1 - level };
}

/** Ranks candidates by the mean of one metric; every metric gets a 95 % interval; each row is tested against the leader. */
export function buildLeaderboard(
  results: readonly PlanResult[],
  metrics: readonly MetricSpec[],
  rankBy: string,
  testTrainRatio = 0,
): Leaderboard {
  const spec = metrics.find((m) => m.key === rankBy);
  if (!spec) throw new Error(`unknown ranking metric ${rankBy}`);
  const names = [...new Set(results.map((r) => r.candidate))];
  const valuesOf = (name: string, key: string): number[] =>
    results.filter((r) => r.candidate === name).sort((x, y) => x.plan - y.plan).map((r) => r.values[key]!);
  const score = (name: string): number => mean(valuesOf(name, rankBy)) * (spec.higherIsBetter ? 1 : -1);
  const ranked = [...names].sort((x, y) => score(y) - score(x));
  const leader = ranked[0];
  const rows = ranked.map((name): LeaderboardRow => {
    const cmp =
      name === leader
        ? null
        : correctedPairedComparison(valuesOf(name, rankBy), valuesOf(leader!, rankBy), testTrainRatio);
    return {
      candidate: name,
      metrics: Object.fromEntries(metrics.map((m) => [m.key, meanInterval(valuesOf(name, m.key))])),
      vsLeader: cmp,
      medianTrainSeconds: median(results.filter((r) => r.candidate === name).map((r) => r.trainSeconds)),
    };
  });
  return { rankBy, plans: new Set(results.map((r) => r.plan)).size, testTrainRatio, rows };
}
