import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  incompleteBeta,
  mean,
  meanInterval,
  median,
  normalQuantile,
  pairedTest,
  quantile,
  sd,
  tCdf,
  tQuantile,
} from '../../src/evaluate/stats.js';

describe('summaries', () => {
  it('computes mean, sample sd, median and type-7 quantiles', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(sd([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 12); // squared deviations sum to 32
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    // numpy.quantile([1, 2, 3, 4, 10], 0.9) = 4 + 0.6 * 6 = 7.6
    expect(quantile([10, 1, 2, 3, 4], 0.9)).toBeCloseTo(7.6, 12);
    expect(quantile([3], 0.25)).toBe(3);
  });

  it('gives NaN where undefined', () => {
    expect(mean([])).toBeNaN();
    expect(sd([1])).toBeNaN();
    expect(median([])).toBeNaN();
    expect(meanInterval([2]).lower).toBeNaN();
  });
});

describe('special functions', () => {
  it('incompleteBeta matches closed forms', () => {
    expect(incompleteBeta(0.3, 2, 1)).toBeCloseTo(0.09, 12); // x^a when b = 1
    expect(incompleteBeta(0.5, 3.7, 3.7)).toBeCloseTo(0.5, 12);
    expect(incompleteBeta(0.3, 2.5, 1.5)).toBeCloseTo(0.08894372317066562, 10); // scipy.stats.beta.cdf
  });

  it('normalQuantile matches reference values', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(normalQuantile(0.6)).toBeCloseTo(0.2533471031357997, 12);
    expect(normalQuantile(0.999)).toBeCloseTo(3.090232306167813, 12);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 10);
  });
});

describe('Student t', () => {
  it('quantiles match the table (scipy.stats.t.ppf)', () => {
    expect(tQuantile(0.975, 9)).toBeCloseTo(2.262157162798205, 9); // the textbook 2.262
    expect(tQuantile(0.975, 1)).toBeCloseTo(12.706204736174694, 8);
    expect(tQuantile(0.975, 30)).toBeCloseTo(2.0422724563012378, 9);
    expect(tQuantile(0.95, 5)).toBeCloseTo(2.0150483733330233, 9);
    expect(tQuantile(0.995, 2)).toBeCloseTo(9.924843200918287, 8);
    expect(tQuantile(0.975, 100)).toBeCloseTo(1.9839715185235518, 9);
    expect(tQuantile(0.999999, 3)).toBeCloseTo(103.29946777942898, 5);
    expect(tQuantile(0.9, 0.5)).toBeCloseTo(10.27032441023451, 7);
    expect(tQuantile(0.025, 9)).toBeCloseTo(-2.262157162798205, 9);
    expect(tQuantile(0.5, 4)).toBe(0);
    expect(tQuantile(0.975, Number.POSITIVE_INFINITY)).toBeCloseTo(1.959963984540054, 12);
  });

  it('quantiles agree with the closed forms for 1 and 2 degrees of freedom', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 0.999, noNaN: true }), (p) => {
        expect(tQuantile(p, 1)).toBeCloseTo(Math.tan(Math.PI * (p - 0.5)), 7);
        expect(tQuantile(p, 2)).toBeCloseTo((2 * p - 1) / Math.sqrt(2 * p * (1 - p)), 8);
      }),
    );
  });

  it('the CDF inverts the quantile', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.0001, max: 0.9999, noNaN: true }), fc.integer({ min: 1, max: 200 }), (p, df) => {
        expect(tCdf(tQuantile(p, df), df)).toBeCloseTo(p, 10);
      }),
    );
    expect(tCdf(-1.5, 7)).toBeCloseTo(0.088649243494985, 12); // scipy.stats.t.cdf
  });
});

describe('meanInterval', () => {
  it('uses the t quantile: mean ± t(0.975, n-1) · sd / √n', () => {
    const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]; // mean 5.5, sd √(82.5/9)
    const interval = meanInterval(values);
    const half = (2.262157162798205 * Math.sqrt(82.5 / 9)) / Math.sqrt(10);
    expect(interval.mean).toBe(5.5);
    expect(interval.lower).toBeCloseTo(5.5 - half, 9);
    expect(interval.upper).toBeCloseTo(5.5 + half, 9);
  });
});

describe('pairedTest', () => {
  it('matches scipy.stats.ttest_rel', () => {
    const a = [0.81, 0.79, 0.84, 0.8, 0.83, 0.78];
    const b = [0.8, 0.8, 0.81, 0.78, 0.8, 0.79];
    const r = pairedTest(a, b);
    expect(r.meanDifference).toBeCloseTo(0.011666666666666664, 12);
    expect(r.t).toBeCloseTo(1.5574795582149454, 9);
    expect(r.df).toBe(5);
    expect(r.pValue).toBeCloseTo(0.180090319217976, 9);
    expect(r.lower).toBeCloseTo(-0.007588880706378266, 9);
    expect(r.upper).toBeCloseTo(0.030922214039711543, 9);
  });

  it('matches a one-sample t-test on the differences', () => {
    // differences 1..5: t = 3 / (√2.5 / √5) = 4.2426, p = 0.013236 (scipy)
    const r = pairedTest([1, 2, 3, 4, 5], [0, 0, 0, 0, 0]);
    expect(r.t).toBeCloseTo(4.242640687119285, 12);
    expect(r.pValue).toBeCloseTo(0.01323559956368269, 10);
  });

  it('handles constant differences and too few pairs', () => {
    expect(pairedTest([1, 2, 3], [1, 2, 3]).pValue).toBe(1);
    expect(pairedTest([2, 3, 4], [1, 2, 3]).pValue).toBe(0);
    expect(pairedTest([1], [0]).pValue).toBeNaN();
    expect(() => pairedTest([1, 2], [1])).toThrow(/equal lengths/);
  });
});
