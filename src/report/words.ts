/** Numbers and phrases as the report's reader sees them. Non-finite numbers print as "—". */
import { moneyFromObjective } from './analysis.js';
import { count, DASH, money, percent } from '../core/format.js';

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

/** The manifest's threshold objective ("f1", "topK:500", "profit:cost=2,value=30", or free text) in words. */
export function objectiveInWords(objective: string): string {
  const [kind, rest] = [objective.split(':')[0]!, objective.slice(objective.indexOf(':') + 1)];
  switch (kind) {
    case 'f1':
      return 'the threshold with the best F1 score, a balance between finding buyers and not wasting contacts';
    case 'accuracy':
      return 'the threshold with the most correct yes/no predictions';
    case 'topK':
      return `a budget: contact the ${count(Number(rest))} highest-scored customers`;
    case 'topFraction':
      return `a budget: contact the top ${percent(Number(rest), 0)} of customers`;
    case 'profit': {
      const settings = moneyFromObjective(objective);
      return settings
        ? `the highest profit, with a contact cost of ${money(settings.contactCost)} and a value of ${money(settings.valuePerReturn)} per returning customer`
        : 'the highest profit';
    }
    default:
      return `the rule “${objective}”`;
  }
}
