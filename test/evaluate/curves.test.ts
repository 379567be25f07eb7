import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { downsampleIndices, prCurve, rocCurve, thresholdSweep } from '../../src/evaluate/curves.js';
import { rocAuc } from '../../src/evaluate/metrics.js';
import { createRng } from '../../src/core/random.js';

function trapezoid(x: number[], y: number[]): number {
  let area = 0;
  for (let i = 1; i < x.length; i++) area += ((x[i]! - x[i - 1]!) * (y[i]! + y[i - 1]!)) / 2;
  return area;
}

describe('thresholdSweep', () => {
  it('counts cumulative hits per distinct score, highest first', () => {
    const sweep = thresholdSweep([0.2, 0.8, 0.5, 0.8], [0, 1, 1, 0]);
    expect(Array.from(sweep.thresholds)).toEqual([0.8, 0.5, 0.2]);
    expect(Array.from(sweep.tp)).toEqual([1, 2, 2]);
    expect(Array.from(sweep.fp)).toEqual([1, 1, 2]);
    expect([sweep.positives, sweep.negatives]).toEqual([2, 2]);
  });

  it('rejects NaN scores', () => {
    expect(() => thresholdSweep([0.1, Number.NaN], [0, 1])).toThrow(/NaN/);
  });
});

describe('rocCurve', () => {
  it('walks from (0, 0) to (1, 1) through each threshold', () => {
    // p 0.9(1) 0.8(0) 0.4(1) 0.3(0)
    const roc = rocCurve([0.9, 0.8, 0.4, 0.3], [1, 0, 1, 0]);
    expect(roc.fpr).toEqual([0, 0, 0.5, 0.5, 1]);
    expect(roc.tpr).toEqual([0, 0.5, 0.5, 1, 1]);
    expect(roc.thresholds).toEqual([Number.POSITIVE_INFINITY, 0.9, 0.8, 0.4, 0.3]);
  });

  it('is empty without both classes', () => {
    expect(rocCurve([0.1, 0.2], [1, 1]).fpr).toEqual([]);
  });

  it('has an area equal to the rank AUC, and at most 200 points', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 2, max: 3000 }), (seed, n) => {
        const rng = createRng(seed);
        const y = Uint8Array.from({ length: n }, () => (rng() < 0.3 ? 1 : 0));
        fc.pre(y.includes(0) && y.includes(1));
        const p = Float64Array.from(y, (label) => Math.round((rng() + label * 0.3) * 500) / 500);
        const full = rocCurve(p, y, Number.POSITIVE_INFINITY);
        expect(trapezoid(full.fpr, full.tpr)).toBeCloseTo(rocAuc(p, y), 10);
        const thin = rocCurve(p, y);
        expect(thin.fpr.length).toBeLessThanOrEqual(200);
        expect(thin.fpr[0]).toBe(0);
        expect(thin.fpr[thin.fpr.length - 1]).toBe(1);
        expect(trapezoid(thin.fpr, thin.tpr)).toBeCloseTo(rocAuc(p, y), 2);
      }),
      { numRuns: 30 },
    );
  });
});

describe('prCurve', () => {
  it('starts at recall 0, precision 1 and steps per threshold', () => {
    const pr = prCurve([0.9, 0.8, 0.4, 0.3], [1, 0, 1, 0]);
    expect(pr.recall).toEqual([0, 0.5, 0.5, 1, 1]);
    expect(pr.precision).toEqual([1, 1, 0.5, 2 / 3, 0.5]);
    expect(pr.thresholds[1]).toBe(0.9);
  });

  it('is empty without positives and thinned for charts', () => {
    expect(prCurve([0.1, 0.2], [0, 0]).recall).toEqual([]);
    const rng = createRng(3);
    const p = Float64Array.from({ length: 5000 }, () => rng());
    const y = Uint8Array.from(p, (v) => (rng() < v ? 1 : 0));
    const pr = prCurve(p, y);
    expect(pr.recall.length).toBeLessThanOrEqual(200);
    expect(pr.recall.length).toBeGreaterThan(150);
    expect(pr.recall[pr.recall.length - 1]).toBe(1);
  });
});

describe('downsampleIndices', () => {
  it('keeps the ends, stays increasing and within the budget', () => {
    const x = Array.from({ length: 1000 }, (_, i) => i / 999);
    const y = x.map((v) => Math.sqrt(v));
    const kept = downsampleIndices(x, y, 50);
    expect(kept[0]).toBe(0);
    expect(kept[kept.length - 1]).toBe(999);
    expect(kept.length).toBeLessThanOrEqual(50);
    expect(kept.every((v, i) => i === 0 || v > kept[i - 1]!)).toBe(true);
    expect(downsampleIndices([0, 1], [0, 1], 50)).toEqual([0, 1]);
  });
});
