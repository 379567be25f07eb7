import type { MetricSet } from '../evaluate/metrics.js';
import { METRIC_TABLE_KEYS, metricInfo } from '../evaluate/metric-labels.js';
import { fixed, percent } from '../core/format.js';
import type { ModelSummary } from '../bundle/manifest.js';
import type { EpochRecord } from '../model/network.js';

const METRIC_ROWS: [label: string, pick: (m: MetricSet) => number, percent: boolean][] = METRIC_TABLE_KEYS.map((key) => {
  const { name, shownAs } = metricInfo(key);
  return [name, (m) => m[key], shownAs === 'percent'];
});

function cell(value: number, asPercent: boolean): string {
  return asPercent ? percent(value) : fixed(value);
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

/** A readable table: one row per metric, one column per (model, test part). */
export function formatMetricsTable(columns: { title: string; metrics: MetricSet | null }[]): string {
  const shown = columns.filter((c): c is { title: string; metrics: MetricSet } => c.metrics !== null);
  const labelWidth = Math.max(...METRIC_ROWS.map(([l]) => l.length), 'customers (buyers)'.length);
  const widths = shown.map((c) => Math.max(c.title.length, 12));
  const line = (label: string, cells: string[]): string =>
    `  ${pad(label, labelWidth)}  ${cells.map((c, i) => pad(c, widths[i]!, true)).join('  ')}`;
  const rows = [
    line('', shown.map((c) => c.title)),
    line('customers (buyers)', shown.map((c) => `${c.metrics.n} (${c.metrics.positives})`)),
    ...METRIC_ROWS.map(([label, pick, percent]) => line(label, shown.map((c) => cell(pick(c.metrics), percent)))),
  ];
  return rows.join('\n');
}

export function formatConfusion(m: MetricSet, title: string): string {
  const [[tn, fp], [fn, tp]] = m.confusion;
  const w = Math.max(...[tn, fp, fn, tp].map((v) => String(v).length), 9);
  return [
    `  ${title}: confusion matrix`,
    `                      ${'predicted no'.padStart(w + 3)}  ${'predicted yes'.padStart(w + 3)}`,
    `    did not buy again ${String(tn).padStart(w + 3)}  ${String(fp).padStart(w + 3)}`,
    `    bought again      ${String(fn).padStart(w + 3)}  ${String(tp).padStart(w + 3)}`,
  ].join('\n');
}

export function formatEpoch(r: EpochRecord, maxEpochs: number): string {
  const width = String(maxEpochs).length;
  return (
    `  epoch ${String(r.epoch).padStart(width)}/${maxEpochs}  loss ${r.loss.toFixed(4)}  acc ${(r.accuracy * 100).toFixed(1)} %` +
    `  val_loss ${r.valLoss.toFixed(4)}  val_acc ${(r.valAccuracy * 100).toFixed(1)} %`
  );
}

export function describeModel(s: ModelSummary): string {
  const derived = s.derived ? ' with derived features' : '';
  if (s.kind === 'ensemble') return `ensemble: the mean of ${(s.members ?? []).map((m) => m.name).join(', ')}`;
  if (s.kind === 'logistic' || !s.config) return `logistic regression${derived}`;
  const layers = s.config.hidden.length ? s.config.hidden.join('×') : 'no hidden layers';
  return `network ${s.preset ? `preset ${s.preset}: ` : ''}${layers} ${s.config.activation}, ${s.config.output} output${derived}`;
}
