/**
 * What the report and the page draw for a BG/NBD model: predicted vs actual repeat purchases in the
 * holdout by number of calibration-period purchases (the classic chart), and expected purchases over
 * a frequency/recency grid (the heat map). Plain data; drawing is the report's business.
 */
import { expectedPurchases, type BgNbdParams } from './bgnbd.js';

export interface FrequencyGroup {
  /** Calibration-period repeat purchases: 0, 1, …, and `${top}+` for the last group. */
  label: string;
  customers: number;
  /** Mean holdout purchases per customer, predicted and actual. */
  predicted: number;
  actual: number;
}

export interface HoldoutComparison {
  groups: FrequencyGroup[];
  predictedTotal: number;
  actualTotal: number;
}

/** Groups customers by frequency (the last group holds `top` and more) and compares means; empty groups are left out. */
export function holdoutByFrequency(
  frequency: ArrayLike<number>,
  predicted: ArrayLike<number>,
  actual: ArrayLike<number>,
  top = 7,
): HoldoutComparison {
  const n = new Float64Array(top + 1);
  const p = new Float64Array(top + 1);
  const a = new Float64Array(top + 1);
  let predictedTotal = 0;
  let actualTotal = 0;
  for (let i = 0; i < frequency.length; i++) {
    const g = Math.min(frequency[i]!, top);
    n[g]! += 1;
    p[g]! += predicted[i]!;
    a[g]! += actual[i]!;
    predictedTotal += predicted[i]!;
    actualTotal += actual[i]!;
  }
  const groups: FrequencyGroup[] = [];
  for (let g = 0; g <= top; g++) {
    if (n[g] === 0) continue;
    groups.push({ label: g === top ? `${top}+` : String(g), customers: n[g]!, predicted: p[g]! / n[g]!, actual: a[g]! / n[g]! });
  }
  return { groups, predictedTotal, actualTotal };
}

export interface ExpectationGrid {
  frequencies: number[];
  recencies: number[];
  /** expected[i][j]: purchases expected in the horizon for frequencies[i] and recencies[j]. */
  expected: number[][];
}

/** Expected purchases in the next `horizon` for a customer observed for `age`, over frequency × recency. */
export function expectationGrid(params: BgNbdParams, age: number, horizon: number, maxFrequency: number, recencySteps: number): ExpectationGrid {
  const frequencies = Array.from({ length: maxFrequency + 1 }, (_, i) => i);
  const recencies = Array.from({ length: recencySteps + 1 }, (_, j) => (age * j) / recencySteps);
  const expected = frequencies.map((x) => recencies.map((tx) => expectedPurchases(params, horizon, x, x === 0 ? 0 : tx, age)));
  return { frequencies, recencies, expected };
}

/** What the report draws for a BG/NBD fit: the heat map at the median age and, with holdout counts, the classic chart. */
export interface PurchaseModelSummary {
  params: BgNbdParams;
  horizonDays: number;
  /** The age (days since the first purchase) the heat map holds fixed: the customers' median. */
  medianAge: number;
  grid: ExpectationGrid;
  /** Null without holdout purchase counts (`features --outcome-counts`). */
  holdout: HoldoutComparison | null;
}

/** Frequencies 0..maxFrequency and recencies in `recencySteps` steps from 0 to the median age. */
export function purchaseModelSummary(
  params: BgNbdParams,
  customers: { frequency: ArrayLike<number>; recency: ArrayLike<number>; age: ArrayLike<number> },
  horizonDays: number,
  purchasesAfter: ArrayLike<number> | null,
  grid: { maxFrequency: number; recencySteps: number } = { maxFrequency: 7, recencySteps: 6 },
): PurchaseModelSummary {
  const ages = Float64Array.from(customers.age).sort();
  const medianAge = ages.length === 0 ? 0 : ages.length % 2 ? ages[(ages.length - 1) / 2]! : (ages[ages.length / 2 - 1]! + ages[ages.length / 2]!) / 2;
  let holdout: HoldoutComparison | null = null;
  if (purchasesAfter) {
    const predicted = Float64Array.from(customers.frequency, (x, i) => expectedPurchases(params, horizonDays, x, customers.recency[i]!, customers.age[i]!));
    holdout = holdoutByFrequency(customers.frequency, predicted, purchasesAfter, grid.maxFrequency);
  }
  return { params, horizonDays, medianAge, grid: expectationGrid(params, medianAge, horizonDays, grid.maxFrequency, grid.recencySteps), holdout };
}
