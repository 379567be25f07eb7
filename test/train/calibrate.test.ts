import { describe, expect, it } from 'vitest';
import { argmaxThreshold, fitCalibration } from '../../src/train/calibrate.js';
import { correctedPairedComparison } from '../../src/evaluate/leaderboard.js';
import { pairedTest } from '../../src/evaluate/stats.js';

describe('calibration for the natural class mix', () => {
  it('prior correction shifts the logit from the training mix to the true one', () => {
    const c = fitCalibration('prior', { validP: [0.5], validY: [1], trainPositiveRate: 0.5, truePositiveRate: 0.2 });
    expect(c.slope).toBe(1);
    expect(c.intercept).toBeCloseTo(Math.log(0.2 / 0.8), 12);
    // Raw 0.5 on balanced data means "as likely as the base rate" on the natural mix.
    expect(argmaxThreshold(c)).toBeCloseTo(0.2, 12);
  });

  it('none is the identity, and its argmax threshold is 0.5', () => {
    const c = fitCalibration('none', { validP: [], validY: [], trainPositiveRate: 0.5, truePositiveRate: 0.2 });
    expect(c).toEqual({ method: 'none', slope: 1, intercept: 0 });
    expect(argmaxThreshold(c)).toBe(0.5);
  });
});

describe('corrected paired comparison', () => {
  it('without correction it is the paired t-test', () => {
    const a = [0.91, 0.9, 0.93, 0.92, 0.9];
    const b = [0.9, 0.88, 0.9, 0.91, 0.9];
    const plain = pairedTest(a, b);
    const cmp = correctedPairedComparison(a, b, 0);
    expect(cmp.meanDifference).toBeCloseTo(plain.meanDifference, 12);
    expect(cmp.pValue).toBeCloseTo(plain.pValue, 9);
  });

  it('the correction for overlapping training sets widens the interval and raises the p-value', () => {
    const a = [0.91, 0.9, 0.93, 0.92, 0.9];
    const b = [0.9, 0.88, 0.9, 0.91, 0.9];
    const plain = correctedPairedComparison(a, b, 0);
    const corrected = correctedPairedComparison(a, b, 0.25);
    // Variance factor (1/5 + 0.25) / (1/5) = 2.25: the interval is 1.5 times as wide.
    expect(corrected.upper - corrected.lower).toBeCloseTo(1.5 * (plain.upper - plain.lower), 9);
    expect(corrected.pValue).toBeGreaterThan(plain.pValue);
  });
});
