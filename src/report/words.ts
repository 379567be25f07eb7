/** Numbers and phrases as the report's reader sees them. Non-finite numbers print as "—". */

export const DASH = '—';

export function count(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : DASH;
}

/** 0.1588 -> "15.9 %". */
export function percent(share: number, digits = 1): string {
  return Number.isFinite(share) ? `${(share * 100).toFixed(digits)} %` : DASH;
}

export function fixed(v: number, digits = 3): string {
  return Number.isFinite(v) ? v.toFixed(digits).replace('-', '−') : DASH;
}

/** Money in the user's own units: "1,234" or "−56.50" (2 decimals below 100). */
export function money(v: number): string {
  if (!Number.isFinite(v)) return DASH;
  const abs = Math.abs(v);
  const digits = abs < 100 && !Number.isInteger(v) ? 2 : 0;
  const body = abs.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return v < 0 ? `−${body}` : body;
}

/** A signed difference: "+0.012", "−0.004". */
export function signed(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return DASH;
  return `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(digits)}`;
}

/** A p-value: "< 0.001" or "0.034". */
export function pValue(p: number): string {
  if (!Number.isFinite(p)) return DASH;
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${Math.round(n) === 1 ? one : many}`;
}

/** A ROC-AUC in words. */
export function aucVerdict(auc: number): string {
  if (!Number.isFinite(auc)) return 'cannot be measured';
  if (auc >= 0.9) return 'very good';
  if (auc >= 0.8) return 'good';
  if (auc >= 0.7) return 'fair';
  if (auc >= 0.6) return 'weak';
  return 'barely better than chance';
}

const METRIC_LABELS: Record<string, string> = {
  rocAuc: 'ROC-AUC',
  prAuc: 'PR-AUC',
  accuracy: 'Accuracy',
  balancedAccuracy: 'Balanced accuracy',
  precision: 'Precision',
  recall: 'Recall',
  f1: 'F1',
  loss: 'Log loss',
  brier: 'Brier score',
  ece: 'Calibration error',
  profit: 'Profit',
};

export function metricLabel(key: string): string {
  return METRIC_LABELS[key] ?? key;
}
