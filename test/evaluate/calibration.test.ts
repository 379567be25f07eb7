import { describe, expect, it } from 'vitest';
import {
  applyCalibration,
  expectedCalibrationError,
  fitPlatt,
  logit,
  priorCorrection,
  reliabilityCurve,
  sigmoid,
} from '../../src/evaluate/calibration.js';
import { RebuyError } from '../../src/errors.js';
import { createRng } from '../../src/core/random.js';

/** n rows whose raw scores are uniform in (0.01, 0.99) and whose labels follow sigmoid(slope · logit + intercept). */
function drawFromPlattModel(n: number, slope: number, intercept: number, seed: number) {
  const rng = createRng(seed);
  const p = Float64Array.from({ length: n }, () => 0.01 + 0.98 * rng());
  const y = Uint8Array.from(p, (v) => (rng() < sigmoid(slope * logit(v) + intercept) ? 1 : 0));
  return { p, y };
}

describe('reliabilityCurve and ECE', () => {
  it('bins by equal width, leaves empty bins out, puts p = 1 in the last bin', () => {
    const p = [0.05, 0.15, 0.12, 1.0];
    const y = [0, 1, 0, 1];
    const bins = reliabilityCurve(p, y);
    expect(bins.map((b) => b.count)).toEqual([1, 2, 1]);
    expect(bins[1]!.lower).toBeCloseTo(0.1, 12);
    expect(bins[1]!.meanPredicted).toBeCloseTo(0.135, 12);
    expect(bins[1]!.observedRate).toBe(0.5);
    expect(bins[2]!.upper).toBe(1);
    // (1 · |0.05 − 0| + 2 · |0.135 − 0.5| + 1 · |1 − 1|) / 4
    expect(expectedCalibrationError(p, y)).toBeCloseTo((0.05 + 0.73) / 4, 12);
  });

  it('is small for calibrated data and large for miscalibrated data', () => {
    const rng = createRng(21);
    const p = Float64Array.from({ length: 20000 }, () => rng());
    const calibrated = Uint8Array.from(p, (v) => (rng() < v ? 1 : 0));
    const overconfident = Uint8Array.from(p, (v) => (rng() < 0.5 + (v - 0.5) / 3 ? 1 : 0));
    expect(expectedCalibrationError(p, calibrated)).toBeLessThan(0.02);
    expect(expectedCalibrationError(p, overconfident)).toBeGreaterThan(0.1);
  });

  it('returns NaN for no rows and rejects bad bin counts', () => {
    expect(expectedCalibrationError([], [])).toBeNaN();
    expect(() => reliabilityCurve([0.5], [1], 0)).toThrow(RebuyError);
  });
});

describe('fitPlatt', () => {
  it('recovers a known slope and intercept', () => {
    const { p, y } = drawFromPlattModel(20000, 0.6, -0.8, 5);
    const fitted = fitPlatt(p, y);
    expect(fitted.slope).toBeCloseTo(0.6, 1);
    expect(fitted.intercept).toBeCloseTo(-0.8, 1);
    expect(Math.abs(fitted.slope - 0.6)).toBeLessThan(0.05);
    expect(Math.abs(fitted.intercept + 0.8)).toBeLessThan(0.05);
  });

  it('leaves calibrated scores nearly alone and lowers the ECE of miscalibrated ones', () => {
    const identity = drawFromPlattModel(20000, 1, 0, 9);
    const calibrated = fitPlatt(identity.p, identity.y);
    expect(Math.abs(calibrated.slope - 1)).toBeLessThan(0.06);
    expect(Math.abs(calibrated.intercept)).toBeLessThan(0.06);

    const { p, y } = drawFromPlattModel(20000, 2.5, 1, 10);
    const before = expectedCalibrationError(p, y);
    const after = expectedCalibrationError(applyCalibration(p, fitPlatt(p, y)), y);
    expect(before).toBeGreaterThan(0.1);
    expect(after).toBeLessThan(0.02);
  });

  it('is deterministic and finite on degenerate data', () => {
    const { p, y } = drawFromPlattModel(500, 1.3, 0.2, 2);
    expect(fitPlatt(p, y)).toEqual(fitPlatt(p, y));
    expect(fitPlatt([], [])).toEqual({ slope: 1, intercept: 0 });
    const oneClass = fitPlatt([0.2, 0.7, 0.4], [0, 0, 0]);
    expect(Number.isFinite(oneClass.slope) && Number.isFinite(oneClass.intercept)).toBe(true);
    const sameScore = fitPlatt([0.3, 0.3, 0.3, 0.3], [1, 0, 0, 0]);
    // a constant logit: only the level can be fitted, to Platt's target mean (2/3 + 3 · 1/5) / 4
    const level = sigmoid(sameScore.slope * logit(0.3) + sameScore.intercept);
    expect(level).toBeCloseTo((2 / 3 + 3 / 5) / 4, 6);
  });
});

describe('priorCorrection', () => {
  it('shifts the logit by the change in prior log-odds', () => {
    // trained on 50/50, true rate 20 %: intercept log(0.2 / 0.8) − 0
    const map = priorCorrection(0.5, 0.2);
    expect(map.slope).toBe(1);
    expect(map.intercept).toBeCloseTo(Math.log(0.25), 12);
    // odds 4 (p = 0.8) · 0.25 = 1 -> 0.5; p = 0.5 -> the true rate
    const corrected = applyCalibration([0.8, 0.5], map);
    expect(corrected[0]).toBeCloseTo(0.5, 6);
    expect(corrected[1]).toBeCloseTo(0.2, 6);
  });

  it('is the identity when the rates agree and rejects rates outside (0, 1)', () => {
    expect(priorCorrection(0.16, 0.16).intercept).toBe(0);
    expect(() => priorCorrection(0, 0.2)).toThrow(/strictly between 0 and 1/);
    expect(() => priorCorrection(0.5, 1)).toThrow(RebuyError);
  });
});

describe('applyCalibration', () => {
  it('returns a new array; the identity map keeps probabilities', () => {
    const p = Float32Array.from([0.1, 0.5, 0.93]);
    const out = applyCalibration(p, { slope: 1, intercept: 0 });
    expect(out).not.toBe(p);
    out.forEach((v, i) => expect(v).toBeCloseTo(p[i]!, 6));
    expect(applyCalibration([0, 1], { slope: 1, intercept: 0 })[0]).toBeCloseTo(1e-7, 12);
  });
});
