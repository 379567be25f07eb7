import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { logBeta, logGamma } from '../../src/core/special.js';

describe('logGamma', () => {
  it('matches ln((n−1)!) for n = 1..171 to about 1e-14 relative', () => {
    let logFactorial = 0; // ln((n−1)!), summed exactly term by term
    for (let n = 1; n <= 171; n++) {
      if (n > 1) logFactorial += Math.log(n - 1);
      expect(Math.abs(logGamma(n) - logFactorial)).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(logFactorial)) + 1e-15);
    }
  });

  it('matches the half-integers: Γ(1/2) = √π, Γ(3/2) = √π/2, Γ(7/2) = 15√π/8', () => {
    const lnSqrtPi = 0.5 * Math.log(Math.PI);
    expect(logGamma(0.5)).toBeCloseTo(lnSqrtPi, 14);
    expect(logGamma(1.5)).toBeCloseTo(lnSqrtPi - Math.log(2), 14);
    expect(logGamma(3.5)).toBeCloseTo(lnSqrtPi + Math.log(15 / 8), 14);
  });

  it('satisfies Γ(x+1) = x Γ(x) from 1e-6 to 1e7', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 1e7, noNaN: true }), (x) => {
        const lhs = logGamma(x + 1) - logGamma(x);
        expect(Math.abs(lhs - Math.log(x))).toBeLessThanOrEqual(2e-15 * (Math.abs(logGamma(x)) + 1) * 8);
      }),
      { numRuns: 500, seed: 7 },
    );
  });

  it('is NaN outside its domain; logBeta(a, b) = ln(Γ(a)Γ(b)/Γ(a+b))', () => {
    expect(logGamma(0)).toBeNaN();
    expect(logGamma(-1.5)).toBeNaN();
    expect(logBeta(2, 3)).toBeCloseTo(Math.log(1 / 12), 14);
    expect(logBeta(0.5, 0.5)).toBeCloseTo(Math.log(Math.PI), 14);
  });
});
