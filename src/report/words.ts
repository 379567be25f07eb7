/** Numbers and phrases as the report's reader sees them. Non-finite numbers print as "—". */

import { count, DASH } from '../core/format.js';
export { DASH, count, fixed, money, percent } from '../core/format.js';
/** A metric's label as a heading or table header. */
export { metricTitle as metricLabel } from '../evaluate/metric-labels.js';

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
