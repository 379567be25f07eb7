import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bootstrapProfit,
  budgetThreshold,
  chooseList,
  chooseThreshold,
  expectedProfitAt,
  expectedProfitThreshold,
  gainsTable,
  judgeProfit,
  profitCurve,
  thresholdAbove,
  weightsToRate,
} from '../../src/evaluate/decide.js';
import { bestBudget, expectedProfitCurve, expectedReturns } from '../../src/evaluate/profit.js';
import { RebuyError } from '../../src/errors.js';
import { createRng } from '../../src/core/random.js';

// Contacting the top k of
//   p: 0.9 0.8 0.7 0.6 0.5 0.4
//   y:  1   1   0   1   0   0
// k:         0    1    2    3    4    5    6
// returners: 0    1    2    2    3    3    3
// accuracy:  3/6  4/6  5/6  4/6  5/6  4/6  3/6
// F1 = 2tp/(k + 3):  0  2/4  4/5  4/6  6/7  6/8  6/9
// profit (cost 1, value 3) = 3 · returners − k:  0  2  4  3  5  4  3
const p = Float32Array.from([0.9, 0.8, 0.7, 0.6, 0.5, 0.4]);
const y = Uint8Array.from([1, 1, 0, 1, 0, 0]);

describe('chooseThreshold', () => {
  it('maximizes accuracy, preferring fewer contacts on ties', () => {
    const choice = chooseThreshold(p, y, { kind: 'accuracy' });
    expect(choice.threshold).toBeCloseTo(0.8, 6);
    expect(choice.contacted).toBe(2);
    expect(choice.value).toBeCloseTo(5 / 6, 12);
    expect(choice.metrics.accuracy).toBeCloseTo(5 / 6, 12);
  });

  it('maximizes F1', () => {
    const choice = chooseThreshold(p, y, { kind: 'f1' });
    expect(choice.threshold).toBeCloseTo(0.6, 6);
    expect(choice.contacted).toBe(4);
    expect(choice.value).toBeCloseTo(6 / 7, 12);
    expect(choice.metrics.f1).toBeCloseTo(6 / 7, 12);
  });

  it('maximizes profit, or contacts nobody when nobody pays', () => {
    const choice = chooseThreshold(p, y, { kind: 'profit', contactCost: 1, valuePerReturn: 3 });
    expect(choice.threshold).toBeCloseTo(0.6, 6);
    expect(choice.contacted).toBe(4);
    expect(choice.value).toBe(5);
    const nobody = chooseThreshold(p, y, { kind: 'profit', contactCost: 10, valuePerReturn: 1 });
    expect(nobody.contacted).toBe(0);
    expect(nobody.value).toBe(0);
    expect(nobody.threshold).toBe(1);
    expect(nobody.metrics.confusion[1]).toEqual([3, 0]);
  });

  it('contacts a budget of the top rows without splitting ties', () => {
    expect(chooseThreshold(p, y, { kind: 'topK', k: 3 })).toMatchObject({ contacted: 3 });
    expect(chooseThreshold(p, y, { kind: 'topK', k: 3 }).threshold).toBeCloseTo(0.7, 6);
    expect(chooseThreshold(p, y, { kind: 'topFraction', fraction: 0.5 }).contacted).toBe(3);
    expect(chooseThreshold(p, y, { kind: 'topFraction', fraction: 0.57 }).contacted).toBe(3);
    expect(chooseThreshold(p, y, { kind: 'topK', k: 0 })).toMatchObject({ contacted: 0, threshold: 1 });
    expect(chooseThreshold(p, y, { kind: 'topK', k: 100 }).threshold).toBeCloseTo(0.4, 6);
    // three tied at the top: a budget of 2 cannot take them
    expect(chooseThreshold([0.8, 0.8, 0.8, 0.2], [1, 0, 1, 0], { kind: 'topK', k: 2 }).contacted).toBe(0);
  });

  it('yields a threshold that reproduces the contacted count', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 1 })), { maxLength: 60 }),
        fc.integer({ min: 0, max: 10 }),
        (rows, cost) => {
          const scores = rows.map(([s]) => s / 50);
          const labels = rows.map(([, l]) => l);
          for (const objective of [
            { kind: 'accuracy' as const },
            { kind: 'f1' as const },
            { kind: 'topK' as const, k: 7 },
            { kind: 'profit' as const, contactCost: cost, valuePerReturn: 5 },
          ]) {
            const choice = chooseThreshold(scores, labels, objective);
            expect(scores.filter((s) => s >= choice.threshold).length).toBe(choice.contacted);
            const [[, fp], [, tp]] = choice.metrics.confusion;
            expect(tp + fp).toBe(choice.contacted);
          }
        },
      ),
    );
  });

  it('rejects bad budgets and money', () => {
    expect(() => chooseThreshold(p, y, { kind: 'topK', k: -1 })).toThrow(RebuyError);
    expect(() => chooseThreshold(p, y, { kind: 'topFraction', fraction: 1.5 })).toThrow(/fraction/);
    expect(() => chooseThreshold(p, y, { kind: 'profit', contactCost: -1, valuePerReturn: 3 })).toThrow(/cost/);
    expect(() => chooseThreshold(p, y, { kind: 'profit', contactCost: 1, valuePerReturn: 0 })).toThrow(/value/);
  });

  it('weights the classes: counting non-buyers five times over moves the F1 and accuracy thresholds up', () => {
    // Non-buyers weighted 5: F1 = 2tp / (tp + 5fp + 3) is 4/5 at the top 2 and 6/11 at the top 4;
    // weighted accuracy ∝ tp + 5 (3 − fp) is 17 at the top 2 and 13 at the top 4.
    const weights = { positive: 1, negative: 5 };
    expect(chooseThreshold(p, y, { kind: 'f1' }, weights).contacted).toBe(2);
    expect(chooseThreshold(p, y, { kind: 'accuracy' }, weights).contacted).toBe(2);
    expect(chooseThreshold(p, y, { kind: 'f1' }, { positive: 1, negative: 1 }).contacted).toBe(4);
  });
});

