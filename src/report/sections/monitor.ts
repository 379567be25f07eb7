/** Monitoring over time: each recorded run's list, what drifted, and the performance expected without labels. */
import type { RecordedRun } from '../../monitor/history.js';
import { COLORS, lineChart } from '../charts.js';
import { callout, p, section, table } from '../markup.js';
import { escapeHtml } from '../svg.js';
import { count, fixed, percent } from '../words.js';

function expectedPoints(runs: readonly RecordedRun[], pick: (r: RecordedRun) => number | null): [number, number][] {
  return runs.map((r, i) => [i + 1, pick(r) ?? Number.NaN]);
}

export function monitorSection(runs: readonly RecordedRun[]): string {
  if (runs.length === 0) return section({ id: 'monitor', title: 'Monitoring', body: p(escapeHtml('No monitoring runs are recorded yet: run `rebuy monitor --model … --data LIST --history DIR`.')) });
  const alerts = runs.filter((r) => r.alert.alert).length;
  const chart = lineChart({
    title: 'Expected performance of each monitored list',
    x: { label: 'Monitoring run (oldest first)', min: 1, max: Math.max(2, runs.length), format: (v) => (Number.isInteger(v) ? String(v) : ''), tight: true },
    y: { label: 'Estimated without labels', min: 0, max: 1, format: (v) => fixed(v, 2) },
    series: [
      { name: 'expected ROC-AUC', points: expectedPoints(runs, (r) => r.estimate.expected.rocAuc), color: COLORS.network, dots: true },
      { name: 'expected accuracy', points: expectedPoints(runs, (r) => r.estimate.expected.accuracy), color: COLORS.baseline, dots: true },
    ],
    markers: runs.flatMap((r, i) => (r.alert.alert ? [{ name: `alert in run ${i + 1}`, x: i + 1, label: 'alert' }] : [])),
    caption: 'ROC-AUC and accuracy at the threshold as the calibrated probabilities let one expect them on each list, before its labels arrive (confidence-based performance estimation). Red rules mark runs that alerted.',
    emptyNote: 'No run had scores to estimate from.',
  });
  const rows = runs.map((r, i) => [
    String(i + 1),
    escapeHtml(r.at.slice(0, 16).replace('T', ' ')),
    escapeHtml(r.data.file),
    count(r.data.rows),
    escapeHtml(r.alert.flagged.join(', ') || '—'),
    r.alert.scoresDrifted ? 'yes' : 'no',
    percent(r.estimate.expected.accuracy ?? Number.NaN),
    fixed(r.estimate.expected.rocAuc ?? Number.NaN, 3),
    r.estimate.realized ? fixed(r.estimate.realized.rocAuc ?? Number.NaN, 3) : '—',
    r.alert.alert ? 'alert' : '',
  ]);
  const body = [
    alerts > 0
      ? callout('warning', escapeHtml(`${alerts} of ${runs.length} monitored lists alerted: their customers differ from the training data enough that the model's figures may not hold.`))
      : p(escapeHtml(`None of the ${runs.length} monitored lists alerted.`)),
    chart,
    table({ head: ['Run', 'When (UTC)', 'List', 'Customers', 'Drifted features', 'Scores drifted', 'Expected accuracy', 'Expected ROC-AUC', 'Measured ROC-AUC', ''], rows }),
  ].join('\n');
  return section({ id: 'monitor', title: 'Monitoring', body });
}
