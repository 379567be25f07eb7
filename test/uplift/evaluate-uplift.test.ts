import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  bootstrapUplift,
  curveArea,
  qiniCoefficient,
  qiniCurve,
  upliftAtK,
  upliftCurve,
  upliftMetrics,
  type UpliftSample,
} from '../../src/evaluate/uplift.js';

// Four customers: a treated buyer, a treated non-buyer, a control non-buyer, a control buyer.
const outcome = [1, 0, 0, 1];
const treated = [1, 1, 0, 0];
const best: UpliftSample = { score: [4, 3, 2, 1], outcome, treated };
const worst: UpliftSample = { score: [1, 2, 3, 4], outcome, treated };

describe('Qini and uplift curves on a hand-made case', () => {
  it('counts incremental buyers among the first n, scaling the controls to the treated count', () => {
    const q = qiniCurve(best);
    expect([...q.targeted]).toEqual([0, 1, 2, 3, 4]);
    expect([...q.value]).toEqual([0, 1, 1, 1, 0]);
    expect(curveArea(q)).toBe(3);
    const w = qiniCurve(worst);
    expect([...w.value]).toEqual([0, 0, 0, -0.5, 0]);
  });

  it('gives the uplift curve as the rate difference times the customers targeted', () => {
    expect([...upliftCurve(best).value]).toEqual([0, 1, 1, 1.5, 0]);
  });

  it('normalizes the Qini area: 1 for the perfect ranking, the worst ranking below 0', () => {
    expect(qiniCoefficient(best)).toBeCloseTo(1, 12);
    // Model area −0.5, random 0, perfect 3.
    expect(qiniCoefficient(worst)).toBeCloseTo(-1 / 6, 12);
  });

  it('targets tied scores together', () => {
    const tied = qiniCurve({ score: [1, 1, 1, 1], outcome, treated });
    expect([...tied.targeted]).toEqual([0, 4]);
    expect(qiniCoefficient({ score: [1, 1, 1, 1], outcome, treated })).toBeCloseTo(0, 12);
  });

  it('computes uplift at k over the first ceil(n·k) customers', () => {
    expect(upliftAtK(best, 0.75)).toBeCloseTo(0.5, 12);
    expect(upliftAtK(best, 1)).toBe(0);
    // The first two are both treated: no control to compare with.
    expect(upliftAtK(best, 0.5)).toBeNaN();
    expect(() => upliftAtK(best, 0)).toThrow(/share/);
  });

  it('uplift at 100 % is the average effect random targeting gets', () => {
    const m = upliftMetrics({ score: [0.3, 0.1, 0.2, 0.4, 0.5, 0.6], outcome: [1, 1, 0, 0, 1, 0], treated: [1, 0, 1, 0, 1, 0] });
    expect(m.average).toBeCloseTo(2 / 3 - 1 / 3, 12);
    expect(m.upliftAt).toHaveLength(3);
  });
});

describe('Qini coefficient properties', () => {
  const samples = fc
    .array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 }), fc.double({ min: -1, max: 1, noNaN: true })), { minLength: 4, maxLength: 60 })
    .filter((rows) => rows.some(([t, y]) => t === 1 && y === 1) && rows.some(([t]) => t === 0));

  it('is 1 for the perfect ranking and never above it', () => {
    fc.assert(
      fc.property(samples, (rows) => {
        const sample: UpliftSample = { outcome: rows.map((r) => r[1]), treated: rows.map((r) => r[0]), score: rows.map((r) => r[2]) };
        const perfect = { ...sample, score: rows.map(([t, y]) => (t ? 1 : -1) * y) };
        const q = qiniCoefficient(perfect);
        if (Number.isNaN(q)) return;
        expect(q).toBeCloseTo(1, 9);
        expect(qiniCoefficient(sample)).toBeLessThanOrEqual(1 + 1e-9);
      }),
    );
  });
});

describe('bootstrapUplift', () => {
  it('brackets the statistic and pairs rankings of the same customers', () => {
    const n = 400;
    const score = Array.from({ length: n }, (_, i) => i);
    const treatedFlags = Array.from({ length: n }, (_, i) => i % 2);
    // Treated customers with a high score buy, nobody else does: the ranking is good.
    const y = Array.from({ length: n }, (_, i) => (i % 2 === 1 && i > n / 2 ? 1 : 0));
    const est = bootstrapUplift(y, treatedFlags, [score], ([s]) => qiniCoefficient(s!), { replicates: 100, seed: 3 });
    expect(est.value).toBeGreaterThan(0.5);
    expect(est.interval[0]).toBeLessThanOrEqual(est.value);
    expect(est.interval[1]).toBeGreaterThanOrEqual(est.value);
    const same = bootstrapUplift(y, treatedFlags, [score, score], ([a, b]) => qiniCoefficient(a!) - qiniCoefficient(b!), { replicates: 50 });
    expect(same.interval).toEqual([0, 0]);
  });
});