describe('choosing a list without the labels it is judged on', () => {
  const money = { contactCost: 1, valuePerReturn: 4 };

  it('by expected profit: contacts exactly those with p · value > cost, whatever the labels say', () => {
    // gains 4p − 1: 2.6, 1, 0 (p = 0.25 breaks even: not contacted), −0.2, −0.8
    const scores = [0.5, 0.05, 0.9, 0.25, 0.2];
    const choice = expectedProfitThreshold(scores, money);
    expect(choice).toEqual({ threshold: 0.5, contacted: 2, expected: 3.6 });
    expect(expectedProfitAt(scores, choice.threshold, money)).toBeCloseTo(3.6, 12);
    for (const labels of [[0, 0, 0, 0, 0], [1, 1, 1, 1, 1]]) {
      expect(chooseThreshold(scores, labels, { kind: 'profit', ...money }).threshold).not.toBe(0.5);
      expect(chooseList({ kind: 'profit', ...money }, scores, null)).toEqual({ rule: 'expected-profit', threshold: 0.5 });
    }
    expect(expectedProfitThreshold([0.1, 0.2], money)).toMatchObject({ contacted: 0, threshold: 1, expected: 0 });
  });

  it('by a budget: the top k without splitting ties, from scores alone', () => {
    expect(budgetThreshold(p, { kind: 'topK', k: 3 })).toBeCloseTo(0.7, 6);
    expect(budgetThreshold([0.8, 0.8, 0.8, 0.2], { kind: 'topK', k: 2 })).toBe(1);
    expect(budgetThreshold([0.8, 0.8, 0.8, 0.2], { kind: 'topFraction', fraction: 0.75 })).toBe(0.8);
    expect(chooseList({ kind: 'topK', k: 3 }, p, null)).toEqual({ rule: 'budget', threshold: budgetThreshold(p, { kind: 'topK', k: 3 }) });
  });

  it('by F1 or accuracy: on the validation part reweighted to the natural mix, never on the scores judged', () => {
    // The validation part is balanced (3 of 6 buyers); at a natural share of 1 in 6 a non-buyer counts 5 times a buyer.
    expect(weightsToRate(y, 1 / 6)).toEqual({ positive: 1 / 3, negative: 5 / 3 });
    const validation = { probability: p, label: y, positiveRate: 1 / 6 };
    const judged = Float64Array.from([0.99, 0.01, 0.5]);
    const f1 = chooseList({ kind: 'f1' }, judged, validation);
    expect(f1).toEqual({ rule: 'validation', threshold: chooseThreshold(p, y, { kind: 'f1' }, weightsToRate(y, 1 / 6)).threshold });
    expect(f1.threshold).toBeCloseTo(0.8, 6);
    expect(chooseList({ kind: 'f1' }, Float64Array.from([0.3]), validation)).toEqual(f1);
    expect(() => chooseList({ kind: 'accuracy' }, judged, null)).toThrow(/validation/);
    expect(() => weightsToRate([1, 1], 0.2)).toThrow(/both buyers and non-buyers/);
  });

  it('judges the chosen list: expected profit from probabilities beside the realized profit and its interval', () => {
    const rng = createRng(4);
    const scores = Float64Array.from({ length: 2000 }, () => rng());
    const labels = Uint8Array.from(scores, (s) => (rng() < s ? 1 : 0));
    const threshold = chooseList({ kind: 'profit', ...money }, scores, null).threshold;
    const judged = judgeProfit(scores, labels, threshold, money, { seed: 1, replicates: 300 });
    let contacted = 0;
    let returners = 0;
    scores.forEach((s, i) => {
      if (s >= threshold) {
        contacted++;
        returners += labels[i]!;
      }
    });
    expect(judged.bootstrap.chosen).toMatchObject({ contacted, threshold, profit: 4 * returners - contacted });
    expect(judged.expected).toBeCloseTo(expectedProfitAt(scores, threshold, money), 9);
    expect(judged.bootstrap.chosen.lower).toBeLessThan(judged.bootstrap.chosen.profit);
    expect(judged.bootstrap.chosen.upper).toBeGreaterThan(judged.bootstrap.chosen.profit);
    // The probabilities are the true chances here, so what they promise lies inside the interval.
    expect(judged.expected).toBeGreaterThan(judged.bootstrap.chosen.lower);
    expect(judged.expected).toBeLessThan(judged.bootstrap.chosen.upper);
    expect(judged.curve.best.profit).toBeGreaterThanOrEqual(judged.bootstrap.chosen.profit);
  });
});

