/** Section 9: the leaderboard over repeated splits: mean and interval per metric, and the test against the leader. */
import type { Leaderboard } from '../../evaluate/leaderboard.js';
import { COLORS, intervalChart } from '../charts.js';
import { p, section, table } from '../markup.js';
import { escapeHtml } from '../svg.js';
import { fixed, metricLabel, plural, pValue, signed } from '../words.js';

function interval(i: { mean: number; lower: number; upper: number } | undefined): string {
  if (!i) return '—';
  return `${fixed(i.mean)}<br><span class="interval">[${fixed(i.lower)}, ${fixed(i.upper)}]</span>`;
}

export function leaderboardSection(board: Leaderboard): string {
  const keys = [...new Set(board.rows.flatMap((r) => Object.keys(r.metrics)))];
  const ordered = [board.rankBy, ...keys.filter((k) => k !== board.rankBy)];
  const rows = board.rows.map((r, rank) => [
    String(rank + 1),
    escapeHtml(r.candidate),
    ...ordered.map((k) => interval(r.metrics[k])),
    r.vsLeader ? `${signed(r.vsLeader.meanDifference)}<br><span class="interval">[${fixed(r.vsLeader.lower)}, ${fixed(r.vsLeader.upper)}]</span>` : 'leader',
    r.vsLeader ? pValue(r.vsLeader.pValue) : '—',
    r.vsLeader ? (r.vsLeader.significant ? '<strong>yes</strong>' : 'no') : '—',
    `${r.medianTrainSeconds.toFixed(1)} s`,
  ]);
  const head = ['#', 'Candidate', ...ordered.map(metricLabel), 'vs leader', 'p-value', 'Significantly worse?', 'Train time'];
  const chart = intervalChart({
    title: `${metricLabel(board.rankBy)} over ${plural(board.plans, 'split')}`,
    x: { label: `${metricLabel(board.rankBy)} (mean and 95 % interval)` },
    items: board.rows.map((r) => ({
      label: r.candidate,
      value: r.metrics[board.rankBy]?.mean ?? Number.NaN,
      lower: r.metrics[board.rankBy]?.lower,
      upper: r.metrics[board.rankBy]?.upper,
    })),
    bars: false,
    valueName: 'mean',
    intervalName: '95 % interval',
    color: COLORS.network,
    caption: 'Each candidate was trained and tested on the same splits. Overlapping intervals suggest the difference may be chance; the table gives the paired test against the leader.',
    emptyNote: 'The leaderboard has no rows.',
  });
  const correction = board.testTrainRatio > 0 ? ' The test corrects for the splits sharing training customers (Nadeau and Bengio).' : '';
  const words =
    `${plural(board.rows.length, 'candidate')} compared over ${plural(board.plans, 'repeated split')}, ranked by ${metricLabel(board.rankBy)}. ` +
    `Each cell gives the mean with its 95 % interval in brackets; "vs leader" is the mean paired difference on the ranking metric.${correction}`;
  return section({
    id: 'leaderboard',
    title: 'Leaderboard',
    body: p(escapeHtml(words)) + chart + table({ head, rows, numeric: [0, ...ordered.map((_, i) => i + 2), ordered.length + 2, ordered.length + 3, ordered.length + 5] }),
  });
}
