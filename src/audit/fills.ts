/**
 * Values that look filled in rather than observed: one value far more common than any other in a
 * column with many values. It counts as a fill when it is off the column's grid (a fraction among
 * whole numbers) or equals the mean of the other rows. Zero is never a fill: in counts, minutes and
 * shares it is the natural "none".
 */
import type { AuditOptions, ValueFillDetails } from './types.js';
import { valueCounts } from './columns.js';

export type FillVerdict = 'filled' | 'dominant' | 'zero';

export interface FillCandidate {
  verdict: FillVerdict;
  details: ValueFillDetails;
}

function decimalsOf(v: number): number {
  for (let d = 0; d <= 6; d++) if (Math.abs(v * 10 ** d - Math.round(v * 10 ** d)) < 1e-9 * 10 ** d) return d;
  return 6;
}

/** Is `v` the mean, to the precision it is written in (or within 1 % of a standard deviation)? */
function isMeanLike(v: number, mean: number, std: number): boolean {
  const tolerance = Math.max(0.5 * 10 ** -decimalsOf(v), 0.01 * std);
  return Math.abs(v - mean) <= tolerance;
}

type Companion = ValueFillDetails['companion'];

/** A two-valued column that takes one value in every filled row. */
function findCompanion(
  filledRows: Uint8Array,
  nFilled: number,
  others: ReadonlyMap<string, Float64Array>,
): Companion {
  for (const [column, values] of others) {
    const counts = valueCounts(values);
    if (counts.size !== 2) continue;
    let shared: number | null = null;
    let consistent = true;
    for (let row = 0; row < values.length && consistent; row++) {
      if (filledRows[row] === 0) continue;
      const v = values[row]!;
      if (Number.isNaN(v) || (shared !== null && v !== shared)) consistent = false;
      else shared = v;
    }
    if (!consistent || shared === null) continue;
    return { column, value: shared, filledRows: nFilled, otherRowsWithValue: (counts.get(shared) ?? 0) - nFilled };
  }
  return null;
}

export function detectFill(
  values: Float64Array,
  otherColumns: ReadonlyMap<string, Float64Array>,
  options: Pick<AuditOptions, 'fillMinShare' | 'fillMinRatio' | 'fillMinCount'>,
): FillCandidate | null {
  const counts = valueCounts(values);
  if (counts.size < 3) return null; // binary or constant: every value is "common"
  let top: [number, number] = [Number.NaN, 0];
  let second: [number, number] = [Number.NaN, 0];
  let present = 0;
  for (const [v, n] of counts) {
    present += n;
    if (n > top[1]) {
      second = top;
      top = [v, n];
    } else if (n > second[1]) second = [v, n];
  }
  const [value, count] = top;
  const share = count / present;
  if (count < options.fillMinCount || share < options.fillMinShare || count < options.fillMinRatio * second[1]) return null;

  let sum = 0;
  let sumSq = 0;
  let whole = 0;
  const others = present - count;
  for (const [v, n] of counts) {
    if (v === value) continue;
    sum += v * n;
    sumSq += v * v * n;
    if (Number.isInteger(v)) whole += n;
  }
  const meanOfOthers = sum / others;
  const std = Math.sqrt(Math.max(0, sumSq / others - meanOfOthers * meanOfOthers));
  const wholeShareOfOthers = whole / others;
  const offGrid = !Number.isInteger(value) && wholeShareOfOthers >= 0.9;
  const meanLike = value !== 0 && isMeanLike(value, meanOfOthers, std);
  const verdict: FillVerdict = value === 0 ? 'zero' : offGrid || meanLike ? 'filled' : 'dominant';

  let companion: Companion = null;
  if (verdict === 'filled') {
    const filledRows = new Uint8Array(values.length);
    for (let row = 0; row < values.length; row++) if (values[row] === value) filledRows[row] = 1;
    companion = findCompanion(filledRows, count, otherColumns);
  }
  return {
    verdict,
    details: {
      value,
      count,
      share,
      secondValue: Number.isNaN(second[0]) ? null : second[0],
      secondCount: second[1],
      meanOfOthers,
      wholeShareOfOthers,
      offGrid,
      meanLike,
      companion,
    },
  };
}
