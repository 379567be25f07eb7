import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hyp2f1 } from '../../src/purchases/special.js';
import { hessian, invertPositiveDefinite, minimizeWithRestarts, nelderMead } from '../../src/purchases/optimize.js';

describe('hyp2f1', () => {
  it('matches its closed forms', () => {
    fc.assert(
      fc.property(fc.double({ min: -0.95, max: 0.95, noNaN: true }), fc.double({ min: 0.1, max: 8, noNaN: true }), (z, a) => {
        fc.pre(Math.abs(z) > 1e-9);
        expect(hyp2f1(1, 1, 2, z)).toBeCloseTo(-Math.log1p(-z) / z, 12);
        expect(hyp2f1(a, 1.7, 1.7, z) / Math.pow(1 - z, -a)).toBeCloseTo(1, 11);
        const s = Math.sqrt(Math.abs(z));
        expect(hyp2f1(0.5, 0.5, 1.5, s * s)).toBeCloseTo(Math.asin(s) / s, 12);
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('ends a terminating series exactly: 2F1(−2, b; c; z) is a quadratic', () => {
    const [b, c, z] = [3, 5, 0.7];
    expect(hyp2f1(-2, b, c, z)).toBeCloseTo(1 - (2 * b * z) / c + (b * (b + 1) * z * z) / (c * (c + 1)), 14);
  });

  it('refuses |z| ≥ 1', () => {
    expect(() => hyp2f1(1, 1, 2, 1)).toThrow(RangeError);
  });
});

describe('Nelder–Mead and the Hessian', () => {
  it('finds the Rosenbrock minimum (1, 1) from (−1.2, 1)', () => {
    const rosen = (v: readonly number[]): number => 100 * (v[1]! - v[0]! ** 2) ** 2 + (1 - v[0]!) ** 2;
    const m = minimizeWithRestarts(rosen, [-1.2, 1]);
    expect(m.converged).toBe(true);
    expect(m.x[0]).toBeCloseTo(1, 6);
    expect(m.x[1]).toBeCloseTo(1, 6);
  });

  it('finds the minimum of a 4-D quadratic, and the Hessian and its inverse are the known ones', () => {
    const A = [
      [4, 1, 0, 0.5],
      [1, 3, 0.2, 0],
      [0, 0.2, 2, 0.3],
      [0.5, 0, 0.3, 1],
    ];
    const centre = [1, -2, 0.5, 3];
    const f = (v: readonly number[]): number => {
      let s = 0;
      for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) s += 0.5 * (v[i]! - centre[i]!) * A[i]![j]! * (v[j]! - centre[j]!);
      return s;
    };
    const m = nelderMead(f, [0, 0, 0, 0], { xTolerance: 1e-10, fTolerance: 1e-16 });
    m.x.forEach((xi, i) => expect(xi).toBeCloseTo(centre[i]!, 6));
    const H = hessian(f, m.x, 1e-3);
    H.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(A[i]![j]!, 5)));
    const inv = invertPositiveDefinite(A)!;
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        const prod = A[i]!.reduce((s, aik, k) => s + aik * inv[k]![j]!, 0);
        expect(prod).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    }
    expect(invertPositiveDefinite([[1, 2], [2, 1]])).toBeNull();
  });

  it('steps back from values that are not finite', () => {
    const f = (v: readonly number[]): number => (v[0]! < 0 ? NaN : (v[0]! - 2) ** 2);
    const m = nelderMead(f, [0.1]);
    expect(m.x[0]).toBeCloseTo(2, 6);
  });
});
