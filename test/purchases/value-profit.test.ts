import { describe, expect, it } from 'vitest';
import { expectedProfitThreshold } from '../../src/evaluate/decide.js';
import { checkValues, judgeValueProfit, valueContactList } from '../../src/evaluate/value-profit.js';

describe('a decision with a value per customer', () => {
  // Gains p·v − 15: 35, 5, −6, 35. One value of 100 for all would contact rows 0, 1, 2 instead.
  const p = [0.5, 0.2, 0.9, 0.1];
  const values = [100, 100, 10, 500];
  const y = [1, 0, 1, 0];

  it('contacts whoever is expected to earn more than the contact costs, and judges the list on the labels', () => {
    expect(Array.from(valueContactList(p, values, 15))).toEqual([0, 1, 3]);
    const judged = judgeValueProfit(p, y, values, 15, { seed: 1, replicates: 200 });
    expect(judged.contacted).toBe(3);
    expect(judged.returners).toBe(1);
    expect(judged.expected).toBeCloseTo(35 + 5 + 35, 12);
    // Row 0 bought (100 − 15); rows 1 and 3 did not (−15 each).
    expect(judged.realized).toBeCloseTo(85 - 15 - 15, 12);
    expect(judged.interval.lower).toBeLessThanOrEqual(judged.interval.mean);
    expect(judged.interval.mean).toBeLessThanOrEqual(judged.interval.upper);
  });

  it('with one value for everyone, contacts as many and expects as much as the constant path', () => {
    const probabilities = Array.from({ length: 50 }, (_, i) => ((i * 37) % 50) / 50);
    const same = probabilities.map(() => 40);
    const constant = expectedProfitThreshold(probabilities, { contactCost: 12, valuePerReturn: 40 });
    const judged = judgeValueProfit(probabilities, probabilities.map(() => 0), same, 12, { seed: 1, replicates: 10 });
    expect(judged.contacted).toBe(constant.contacted);
    expect(judged.expected).toBeCloseTo(constant.expected, 9);
  });

  it('contacting nobody earns exactly nothing, in every resample', () => {
    const judged = judgeValueProfit(p, y, [1, 1, 1, 1], 15, { seed: 1, replicates: 50 });
    expect(judged.contacted).toBe(0);
    expect(judged.interval).toMatchObject({ lower: 0, upper: 0, mean: 0 });
  });

  it('refuses a value that is not a number >= 0, naming the column, row and value', () => {
    expect(() => checkValues([3, -1], 'gg_expected_spend')).toThrow(/column "gg_expected_spend": customer row 2: .*"-1"/);
    expect(() => checkValues([NaN], 'v')).toThrow(/row 1/);
  });
});
