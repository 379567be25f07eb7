/**
 * Expected profit of a contact list, from calibrated probabilities and no labels: contacting the k
 * most likely customers earns Σ_{i<k} (p_i · valuePerReturn − contactCost). The web page loads this
 * module as is (so it imports only dependency-free modules), and computes its figures with it.
 */
import { csvField, csvLine, spreadsheetSafe } from '../core/csv.js';

/** A scored row as ranked for a contact list. */
export interface RankedRow {
  id: string;
  probability: number | null;
  /** The server's rank: 1 = most likely, ties in file order. */
  rank: number;
}

/** Most likely first; rows without a probability last; ties keep the server's rank. */
export function byLikelihood(a: Pick<RankedRow, 'probability' | 'rank'>, b: Pick<RankedRow, 'probability' | 'rank'>): number {
  return (b.probability ?? -1) - (a.probability ?? -1) || a.rank - b.rank;
}

/** The expected profit of contacting one customer. */
export function expectedGain(probability: number, contactCost: number, valuePerReturn: number): number {
  return probability * valuePerReturn - contactCost;
}

/** Cumulative expected profit over probabilities sorted most likely first: curve[k] for k = 0..n. */
export function expectedProfitCurve(sortedDesc: ArrayLike<number>, contactCost: number, valuePerReturn: number): Float64Array {
  const curve = new Float64Array(sortedDesc.length + 1);
  for (let i = 0; i < sortedDesc.length; i++) curve[i + 1] = curve[i]! + expectedGain(sortedDesc[i]!, contactCost, valuePerReturn);
  return curve;
}

export interface BestBudget {
  /** How many of the most likely customers to contact. */
  k: number;
  profit: number;
}

/** The budget with the highest expected profit; the smallest such k (a gain of exactly 0 is not worth a contact). */
export function bestBudget(curve: ArrayLike<number>): BestBudget {
  let k = 0;
  for (let i = 1; i < curve.length; i++) if (curve[i]! > curve[k]!) k = i;
  return { k, profit: curve[k] ?? 0 };
}

/** Expected number of returns among the k most likely: Σ_{i<k} p_i. */
export function expectedReturns(sortedDesc: ArrayLike<number>, k: number): number {
  let sum = 0;
  for (let i = 0; i < Math.min(k, sortedDesc.length); i++) sum += sortedDesc[i]!;
  return sum;
}

/** How many customers a budget means: a count, or a percentage 0..100 of n; never more than n. */
export function budgetCount(mode: 'count' | 'percent', amount: number, n: number): number {
  if (!Number.isFinite(amount) || amount <= 0) return 0;
  const k = mode === 'percent' ? Math.round((Math.min(amount, 100) / 100) * n) : Math.floor(amount);
  return Math.min(k, n);
}

/**
 * The contact list as CSV (CRLF, for spreadsheets), most likely first, with each customer's
 * expected profit; IDs a spreadsheet would run as formulas are defused.
 */
export function contactListCsv(chosen: readonly RankedRow[], contactCost: number, valuePerReturn: number): string {
  const lines = [csvLine(['position', 'id', 'probability', 'expected_profit'])];
  chosen.forEach((row, i) => {
    const p = row.probability ?? 0;
    lines.push(csvLine([String(i + 1), csvField(spreadsheetSafe(row.id)), p.toFixed(6), expectedGain(p, contactCost, valuePerReturn).toFixed(2)]));
  });
  return `${lines.join('\r\n')}\r\n`;
}

/** How a saved decision picks whom to contact: a budget, or a threshold on the probability. */
export interface SavedDecision {
  kind: string;
  /** For a budget of the top k customers. */
  k?: number;
  /** For a budget of the top share of customers, 0..1. */
  fraction?: number;
}

/**
 * How many of a list's most likely customers a saved decision contacts: its budget when it is one,
 * otherwise every customer at or above its threshold (probabilities sorted most likely first).
 */
export function decisionBudget(decision: SavedDecision, threshold: number, sortedDesc: ArrayLike<number>): number {
  const n = sortedDesc.length;
  if (decision.kind === 'topK' && decision.k !== undefined) return Math.min(decision.k, n);
  if (decision.kind === 'topFraction' && decision.fraction !== undefined) return budgetCount('percent', decision.fraction * 100, n);
  let k = 0;
  while (k < n && sortedDesc[k]! >= threshold) k++;
  return k;
}

/** A contact-list row with what the export adds to the upload's own columns. */
export interface ExportRow extends RankedRow {
  /** The upload's own cells for this customer, in its header's order; null when they are unknown. */
  cells: readonly string[] | null;
  reasons?: readonly { text: string }[];
}

/** Columns the export adds after the upload's own. */
export const EXPORT_COLUMNS = ['probability', 'label', 'rank', 'expected_profit'] as const;

/**
 * The contact list as CSV (CRLF, for spreadsheets), most likely first: each customer's own columns
 * from the upload, then probability, label (1: at or above the list's cut-off, as everyone contacted
 * is), rank in the list, expected profit and the top reasons. An added column whose name the upload
 * already uses is prefixed with `rebuy_`; cells a spreadsheet would run as formulas are defused.
 */
export function contactExportCsv(uploadHeader: readonly string[], chosen: readonly ExportRow[], contactCost: number, valuePerReturn: number): string {
  const reasonCount = chosen.reduce((most, row) => Math.max(most, row.reasons?.length ?? 0), 0);
  const taken = new Set(uploadHeader);
  const added = [...EXPORT_COLUMNS, ...Array.from({ length: reasonCount }, (_, i) => `reason_${i + 1}`)].map((name) => (taken.has(name) ? `rebuy_${name}` : name));
  const own = uploadHeader.length > 0 ? uploadHeader : ['id'];
  const safe = (text: string): string => csvField(spreadsheetSafe(text));
  const lines = [csvLine([...own, ...added].map(safe))];
  chosen.forEach((row, i) => {
    const p = row.probability ?? 0;
    const cells = uploadHeader.length > 0 ? own.map((_, j) => row.cells?.[j] ?? '') : [row.id];
    const reasons = Array.from({ length: reasonCount }, (_, j) => row.reasons?.[j]?.text ?? '');
    lines.push(csvLine([...cells, p.toFixed(6), '1', String(i + 1), expectedGain(p, contactCost, valuePerReturn).toFixed(2), ...reasons].map((c, j) => (j < cells.length || j >= cells.length + EXPORT_COLUMNS.length ? safe(c) : c))));
  });
  return `${lines.join('\r\n')}\r\n`;
}
