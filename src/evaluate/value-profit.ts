/**
 * Decisions with a value per customer instead of one value per return: contacting customer i is
 * expected to earn p_i · v_i − cost, where v_i is what that customer is worth if they buy again
 * (e.g. Gamma-Gamma's expected spend per purchase). The list is chosen without labels — everyone
 * whose expected gain is positive — and judged on labelled customers: a buyer earns v_i.
 */
import { usageError } from '../errors.js';
import { createRng, randomInt } from '../core/random.js';
import { checkSameLength, type Labels, type Scores } from './curves.js';
import { expectedGain } from './profit.js';
import { quantileOfSorted } from './stats.js';

export interface ValueProfitJudgement {
  contactCost: number;
  /** Customers contacted: those with p · v > cost. */
  contacted: number;
  /** Buyers among them (from the labels). */
  returners: number;
  /** Σ (p_i · v_i − cost) over the list: what the probabilities and values promise. */
  expected: number;
  /** Σ (y_i · v_i − cost) over the list: what it earned on these customers. */
  realized: number;
  /** The realized profit predicted for another draw of as many customers: mean and central interval. */
  interval: { level: number; replicates: number; mean: number; lower: number; upper: number };
}

/** Each value must be a finite number ≥ 0; the message names the row (1-based) and the value. */
export function checkValues(values: ArrayLike<number>, column: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(Number.isFinite(v) && v >= 0)) throw usageError(`column ${JSON.stringify(column)}: customer row ${i + 1}: a value must be a number >= 0; got ${JSON.stringify(String(v))}`);
  }
}

/** The rows to contact: every customer whose expected gain p · v − cost is positive. */
export function valueContactList(p: Scores, values: ArrayLike<number>, contactCost: number): Int32Array {
  checkSameLength(p, values);
  if (!(Number.isFinite(contactCost) && contactCost >= 0)) throw usageError(`contact cost must be a number >= 0; got ${contactCost}`);
  const rows: number[] = [];
  for (let i = 0; i < p.length; i++) if (expectedGain(p[i]!, contactCost, values[i]!) > 0) rows.push(i);
  return Int32Array.from(rows);
}

/**
 * Chooses the list by expected gain (no labels), then judges it on the labels: expected and realized
 * profit, and a bootstrap prediction interval for another draw (observed + one resample − another,
 * as bootstrapProfit does for one value per return).
 */
export function judgeValueProfit(
  p: Scores,
  y: Labels,
  values: ArrayLike<number>,
  contactCost: number,
  options: { seed: number; replicates?: number; level?: number },
): ValueProfitJudgement {
  checkSameLength(p, y);
  const list = valueContactList(p, values, contactCost);
  const replicates = options.replicates ?? 1000;
  const level = options.level ?? 0.95;
  const earned = (i: number): number => (y[i] !== 0 ? values[i]! : 0) - contactCost;
  const inList = new Uint8Array(p.length);
  let expected = 0;
  let realized = 0;
  let returners = 0;
  for (const i of list) {
    inList[i] = 1;
    expected += expectedGain(p[i]!, contactCost, values[i]!);
    realized += earned(i);
    if (y[i] !== 0) returners += 1;
  }
  const rng = createRng(options.seed);
  const n = p.length;
  const resample = (): number => {
    let sum = 0;
    for (let d = 0; d < n; d++) {
      const i = randomInt(rng, n);
      if (inList[i]) sum += earned(i);
    }
    return sum;
  };
  const predictions = Float64Array.from({ length: replicates }, () => realized + resample() - resample()).sort();
  let sum = 0;
  for (const v of predictions) sum += v;
  const alpha = (1 - level) / 2;
  return {
    contactCost,
    contacted: list.length,
    returners,
    expected,
    realized,
    interval: { level, replicates, mean: sum / replicates, lower: quantileOfSorted(predictions, alpha), upper: quantileOfSorted(predictions, 1 - alpha) },
  };
}
