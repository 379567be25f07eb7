/**
 * Columns whose names and values disagree: a "total" (X_overall, X_total, X_sum) must be at least
 * the matching "average" (X_avg, X_average, X_mean) for non-negative values.
 */
import type { PairDetails } from './types.js';

const TOTAL_WORDS = ['overall', 'total', 'sum'];
const AVERAGE_WORDS = ['avg', 'average', 'mean'];

/** "Book length(mins)_overall" -> { stem: "booklengthmins", role: "total" }. */
export function parsePairName(name: string): { stem: string; role: 'total' | 'average' } | null {
  const words = name.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  const glued = words.join('');
  for (const [role, list] of [['total', TOTAL_WORDS], ['average', AVERAGE_WORDS]] as const) {
    for (const word of list) {
      // Suffix ("price_avg", "PriceAvg") or prefix ("avg_price").
      if (glued.length > word.length && glued.endsWith(word)) return { stem: glued.slice(0, -word.length), role };
      if (words.length > 1 && words[0] === word) return { stem: words.slice(1).join(''), role };
    }
  }
  return null;
}

export function matchPairs(names: readonly string[]): { total: string; average: string }[] {
  const totals = new Map<string, string>();
  const averages = new Map<string, string>();
  for (const name of names) {
    const parsed = parsePairName(name);
    if (!parsed) continue;
    const into = parsed.role === 'total' ? totals : averages;
    if (!into.has(parsed.stem)) into.set(parsed.stem, name);
  }
  const pairs: { total: string; average: string }[] = [];
  for (const [stem, total] of totals) {
    const average = averages.get(stem);
    if (average !== undefined) pairs.push({ total, average });
  }
  return pairs;
}

const MAX_RATIOS_SHOWN = 6;

/** larger / smaller per row, rounded to 2 decimals (NaN where not comparable or the smaller is 0). */
export function pairRatio(total: Float64Array, average: Float64Array): Float64Array {
  return Float64Array.from(total, (t, row) => {
    const a = average[row]!;
    const small = Math.min(t, a);
    const large = Math.max(t, a);
    return small > 0 ? Math.round((large / small) * 100) / 100 : Number.NaN;
  });
}

export function comparePair(
  totalName: string,
  averageName: string,
  total: Float64Array,
  average: Float64Array,
): PairDetails {
  let comparedRows = 0;
  let totalBelowAverage = 0;
  let equal = 0;
  let totalAboveAverage = 0;
  for (let row = 0; row < total.length; row++) {
    const t = total[row]!;
    const a = average[row]!;
    if (!(t >= 0 && a >= 0)) continue; // NaN or negative
    comparedRows++;
    if (t < a) totalBelowAverage++;
    else if (t > a) totalAboveAverage++;
    else equal++;
  }
  const swapped = totalAboveAverage === 0 && totalBelowAverage > 0;
  let wholeRatioShare: number | null = null;
  let ratioCounts: PairDetails['ratioCounts'] = [];
  if (swapped) {
    const counts = new Map<number, number>();
    let whole = 0;
    let withRatio = 0;
    for (const r of pairRatio(total, average)) {
      if (Number.isNaN(r)) continue;
      withRatio++;
      if (Math.abs(r - Math.round(r)) <= 0.02 * r) whole++;
      counts.set(r, (counts.get(r) ?? 0) + 1);
    }
    wholeRatioShare = withRatio === 0 ? null : whole / withRatio;
    ratioCounts = [...counts]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, MAX_RATIOS_SHOWN)
      .map(([ratio, rows]) => ({ ratio, rows }));
  }
  return {
    totalColumn: totalName,
    averageColumn: averageName,
    comparedRows,
    totalBelowAverage,
    equal,
    totalAboveAverage,
    wholeRatioShare,
    ratioCounts,
  };
}
