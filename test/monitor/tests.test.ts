import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chiSquared, jensenShannon, kolmogorovSurvival, ksTwoSample, populationStability, twoProportions, wasserstein } from '../../src/monitor/tests.js';
import { binnedAuc } from '../../src/monitor/estimate.js';
import { rocAuc } from '../../src/evaluate/metrics.js';

const sorted = (values: number[]): Float64Array => Float64Array.from(values).sort();

describe('Kolmogorov–Smirnov', () => {
  it("matches the Kolmogorov distribution's tabled critical values", () => {
    // P(K > 1.3581) = 0.05 and P(K > 1.6276) = 0.01 (Smirnov's tables).
    expect(kolmogorovSurvival(1.3581)).toBeCloseTo(0.05, 4);
    expect(kolmogorovSurvival(1.6276)).toBeCloseTo(0.01, 4);
    expect(kolmogorovSurvival(0.1)).toBe(1);
  });

  it('gives D = 0 and p = 1 for the same sample, D = 1 and a tiny p for disjoint ones', () => {
    const a = sorted(Array.from({ length: 200 }, (_, i) => i));
    expect(ksTwoSample(a, a)).toEqual({ statistic: 0, pValue: 1 });
    const b = sorted(Array.from({ length: 200 }, (_, i) => 1000 + i));
    const far = ksTwoSample(a, b);
    expect(far.statistic).toBe(1);
    expect(far.pValue).toBeLessThan(1e-10);
  });

  it('finds D as the largest gap between the two empirical distribution functions, ties included', () => {
    // F_a jumps to 0.5 at 1, F_b to 0.25 at 1: the gap is largest there.
    expect(ksTwoSample(sorted([1, 1, 2, 3]), sorted([1, 2, 2, 3])).statistic).toBeCloseTo(0.25, 12);
    expect(ksTwoSample(sorted([0, 1]), sorted([2, 3])).statistic).toBe(1);
  });

  it('is a p-value: under the null about 5 % of tests fall below 0.05', () => {
    let seed = 7;
    const uniform = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let rejected = 0;
    const tests = 400;
    for (let t = 0; t < tests; t++) {
      const a = sorted(Array.from({ length: 300 }, uniform));
      const b = sorted(Array.from({ length: 200 }, uniform));
      if (ksTwoSample(a, b).pValue < 0.05) rejected++;
    }
    // Binomial(400, 0.05): mean 20, sd 4.4.
    expect(rejected).toBeGreaterThan(6);
    expect(rejected).toBeLessThan(36);
  });
});

describe('chi-squared', () => {
  it('computes Pearson\'s statistic and its p-value', () => {
    // Observed 30/70 against 50/50: (20² + 20²)/50 = 16, 1 degree of freedom, p = 6.3e-5.
    const result = chiSquared([30, 70], [0.5, 0.5]);
    expect(result.statistic).toBeCloseTo(16, 10);
    expect(result.pValue).toBeCloseTo(6.334e-5, 7);
    expect(chiSquared([50, 50], [0.5, 0.5]).pValue).toBe(1);
  });

  it('counts rows of categories the reference never saw against the known ones', () => {
    // 20 rows of a new category: the known ones hold 80 of an expected 100.
    expect(chiSquared([40, 40, 20], [0.5, 0.5, 0]).statistic).toBeCloseTo((10 ** 2 / 50) * 2, 10);
  });
});

describe('distances', () => {
  it('Wasserstein: a shift by c moves every value by c', () => {
    const a = sorted([1, 2, 3, 4]);
    expect(wasserstein(a, sorted([3, 4, 5, 6]))).toBeCloseTo(2, 12);
    expect(wasserstein(a, a)).toBe(0);
    // Half the mass moves from 0 to 1.
    expect(wasserstein(sorted([0, 0]), sorted([0, 1]))).toBeCloseTo(0.5, 12);
  });

  it('Wasserstein between samples of unequal sizes is the area between their distribution functions', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 30 }), fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 30 }), (x, y) => {
        const a = sorted(x);
        const b = sorted(y);
        let area = 0;
        for (let t = 0; t < 20; t++) {
          const fa = x.filter((v) => v <= t).length / x.length;
          const fb = y.filter((v) => v <= t).length / y.length;
          area += Math.abs(fa - fb);
        }
        expect(wasserstein(a, b)).toBeCloseTo(area, 9);
      }),
    );
  });

  it('Jensen–Shannon: 0 for equal shares, √ln 2 for disjoint ones', () => {
    expect(jensenShannon([10, 30], [1, 3])).toBeCloseTo(0, 12);
    // Disjoint supports (up to the 0.0001 floor on empty shares).
    expect(jensenShannon([1, 0], [0, 1])).toBeCloseTo(Math.sqrt(Math.LN2), 2);
  });

  it('PSI: Σ (c − r) ln(c / r)', () => {
    expect(populationStability([50, 50], [50, 50])).toBe(0);
    expect(populationStability([50, 50], [25, 75])).toBeCloseTo((0.25 - 0.5) * Math.log(0.5) + (0.75 - 0.5) * Math.log(1.5), 12);
  });

  it('two proportions: the pooled z test', () => {
    // 10/100 against 20/100: pooled 0.15, se = √(0.15·0.85·0.02), z = 1.98.
    const result = twoProportions(10, 100, 20, 100);
    expect(result.statistic).toBeCloseTo(0.1 / Math.sqrt(0.15 * 0.85 * 0.02), 10);
    expect(result.pValue).toBeCloseTo(0.0477, 3);
  });
});

describe('binned ROC-AUC', () => {
  it('equals the rank AUC when every score has a bin of its own', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 49 }), fc.integer({ min: 0, max: 1 })), { minLength: 2, maxLength: 60 }), (rows) => {
        const positive = new Float64Array(50);
        const negative = new Float64Array(50);
        for (const [s, y] of rows) (y ? positive : negative)[s]!++;
        const expected = rocAuc(rows.map(([s]) => s), rows.map(([, y]) => y));
        const got = binnedAuc(positive, negative);
        if (Number.isNaN(expected)) expect(got).toBeNaN();
        else expect(got).toBeCloseTo(expected, 12);
      }),
    );
  });
});
