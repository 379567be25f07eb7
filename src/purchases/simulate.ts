/**
 * Customers and purchase logs drawn from the BG/NBD story itself (not from its likelihood), so a fit
 * can be checked against the parameters that made the data, and benchmarks have logs of any size.
 */
import { createRng, type Rng } from '../core/random.js';
import type { BgNbdParams } from './bgnbd.js';

function normal(rng: Rng): number {
  const u = 1 - rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** Gamma(shape, rate) by Marsaglia & Tsang; shapes below 1 through the boost U^{1/shape}. */
export function gamma(rng: Rng, shape: number, rate: number): number {
  if (shape < 1) return gamma(rng, shape + 1, rate) * Math.pow(1 - rng(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = normal(rng);
    const v = (1 + c * z) ** 3;
    if (v <= 0) continue;
    const u = 1 - rng();
    if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return (d * v) / rate;
  }
}

export function beta(rng: Rng, a: number, b: number): number {
  const x = gamma(rng, a, 1);
  return x / (x + gamma(rng, b, 1));
}

export interface SimulatedCustomer {
  /** Repeat purchases in (0, T], the time of the last one (0 if none), T. */
  x: number;
  tx: number;
  T: number;
  /** Purchases in (T, T + horizon]. */
  future: number;
}

/** One customer: first purchase at 0, then Poisson(λ) purchases, dropping out after each with probability p. */
export function simulateCustomer(rng: Rng, p: BgNbdParams, T: number, horizon = 0): SimulatedCustomer {
  const lambda = gamma(rng, p.r, p.alpha);
  const dropout = beta(rng, p.a, p.b);
  let t = 0;
  let x = 0;
  let tx = 0;
  let future = 0;
  for (;;) {
    t += -Math.log(1 - rng()) / lambda;
    if (t > T + horizon) break;
    if (t <= T) {
      x += 1;
      tx = t;
    } else future += 1;
    if (rng() < dropout) break;
  }
  return { x, tx, T, future };
}

/** n customers with ages T drawn uniformly from [minT, maxT]. */
export function simulateCustomers(seed: number, p: BgNbdParams, n: number, minT: number, maxT: number, horizon = 0): SimulatedCustomer[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => simulateCustomer(rng, p, minT + (maxT - minT) * rng(), horizon));
}

export function asRepeatData(customers: readonly SimulatedCustomer[]): { frequency: Float64Array; recency: Float64Array; age: Float64Array } {
  return {
    frequency: Float64Array.from(customers, (c) => c.x),
    recency: Float64Array.from(customers, (c) => c.tx),
    age: Float64Array.from(customers, (c) => c.T),
  };
}

/**
 * Purchase days of one customer whose first purchase is on day `first` and who is watched until day
 * `last`: BG/NBD purchase times (in days) rounded down to whole days.
 */
export function simulatePurchaseDays(rng: Rng, p: BgNbdParams, first: number, last: number): number[] {
  const lambda = gamma(rng, p.r, p.alpha);
  const dropout = beta(rng, p.a, p.b);
  const days = [first];
  let t = first;
  for (;;) {
    t += -Math.log(1 - rng()) / lambda;
    if (t > last) break;
    days.push(Math.floor(t));
    if (rng() < dropout) break;
  }
  return days;
}
