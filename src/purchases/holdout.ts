/**
 * What the report and the page draw for a BG/NBD model: predicted vs actual repeat purchases in the
 * holdout by number of calibration-period purchases (the classic chart, or its yes/no form when the
 * table holds only `bought_again`), and expected purchases over a frequency/recency grid (the heat
 * map). Plain data; drawing is the report's business.
 */
import { expectedPurchases, pAtLeastOne, type BgNbdParams } from './bgnbd.js';

export interface FrequencyGroup {
  /** Calibration-period repeat purchases: 0, 1, …, and `${top}+` for the last group. */
  label: string;
  customers: number;
  /** Mean holdout purchases per customer, predicted and actual. */
  predicted: number;
  actual: number;
}

export interface HoldoutComparison {
  /**
   * 'purchases': expected vs actual purchases after the cutoff; 'bought-again': P(at least one)
   * vs the share who bought again (a 0/1 label's mean), so means and totals count customers.
   */
  measure: 'purchases' | 'bought-again';
  /** 'fitted': the customers BG/NBD was fitted on; 'held-out': customers the fit never saw. */
  customers: 'fitted' | 'held-out';
  groups: FrequencyGroup[];
  predictedTotal: number;
  actualTotal: number;
}

/** Groups customers by frequency (the last group holds `top` and more) and compares means; empty groups are left out. */
export function holdoutByFrequency(
  frequency: ArrayLike<number>,
  predicted: ArrayLike<number>,
  actual: ArrayLike<number>,
  kind: Pick<HoldoutComparison, 'measure' | 'customers'>,
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
  return { ...kind, groups, predictedTotal, actualTotal };
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

/** What the report draws for a BG/NBD fit: the heat map at the median age and, given the outcomes after the cutoff, a holdout chart. */
export interface PurchaseModelSummary {
  params: BgNbdParams;
  /** Customers the fit saw. */
  fittedCustomers: number;
  horizonDays: number;
  /** The age (days since the first purchase) the heat map holds fixed: the fitted customers' median. */
  medianAge: number;
  grid: ExpectationGrid;
  /** Null without outcomes after the cutoff. */
  holdout: HoldoutComparison | null;
}

export interface RepeatSummary {
  frequency: ArrayLike<number>;
  recency: ArrayLike<number>;
  age: ArrayLike<number>;
}

/** Expected vs actual purchases in the horizon per customer, by calibration-period repeat purchases. */
export function purchasesByFrequency(
  params: BgNbdParams,
  customers: RepeatSummary,
  horizonDays: number,
  purchasesAfter: ArrayLike<number>,
  who: HoldoutComparison['customers'],
  top = 7,
): HoldoutComparison {
  const predicted = Float64Array.from(customers.frequency, (x, i) => expectedPurchases(params, horizonDays, x, customers.recency[i]!, customers.age[i]!));
  return holdoutByFrequency(customers.frequency, predicted, purchasesAfter, { measure: 'purchases', customers: who }, top);
}

/** P(at least one purchase in the horizon) vs the share who bought again (`bought_again`), by calibration-period repeat purchases. */
export function repeatByFrequency(
  params: BgNbdParams,
  customers: RepeatSummary,
  horizonDays: number,
  boughtAgain: ArrayLike<number>,
  who: HoldoutComparison['customers'],
  top = 7,
): HoldoutComparison {
  const predicted = Float64Array.from(customers.frequency, (x, i) => pAtLeastOne(params, horizonDays, x, customers.recency[i]!, customers.age[i]!));
  return holdoutByFrequency(customers.frequency, predicted, boughtAgain, { measure: 'bought-again', customers: who }, top);
}

/** Frequencies 0..maxFrequency and recencies in `recencySteps` steps from 0 to the fitted customers' median age. */
export function purchaseModelSummary(
  params: BgNbdParams,
  fitted: RepeatSummary,
  horizonDays: number,
  holdout: HoldoutComparison | null,
  grid: { maxFrequency: number; recencySteps: number } = { maxFrequency: 7, recencySteps: 6 },
): PurchaseModelSummary {
  const ages = Float64Array.from(fitted.age).sort();
  const medianAge = ages.length === 0 ? 0 : ages.length % 2 ? ages[(ages.length - 1) / 2]! : (ages[ages.length / 2 - 1]! + ages[ages.length / 2]!) / 2;
  return {
    params,
    fittedCustomers: fitted.frequency.length,
    horizonDays,
    medianAge,
    grid: expectationGrid(params, medianAge, horizonDays, grid.maxFrequency, grid.recencySteps),
    holdout,
  };
}
