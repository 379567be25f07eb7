import { compareModels, type CompareResult } from '../app/compare.js';
import { COMPARE_METRICS } from '../train/compare-metrics.js';
import { parseSplit, type BalanceMode } from '../prep/split.js';
import type { Interval } from '../evaluate/stats.js';
import { metricName } from '../evaluate/metric-labels.js';
import { fixed } from '../core/format.js';
import { parseHorizon } from '../purchases/customer-table.js';

export interface CompareFlags {
  data: string;
  target?: string;
  positive?: string;
  id?: string;
  folds?: number;
  repeats?: number;
  presets?: string;
  hidden?: number[][];
  baseline: boolean;
  balance?: BalanceMode;
  split: string;
  seed: number;
  rankBy?: string;
  horizon?: string;
  json?: boolean;
}

function interval(i: Interval, percent: boolean): string {
  const f = (v: number): string => (percent ? `${(v * 100).toFixed(1)}` : v.toFixed(3));
  return `${f(i.mean)} [${f(i.lower)}, ${f(i.upper)}]`;
}

export function formatLeaderboard(result: CompareResult): string {
  const { leaderboard } = result;
  const percent = (key: string): boolean => key === 'balancedAccuracy';
  const header = ['model', ...COMPARE_METRICS.map((m) => m.label + (percent(m.key) ? ' %' : '')), 'vs leader', 'train s'];
  const rows = leaderboard.rows.map((row) => [
    row.candidate,
    ...COMPARE_METRICS.map((m) => interval(row.metrics[m.key]!, percent(m.key))),
    row.vsLeader
      ? `${row.vsLeader.meanDifference >= 0 ? '+' : ''}${row.vsLeader.meanDifference.toFixed(3)} p=${row.vsLeader.pValue.toFixed(3)}${row.vsLeader.significant ? ' *' : ''}`
      : 'leader',
    row.medianTrainSeconds.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `  ${cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`;
  return [
    `Leaderboard: ${result.protocol}`,
    `ranked by ${COMPARE_METRICS.find((m) => m.key === leaderboard.rankBy)!.label}; mean [95 % interval] over ${leaderboard.plans} ${leaderboard.plans === 1 ? 'run' : 'runs'}`,
    '',
    line(header),
    ...rows.map(line),
    '',
    `vs leader: mean difference in ${COMPARE_METRICS.find((m) => m.key === leaderboard.rankBy)!.label} and its p-value (paired over the same rows,`,
    `Nadeau–Bengio corrected for overlapping training sets); * = the leader is significantly better at the 5 % level.`,
    '',
  ].join('\n');
}

export async function runCompare(flags: CompareFlags): Promise<void> {
  const result = await compareModels({
    data: flags.data,
    target: flags.target,
    positive: flags.positive,
    id: flags.id,
    folds: flags.folds,
    repeats: flags.repeats,
    balance: flags.balance,
    split: parseSplit(flags.split),
    seed: flags.seed,
    presets: flags.presets === undefined ? undefined : flags.presets === '' ? [] : flags.presets.split(','),
    networks: flags.hidden?.map((hidden) => ({ hidden })),
    baseline: flags.baseline,
    rankBy: flags.rankBy,
    ...(flags.horizon !== undefined && { purchaseHorizonDays: parseHorizon(flags.horizon) }),
    onProgress: flags.json
      ? undefined
      : (done, total, run) => process.stderr.write(`  [${done}/${total}] ${run.candidate} on run ${run.plan + 1}: ${metricName('rocAuc')} ${fixed(run.naturalTest.rocAuc)}\n`),
  });
  process.stdout.write(flags.json ? `${JSON.stringify({ protocol: result.protocol, leaderboard: result.leaderboard }, null, 2)}\n` : formatLeaderboard(result));
}