describe('thresholdAbove', () => {
  it('is 1 for probabilities below 1, else just above the top score', () => {
    expect(thresholdAbove([0.3, 0.99])).toBe(1);
    expect(thresholdAbove([])).toBe(1);
    const above = thresholdAbove([1, 0.5]);
    expect(above).toBeGreaterThan(1);
    expect(above - 1).toBeLessThan(1e-15);
  });
});

describe('profitCurve', () => {
  it('computes profit for every cut and the best one', () => {
    const curve = profitCurve(p, y, 1, 3);
    expect(curve.points.map((pt) => pt.profit)).toEqual([0, 2, 4, 3, 5, 4, 3]);
    expect(curve.points.map((pt) => pt.contacted)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(curve.best).toMatchObject({ contacted: 4, returners: 3, profit: 5 });
    expect(curve.best.threshold).toBeCloseTo(0.6, 6);
  });

  it('thins long curves but keeps the ends and the best point', () => {
    const rng = createRng(4);
    const scores = Float64Array.from({ length: 10000 }, () => rng());
    const labels = Uint8Array.from(scores, (s) => (rng() < s * s ? 1 : 0));
    const full = profitCurve(scores, labels, 1, 4, Number.POSITIVE_INFINITY);
    const thin = profitCurve(scores, labels, 1, 4);
    expect(full.points.length).toBe(10001);
    expect(thin.points.length).toBeLessThanOrEqual(201);
    expect(thin.points[0]!.contacted).toBe(0);
    expect(thin.points[thin.points.length - 1]!.contacted).toBe(10000);
    expect(thin.points).toContainEqual(full.best);
    expect(thin.best).toEqual(full.best);
    // break-even near p² · 4 = 1, i.e. contact the scores above 0.5: about half
    expect(full.best.contacted / 10000).toBeGreaterThan(0.45);
    expect(full.best.contacted / 10000).toBeLessThan(0.55);
  });
});

describe('gainsTable', () => {
  it('gives cumulative gains and lift per group', () => {
    const scores = [0.95, 0.85, 0.75, 0.65, 0.55, 0.45, 0.35, 0.25, 0.15, 0.05];
    const labels = [1, 1, 0, 1, 0, 0, 1, 0, 0, 0];
    const table = gainsTable(scores, labels, 5);
    // positives per pair of rows 2, 1, 0, 1, 0 of 4; lift = captured / contacted
    expect(table.map((r) => r.positives)).toEqual([2, 1, 0, 1, 0]);
    expect(table.map((r) => r.capturedShare)).toEqual([0.5, 0.75, 0.75, 1, 1]);
    expect(table.map((r) => r.contactedShare)).toEqual([0.2, 0.4, 0.6, 0.8, 1]);
    const lifts = [2.5, 1.875, 1.25, 1.25, 1];
    table.forEach((r, i) => expect(r.lift).toBeCloseTo(lifts[i]!, 12));
    expect(table[0]).toMatchObject({ group: 1, count: 2, minScore: 0.85, maxScore: 0.95, responseRate: 1 });
  });

  it('skips empty groups and gives NaN lift without positives', () => {
    expect(gainsTable([0.2, 0.1], [1, 0], 10).length).toBe(2);
    expect(gainsTable([0.2, 0.1], [0, 0], 2)[0]!.lift).toBeNaN();
  });
});

describe('bootstrapProfit', () => {
  it('is exact when every replicate gives the same profit', () => {
    // everyone contacted, everyone returns: 5 · (3 − 1) in every replicate
    const options = { seed: 1, replicates: 200, threshold: 0 };
    const r = bootstrapProfit([0.9, 0.3, 0.5, 0.2, 0.7], [1, 1, 1, 1, 1], 1, 3, options);
    expect(r.chosen).toMatchObject({ contacted: 5, threshold: 0, profit: 10, lossProbability: 0 });
    expect([r.chosen.mean, r.chosen.lower, r.chosen.upper]).toEqual([10, 10, 10]);
    const nobody = r.curve[0]!;
    expect([nobody.contacted, nobody.mean, nobody.lower, nobody.upper]).toEqual([0, 0, 0, 0]);
  });

  it('predicts another draw of as many customers: √2 times the binomial spread when contacting everyone', () => {
    // profit = 4 · Binomial(n, q) − n: sd = 4 √(n q (1 − q)); this draw's and the next draw's chance add up.
    const n = 2000;
    const rng = createRng(8);
    const labels = Uint8Array.from({ length: n }, () => (rng() < 0.3 ? 1 : 0));
    const scores = Float64Array.from({ length: n }, () => rng());
    const q = labels.reduce((s, v) => s + v, 0) / n;
    const r = bootstrapProfit(scores, labels, 1, 4, { seed: 3, replicates: 2000, threshold: 0 });
    const sdProfit = 4 * Math.sqrt(n * q * (1 - q));
    expect(r.chosen.profit).toBeCloseTo(4 * q * n - n, 9);
    expect(Math.abs(r.chosen.mean - r.chosen.profit)).toBeLessThan(0.1 * sdProfit);
    const width = r.chosen.upper - r.chosen.lower;
    expect(width / (2 * 1.96 * Math.SQRT2 * sdProfit)).toBeGreaterThan(0.9);
    expect(width / (2 * 1.96 * Math.SQRT2 * sdProfit)).toBeLessThan(1.1);
  });

  it('defaults to the best cut, is deterministic under the seed, and brackets the observed profit', () => {
    const rng = createRng(12);
    const scores = Float64Array.from({ length: 3000 }, () => rng());
    const labels = Uint8Array.from(scores, (s) => (rng() < s ? 1 : 0));
    const a = bootstrapProfit(scores, labels, 1, 3, { seed: 5, replicates: 300 });
    const b = bootstrapProfit(scores, labels, 1, 3, { seed: 5, replicates: 300 });
    expect(b).toEqual(a);
    expect(a.chosen.contacted).toBe(profitCurve(scores, labels, 1, 3).best.contacted);
    expect(a.chosen.lower).toBeLessThan(a.chosen.profit);
    expect(a.chosen.upper).toBeGreaterThan(a.chosen.profit);
    expect(a.curve.length).toBeLessThanOrEqual(51);
    expect(a.curve.some((pt) => pt.contacted === a.chosen.contacted)).toBe(true);
    expect(bootstrapProfit(scores, labels, 1, 3, { seed: 6, replicates: 300 }).chosen.lower).not.toBe(a.chosen.lower);
  });
});

describe('expected profit without labels (the shared formula the web page uses)', () => {
  it('contacts those with p · value > cost and sums p · value − cost', () => {
    // value 4, cost 1: gains 1, −0.2, −0.8, 0 (p = 0.25 breaks even: not contacted), 2.6
    const sorted = [0.5, 0.2, 0.05, 0.25, 0.9].sort((a, b) => b - a);
    const best = bestBudget(expectedProfitCurve(sorted, 1, 4));
    expect(best.k).toBe(2);
    expect(best.profit).toBeCloseTo(3.6, 12);
    expect(expectedReturns(sorted, best.k)).toBeCloseTo(1.4, 12);
  });

  it('contacts nobody when contact costs more than a return is worth', () => {
    expect(bestBudget(expectedProfitCurve([1, 0.99], 5, 4))).toEqual({ k: 0, profit: 0 });
  });

  it('agrees with the labelled profit curve when every probability is 0 or 1', () => {
    const labels = Uint8Array.from([1, 0, 1, 1, 0, 0, 1]);
    const scores = Float32Array.from(labels, (v) => v);
    const sorted = Array.from(labels).sort((a, b) => b - a);
    expect(bestBudget(expectedProfitCurve(sorted, 1, 3)).profit).toBe(profitCurve(scores, labels, 1, 3).best.profit);
  });
});
