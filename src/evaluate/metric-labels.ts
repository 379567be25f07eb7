/**
 * What each metric is called, wherever it is shown: the CLI's tables, the report and the web page
 * (which loads this module as is, so it imports nothing).
 */

export type MetricKey =
  | 'rocAuc'
  | 'prAuc'
  | 'accuracy'
  | 'balancedAccuracy'
  | 'precision'
  | 'recall'
  | 'f1'
  | 'loss'
  | 'brier'
  | 'ece'
  | 'profit';

export interface MetricLabel {
  key: MetricKey;
  /** As it reads inside a sentence: "balanced accuracy", "ROC-AUC". */
  name: string;
  /** What it measures, for a reader who does not know the name. */
  note: string;
  /** Shares read as percentages; scores and losses as decimals. */
  shownAs: 'percent' | 'decimal';
}

/** In the order tables list them. */
export const METRIC_LABELS: readonly MetricLabel[] = [
  { key: 'accuracy', name: 'accuracy', note: 'right yes/no predictions', shownAs: 'percent' },
  { key: 'balancedAccuracy', name: 'balanced accuracy', note: 'mean of the rates found in each class', shownAs: 'percent' },
  { key: 'precision', name: 'precision', note: 'buyers among the contacted', shownAs: 'percent' },
  { key: 'recall', name: 'recall', note: 'buyers reached', shownAs: 'percent' },
  { key: 'f1', name: 'F1', note: 'balance of precision and recall', shownAs: 'decimal' },
  { key: 'rocAuc', name: 'ROC-AUC', note: 'ranking; 0.5 = chance', shownAs: 'decimal' },
  { key: 'prAuc', name: 'PR-AUC', note: 'average precision', shownAs: 'decimal' },
  { key: 'brier', name: 'Brier score', note: 'lower is better', shownAs: 'decimal' },
  { key: 'loss', name: 'log loss', note: 'lower is better', shownAs: 'decimal' },
  { key: 'ece', name: 'calibration error', note: 'lower is better', shownAs: 'decimal' },
  { key: 'profit', name: 'profit', note: 'value of returns minus cost of contacts', shownAs: 'decimal' },
];

const BY_KEY = new Map<string, MetricLabel>(METRIC_LABELS.map((m) => [m.key, m]));

/** Model comparison measures some metrics on the natural class mix only, keyed e.g. "naturalRocAuc". */
const NATURAL = /^natural([A-Z])(\w*)$/;

/** The label of a metric key ("naturalRocAuc" reads "ROC-AUC (natural)"); an unknown key is shown as it is. */
export function metricName(key: string): string {
  const known = BY_KEY.get(key);
  if (known) return known.name;
  const natural = NATURAL.exec(key);
  const innerKey = natural ? `${natural[1]!.toLowerCase()}${natural[2]}` : '';
  const inner = BY_KEY.get(innerKey === 'logLoss' ? 'loss' : innerKey);
  return inner ? `${inner.name} (natural)` : key;
}

/** The label at the start of a line or as a heading: "Balanced accuracy", "ROC-AUC". */
export function metricTitle(key: string): string {
  const name = metricName(key);
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** The metrics a table of one MetricSet shows, in order. */
export const METRIC_TABLE_KEYS = ['accuracy', 'balancedAccuracy', 'precision', 'recall', 'f1', 'rocAuc', 'prAuc', 'brier', 'loss'] as const satisfies readonly MetricKey[];

export function metricInfo(key: MetricKey): MetricLabel {
  return BY_KEY.get(key)!;
}
