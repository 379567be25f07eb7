// @ts-check
/** Contact budget arithmetic, pure functions over probabilities sorted from most to least likely. */

/**
 * Cumulative expected profit: curve[k] = Σ_{i<k} (p_i · value − cost), k = 0..n.
 * @param {ArrayLike<number>} sortedDesc
 * @param {number} cost
 * @param {number} value
 * @returns {Float64Array}
 */
export function profitCurve(sortedDesc, cost, value) {
  const curve = new Float64Array(sortedDesc.length + 1);
  for (let i = 0; i < sortedDesc.length; i++) curve[i + 1] = curve[i] + sortedDesc[i] * value - cost;
  return curve;
}

/**
 * The budget with the highest expected profit (the smallest such k).
 * @param {Float64Array} curve
 * @returns {{ k: number, profit: number }}
 */
export function bestBudget(curve) {
  let k = 0;
  for (let i = 1; i < curve.length; i++) if (curve[i] > curve[k]) k = i;
  return { k, profit: curve[k] };
}

/**
 * Expected number of returns among the top k: Σ_{i<k} p_i.
 * @param {ArrayLike<number>} sortedDesc
 * @param {number} k
 */
export function expectedReturns(sortedDesc, k) {
  let s = 0;
  for (let i = 0; i < k; i++) s += sortedDesc[i];
  return s;
}

/**
 * How many customers a budget means.
 * @param {'count' | 'percent'} mode
 * @param {number} amount a count, or a percentage 0..100
 * @param {number} n customers in total
 */
export function budgetCount(mode, amount, n) {
  if (!Number.isFinite(amount) || amount <= 0) return 0;
  const k = mode === 'percent' ? Math.round((Math.min(amount, 100) / 100) * n) : Math.floor(amount);
  return Math.min(k, n);
}

/**
 * Row order for ranking: probability descending, then the server's rank.
 * @param {{ probability: number | null, rank: number }} a
 * @param {{ probability: number | null, rank: number }} b
 */
export function byLikelihood(a, b) {
  return (b.probability ?? -1) - (a.probability ?? -1) || a.rank - b.rank;
}

/**
 * A CSV cell, quoted when needed; text a spreadsheet would run as a formula is defused.
 * @param {string} text
 */
export function csvCell(text) {
  let s = text;
  if (/^[=+\-@\t\r]/.test(s) && !/^[+-]?\d/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * The contact list as CSV, most likely first.
 * @param {{ id: string, probability: number | null, rank: number }[]} chosen already in ranking order
 * @param {number} value value per return
 * @param {number} cost cost per contact
 */
export function contactListCsv(chosen, value, cost) {
  const lines = ['position,id,probability,expected_profit'];
  chosen.forEach((row, i) => {
    const p = row.probability ?? 0;
    lines.push(`${i + 1},${csvCell(row.id)},${p.toFixed(6)},${(p * value - cost).toFixed(2)}`);
  });
  return `${lines.join('\r\n')}\r\n`;
}
