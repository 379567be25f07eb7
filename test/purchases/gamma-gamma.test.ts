import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/random.js';
import { RebuyError } from '../../src/errors.js';
import { buildCustomerTable } from '../../src/purchases/customer-table.js';
import { expectedSpend, fitGammaGamma, gammaGammaLogLikelihood, type GammaGammaParams } from '../../src/purchases/gamma-gamma.js';
import { CDNOW_CUTOFF, CDNOW_SPEC, hasCdnow } from './helpers.js';
import { gamma } from '../../src/purchases/simulate.js';

describe('Gamma-Gamma', () => {
  it('matches a hand computation: p = 1, q = 2, γ = 1', () => {
    // ℓ = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q lnγ + (px−1) ln m + px ln x − (px+q) ln(γ + x m)
    // (x=1, m=1): ln 2 − 3 ln 2 = ln ¼.  (x=2, m=3): ln 6 + ln 3 + 2 ln 2 − 4 ln 7 = ln(72/2401).  x=0 does not enter.
    const data = { frequency: [1, 2, 0], monetary: [1, 3, NaN] };
    expect(Math.abs(gammaGammaLogLikelihood({ p: 1, q: 2, gamma: 1 }, data) - Math.log(18 / 2401))).toBeLessThan(1e-9);
  });

  it('recovers the parameters of simulated spend within their 95 % intervals', () => {
    const truth: GammaGammaParams = { p: 6, q: 4, gamma: 15 };
    const rng = createRng(31);
    const n = 4000;
    const frequency = new Float64Array(n);
    const monetary = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const nu = gamma(rng, truth.q, truth.gamma);
      const x = 1 + Math.floor(rng() * 8);
      let s = 0;
      for (let k = 0; k < x; k++) s += gamma(rng, truth.p, nu);
      frequency[i] = x;
      monetary[i] = s / x;
    }
    const fit = fitGammaGamma({ frequency, monetary }, { starts: [{ p: 1, q: 2, gamma: 10 }] });
    expect(fit.converged).toBe(true);
    for (const k of ['p', 'q', 'gamma'] as const) {
      expect(truth[k]).toBeGreaterThan(fit.intervals[k][0]);
      expect(truth[k]).toBeLessThan(fit.intervals[k][1]);
    }
  });

  it('shrinks a customer\'s mean towards the population mean, less so the more they bought', () => {
    const params = { p: 6, q: 4, gamma: 15 };
    const population = expectedSpend(params, 0, 0);
    expect(population).toBeCloseTo(30, 12);
    const one = expectedSpend(params, 1, 100);
    const ten = expectedSpend(params, 10, 100);
    expect(one).toBeGreaterThan(population);
    expect(one).toBeLessThan(ten);
    expect(ten).toBeLessThan(100);
  });

  it('refuses a repeat buyer without a positive mean value', () => {
    expect(() => fitGammaGamma({ frequency: [1, 2], monetary: [10, -3] })).toThrow(RebuyError);
    expect(() => fitGammaGamma({ frequency: [1, 2], monetary: [10, -3] })).toThrow(/row 2.*positive/);
  });

  it.runIf(hasCdnow)('fits the CDNOW repeat buyers from several starts to one optimum, the paper\'s', async () => {
    const table = await buildCustomerTable(CDNOW_SPEC, { cutoff: CDNOW_CUTOFF, horizonDays: 30 });
    const fit = fitGammaGamma({ frequency: table.numeric.get('frequency')!, monetary: table.numeric.get('amount_repeat_mean')! });
    expect(fit.customers).toBe(946);
    expect(fit.converged).toBe(true);
    for (const s of fit.starts) expect(Math.abs(s.logLikelihood - fit.logLikelihood)).toBeLessThan(1e-6);
    // Fader, Hardie & Lee (2005), "RFM and CLV": p = 6.25, q = 3.74, γ = 15.44.
    expect(fit.params.p).toBeCloseTo(6.25, 2);
    expect(fit.params.q).toBeCloseTo(3.74, 2);
    expect(fit.params.gamma).toBeCloseTo(15.44, 1);
  });
});
