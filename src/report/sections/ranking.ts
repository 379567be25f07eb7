/** Section 4: ROC and precision–recall curves, network and baseline, the operating point marked. */
import type { ReportData } from '../analysis.js';
import { COLORS, PAIR_WIDTH, lineChart, type LineSeries, type Point } from '../charts.js';
import { p, pair, section, table } from '../markup.js';
import { escapeHtml } from '../svg.js';
import { count, fixed, percent } from '../words.js';
import type { MetricSet } from '../../evaluate/metrics.js';
import { metricInfo, metricTitle } from '../../evaluate/metric-labels.js';

const asPercent = (v: number): string => `${Math.round(v * 100)} %`;

function zip(xs: readonly number[], ys: readonly number[]): Point[] {
  return xs.map((x, i) => [x, ys[i]!]);
}

function metricsTable(data: ReportData): string {
  const models = [data.network, ...(data.baseline ? [data.baseline] : [])];
  const row = (label: string, get: (m: MetricSet) => string): string[] => [escapeHtml(label), ...models.map((m) => get(m.metrics))];
  return table({
    head: ['On the natural class mix', ...models.map((m) => m.name)],
    numeric: models.map((_, i) => i + 1),
    rows: (['rocAuc', 'prAuc', 'balancedAccuracy', 'precision', 'recall', 'f1', 'loss', 'brier'] as const).map((key) => {
      const { note, shownAs } = metricInfo(key);
      const label = key === 'balancedAccuracy' ? `${metricTitle(key)} at ${fixed(data.operating.threshold)}` : `${metricTitle(key)} (${note})`;
      return row(label, (m) => (shownAs === 'percent' ? percent(m[key]) : fixed(m[key])));
    }),
  });
}

export function rankingSection(data: ReportData): string {
  const { network, baseline, operating } = data;
  const threshold = fixed(operating.threshold);
  const rocSeries: LineSeries[] = [{ name: `network (AUC ${fixed(network.metrics.rocAuc)})`, points: zip(network.roc.fpr, network.roc.tpr), color: COLORS.network }];
  if (baseline) rocSeries.push({ name: `baseline (AUC ${fixed(baseline.metrics.rocAuc)})`, points: zip(baseline.roc.fpr, baseline.roc.tpr), color: COLORS.baseline });
  rocSeries.push({ name: 'chance', points: [[0, 0], [1, 1]], color: COLORS.reference, dashed: true });
  const roc = lineChart({
    title: 'ROC curve',
    width: PAIR_WIDTH,
    x: { label: 'Non-buyers contacted (false positive rate)', min: 0, max: 1, format: asPercent },
    y: { label: 'Buyers reached (true positive rate)', min: 0, max: 1, format: asPercent },
    series: network.roc.fpr.length ? rocSeries : [],
    markers: [{ name: `threshold ${threshold}`, x: operating.fpr, y: operating.tpr }],
    caption:
      'Each point is one threshold: how many buyers it reaches against how many non-buyers it contacts. A curve closer to the top-left corner ranks better; the diagonal is random choice. The red dot is the chosen threshold.',
    emptyNote: 'The test customers must include both buyers and non-buyers.',
  });

  const baseRate = data.n === 0 ? Number.NaN : data.positives / data.n;
  const prSeries: LineSeries[] = [{ name: `network (AP ${fixed(network.metrics.prAuc)})`, points: zip(network.pr.recall, network.pr.precision), color: COLORS.network }];
  if (baseline) prSeries.push({ name: `baseline (AP ${fixed(baseline.metrics.prAuc)})`, points: zip(baseline.pr.recall, baseline.pr.precision), color: COLORS.baseline });
  prSeries.push({ name: `random (${percent(baseRate)} buyers)`, points: [[0, baseRate], [1, baseRate]], color: COLORS.reference, dashed: true });
  const pr = lineChart({
    title: 'Precision–recall curve',
    width: PAIR_WIDTH,
    x: { label: 'Buyers reached (recall)', min: 0, max: 1, format: asPercent },
    y: { label: 'Buyers among the contacted (precision)', min: 0, max: 1, format: asPercent },
    series: network.pr.recall.length ? prSeries : [],
    markers: [{ name: `threshold ${threshold}`, x: operating.tpr, y: operating.precision }],
    caption:
      'Moving right, the threshold falls: more buyers are reached, but a smaller share of the contacted buy. Higher is better; the dashed line is what random contacts achieve. The red dot is the chosen threshold.',
    emptyNote: 'The test customers include no buyers.',
  });

  const intro =
    `Measured on ${count(data.n)} test customers in their natural mix (${percent(baseRate)} buyers), never used for training. ` +
    'The ROC curve shows how well the model ranks buyers above non-buyers; the precision–recall curve shows how pure the contact list stays as it grows.';
  return section({ id: 'ranking', title: 'Ranking quality', body: p(escapeHtml(intro)) + pair(roc, pr) + metricsTable(data) });
}
