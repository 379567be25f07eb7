import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/random.js';
import { RebuyError } from '../../src/errors.js';
import {
  bgNbdLogLikelihood,
  expectedPurchases,
  fitBgNbd,
  pAlive,
  pAtLeastOne,
  scoreBgNbd,
  type BgNbdParams,
} from '../../src/purchases/bgnbd.js';
import { simulateCustomer, simulateCustomers, asRepeatData } from '../../src/purchases/simulate.js';

const data = (rows: [x: number, tx: number, T: number][]) => ({
  frequency: rows.map((r) => r[0]),
  recency: rows.map((r) => r[1]),
  age: rows.map((r) => r[2]),
});

describe('BG/NBD log-likelihood', () => {
  // L = Γ(r+x)α^r/Γ(r) · [B(a,b+x)/B(a,b) · (α+T)^-(r+x) + δ(x>0) B(a+1,b+x−1)/B(a,b) · (α+t_x)^-(r+x)]
  const three = data([
    [0, 0, 2],
    [1, 1, 3],
    [2, 2, 4],
  ]);

  it('matches a hand computation for three customers, r = α = a = b = 1', () => {
    // x=0: 1/3.  x=1: ½·4⁻² + ½·2⁻² = 5/32.  x=2: 2·(⅓·5⁻³) + 2·(⅙·3⁻³) = 537/30375.
    const expected = Math.log(1 / 3) + Math.log(5 / 32) + Math.log(537 / 30375);
    expect(Math.abs(bgNbdLogLikelihood({ r: 1, alpha: 1, a: 1, b: 1 }, three) - expected)).toBeLessThan(1e-9);
  });

  it('matches a hand computation for three customers, r = 2, α = 3, a = 2, b = 3', () => {
    // Γ(2+x)·3²/Γ(2) = 9, 18, 54;  B(2,3) = 1/12;  B(2,3+x) = 1/12, 1/20, 1/30;  B(3,2+x) = 1/30, 1/60 (x = 1, 2).
    // x=0: 9·5⁻² = 9/25.  x=1: 18·(12/20·6⁻³ + 12/30·4⁻³) = 13/80.  x=2: 54·(12/30·7⁻⁴ + 12/60·5⁻⁴) = 197154/7503125.
    const expected = Math.log(9 / 25) + Math.log(13 / 80) + Math.log(197154 / 7503125);
    expect(Math.abs(bgNbdLogLikelihood({ r: 2, alpha: 3, a: 2, b: 3 }, three) - expected)).toBeLessThan(1e-9);
  });

  it('refuses data the model cannot describe, naming the row, column and value', () => {
    const p = { r: 1, alpha: 1, a: 1, b: 1 };
    const fail = (rows: [number, number, number][]): RebuyError => {
      try {
        bgNbdLogLikelihood(p, data(rows));
      } catch (err) {
        expect(err).toBeInstanceOf(RebuyError);
        return err as RebuyError;
      }
      throw new Error('no error');
    };
    expect(fail([[0, 0, 5], [1.5, 2, 5]]).message).toMatch(/column "frequency": customer row 2: .*"1.5"/);
    expect(fail([[2, 6, 5]]).message).toMatch(/column "recency".*"6"/);
    expect(fail([[0, 0, NaN]]).message).toMatch(/column "age"/);
    expect(() => fitBgNbd(data([[0, 0, 3], [0, 0, 4]]))).toThrow(/no customer made a repeat purchase/);
  });
});

describe('what the model says about a customer', () => {
  const p: BgNbdParams = { r: 0.6, alpha: 8, a: 0.8, b: 2.5 };

  it('a customer without repeat purchases is alive; P(alive) falls as the silence since the last purchase grows', () => {
    expect(pAlive(p, 0, 0, 30)).toBe(1);
    let last = 1;
    for (const T of [10, 20, 40, 80]) {
      const now = pAlive(p, 3, 10, T);
      expect(now).toBeLessThan(last);
      last = now;
    }
  });

  it('expected purchases and P(at least one) agree with simulation for customers silent since their first purchase', () => {
    // Customers with no repeat purchase in (0, T] are an event of positive probability: condition on it by simulation.
    const T = 20;
    const t = 30;
    const rng = createRng(99);
    let kept = 0;
    let sum = 0;
    let sumSq = 0;
    let some = 0;
    for (let i = 0; i < 200_000; i++) {
      const c = simulateCustomer(rng, p, T, t);
      if (c.x !== 0) continue;
      kept += 1;
      sum += c.future;
      sumSq += c.future * c.future;
      if (c.future > 0) some += 1;
    }
    const mean = sum / kept;
    const se = Math.sqrt((sumSq / kept - mean * mean) / kept);
    const share = some / kept;
    expect(Math.abs(expectedPurchases(p, t, 0, 0, T) - mean)).toBeLessThan(4 * se);
    expect(Math.abs(pAtLeastOne(p, t, 0, 0, T) - share)).toBeLessThan(4 * Math.sqrt((share * (1 - share)) / kept));
  });

  it('a new customer (x = t_x = T = 0) expects the population mean, also with a = 1', () => {
    const rng = createRng(5);
    for (const q of [p, { ...p, a: 1 }]) {
      let sum = 0;
      const n = 100_000;
      for (let i = 0; i < n; i++) sum += simulateCustomer(rng, q, 0, 25).future;
      const mean = sum / n;
      expect(Math.abs(expectedPurchases(q, 25, 0, 0, 0) - mean) / mean).toBeLessThan(0.03);
    }
  });

  it('keeps E[Y] ≥ P(Y ≥ 1) ≤ P(alive) for any parameters and customers, up to hundreds of purchases', () => {
    fc.assert(
      fc.property(
        fc.record({
          r: fc.double({ min: 0.05, max: 10, noNaN: true }),
          alpha: fc.double({ min: 0.1, max: 100, noNaN: true }),
          a: fc.double({ min: 0.05, max: 10, noNaN: true }),
          b: fc.double({ min: 0.05, max: 10, noNaN: true }),
        }),
        fc.integer({ min: 0, max: 300 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 1, max: 400, noNaN: true }),
        fc.double({ min: 1, max: 400, noNaN: true }),
        (q, x, share, T, t) => {
          const tx = x === 0 ? 0 : share * T;
          const alive = pAlive(q, x, tx, T);
          const any = pAtLeastOne(q, t, x, tx, T);
          const mean = expectedPurchases(q, t, x, tx, T);
          expect(Number.isFinite(mean)).toBe(true);
          expect(alive).toBeGreaterThanOrEqual(0);
          expect(alive).toBeLessThanOrEqual(1);
          expect(any).toBeLessThanOrEqual(alive + 1e-12);
          expect(mean).toBeGreaterThanOrEqual(any * (1 - 1e-9) - 1e-12);
        },
      ),
      { numRuns: 400, seed: 3 },
    );
  });

  it('scores arrays of customers with the same three numbers', () => {
    const d = data([
      [0, 0, 10],
      [4, 30, 35],
    ]);
    const s = scoreBgNbd(p, d, 20);
    expect(s.pAlive[1]).toBe(pAlive(p, 4, 30, 35));
    expect(s.expected[1]).toBe(expectedPurchases(p, 20, 4, 30, 35));
    expect(s.pAtLeastOne[0]).toBe(pAtLeastOne(p, 20, 0, 0, 10));
    expect(s.pAtLeastOne[1]).toBeLessThan(s.pAlive[1]!);
  });
});

describe('BG/NBD maximum likelihood', () => {
  it('recovers the parameters of simulated customers within their 95 % intervals', () => {
    // Each 95 % interval misses the truth in one sample of twenty by design; this seed is one sample.
    const truth: BgNbdParams = { r: 0.25, alpha: 4, a: 0.8, b: 2.5 };
    const customers = simulateCustomers(1, truth, 50_000, 26, 39);
    const fit = fitBgNbd(asRepeatData(customers), { starts: [{ r: 1, alpha: 10, a: 1, b: 1 }] });
    expect(fit.converged).toBe(true);
    for (const k of ['r', 'alpha', 'a', 'b'] as const) {
      const [lo, hi] = fit.intervals[k];
      expect(truth[k]).toBeGreaterThan(lo);
      expect(truth[k]).toBeLessThan(hi);
      expect(fit.standardErrors[k]).toBeGreaterThan(0);
      expect(fit.standardErrors[k]).toBeLessThan(fit.params[k]);
    }
  });
});
