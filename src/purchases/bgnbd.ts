/**
 * The BG/NBD "buy till you die" model (Fader, Hardie & Lee 2005): while alive a customer buys at a
 * Poisson rate λ ~ Gamma(r, α); after each purchase they drop out with probability p ~ Beta(a, b).
 * Fitted by maximum likelihood on each customer's repeat purchases x, the time of the last one t_x
 * and the time observed T (any unit, the same for all three; rebuy's tables use days).
 */
import { inputError } from '../errors.js';
import { fitPositive, type MleFit } from './mle.js';
import { hyp2f1 } from './special.js';
import { logBeta, logGamma } from '../core/special.js';

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

export const BG_NBD_PARAMS = ['r', 'alpha', 'a', 'b'] as const;

/** Per customer: repeat purchases x, time of the last purchase t_x, and time observed T (from the first purchase). */
export interface RepeatData {
  frequency: ArrayLike<number>;
  recency: ArrayLike<number>;
  age: ArrayLike<number>;
}

/** Refuses data the model cannot describe, naming the customer row, column and value. */
export function checkRepeatData(data: RepeatData): void {
  const n = data.frequency.length;
  if (data.recency.length !== n || data.age.length !== n) throw inputError('frequency, recency and age differ in length');
  for (let i = 0; i < n; i++) {
    const [x, tx, T] = [data.frequency[i]!, data.recency[i]!, data.age[i]!];
    const bad = (column: string, value: number, problem: string): never => {
      throw inputError(`customer row ${i + 1}: ${problem}`, { column, value: String(value) });
    };
    if (!(Number.isInteger(x) && x >= 0)) bad('frequency', x, 'the number of repeat purchases must be a whole number ≥ 0');
    if (!(Number.isFinite(T) && T >= 0)) bad('age', T, 'the time observed must be a number ≥ 0');
    if (!(Number.isFinite(tx) && tx >= 0 && tx <= T)) bad('recency', tx, 'the time of the last purchase must be between 0 and the time observed');
    if (x === 0 && tx !== 0) bad('recency', tx, 'a customer without repeat purchases has recency 0');
  }
}

/**
 * Customers with equal (x, t_x, T) share one likelihood term: the data compressed to distinct rows
 * and counts. Distinct values of x, t_x and T are indexed so that each evaluation computes the
 * gamma functions and logarithms once per distinct value (whole-day times have a few hundred).
 */
interface Compressed {
  x: Float64Array;
  weight: Float64Array;
  xIndex: Int32Array;
  txIndex: Int32Array;
  TIndex: Int32Array;
  distinctX: Float64Array;
  distinctTx: Float64Array;
  distinctT: Float64Array;
  customers: number;
}

function indexer(): { index: (v: number) => number; values: () => Float64Array } {
  const position = new Map<number, number>();
  const values: number[] = [];
  return {
    index: (v) => {
      let i = position.get(v);
      if (i === undefined) {
        i = values.length;
        position.set(v, i);
        values.push(v);
      }
      return i;
    },
    values: () => Float64Array.from(values),
  };
}

function compress(data: RepeatData): Compressed {
  const xs = indexer();
  const txs = indexer();
  const Ts = indexer();
  const n = data.frequency.length;
  const rowOf = new Map<string, number>();
  const x: number[] = [];
  const weight: number[] = [];
  const xIndex: number[] = [];
  const txIndex: number[] = [];
  const TIndex: number[] = [];
  for (let i = 0; i < n; i++) {
    const [xi, ti, Ti] = [xs.index(data.frequency[i]!), txs.index(data.recency[i]!), Ts.index(data.age[i]!)];
    const key = `${xi}|${ti}|${Ti}`;
    const row = rowOf.get(key);
    if (row !== undefined) weight[row]! += 1;
    else {
      rowOf.set(key, x.length);
      x.push(data.frequency[i]!);
      weight.push(1);
      xIndex.push(xi);
      txIndex.push(ti);
      TIndex.push(Ti);
    }
  }
  return {
    x: Float64Array.from(x),
    weight: Float64Array.from(weight),
    xIndex: Int32Array.from(xIndex),
    txIndex: Int32Array.from(txIndex),
    TIndex: Int32Array.from(TIndex),
    distinctX: xs.values(),
    distinctTx: txs.values(),
    distinctT: Ts.values(),
    customers: n,
  };
}

function logAddExp(u: number, v: number): number {
  const m = Math.max(u, v);
  return m === -Infinity ? -Infinity : m + Math.log1p(Math.exp(-Math.abs(u - v)));
}

function logsOf(values: Float64Array, alpha: number): Float64Array {
  return values.map((v) => Math.log(alpha + v));
}

function compressedLogLikelihood(p: BgNbdParams, c: Compressed): number {
  const { r, alpha, a, b } = p;
  const lnBab = logBeta(a, b);
  const lnGr = logGamma(r);
  const lnAlpha = Math.log(alpha);
  const nx = c.distinctX.length;
  const head = new Float64Array(nx);
  const alive = new Float64Array(nx);
  const dead = new Float64Array(nx);
  for (let k = 0; k < nx; k++) {
    const x = c.distinctX[k]!;
    head[k] = logGamma(r + x) - lnGr + r * lnAlpha;
    alive[k] = logBeta(a, b + x) - lnBab;
    dead[k] = x > 0 ? logBeta(a + 1, b + x - 1) - lnBab : -Infinity;
  }
  const logAT = logsOf(c.distinctT, alpha);
  const logAtx = logsOf(c.distinctTx, alpha);
  let total = 0;
  for (let i = 0; i < c.x.length; i++) {
    const k = c.xIndex[i]!;
    const rx = r + c.x[i]!;
    const stillAlive = alive[k]! - rx * logAT[c.TIndex[i]!]!;
    const term = c.x[i] === 0 ? stillAlive : logAddExp(stillAlive, dead[k]! - rx * logAtx[c.txIndex[i]!]!);
    total += c.weight[i]! * (head[k]! + term);
  }
  return total;
}

/** The log-likelihood of the data under the parameters (sum over customers). */
export function bgNbdLogLikelihood(params: BgNbdParams, data: RepeatData): number {
  checkRepeatData(data);
  return compressedLogLikelihood(params, compress(data));
}

export type BgNbdFit = MleFit<BgNbdParams> & { customers: number };

/** Starting points spread over orders of magnitude; α scales with the data's time unit. */
function defaultStarts(c: Compressed): BgNbdParams[] {
  let sumT = 0;
  for (let i = 0; i < c.x.length; i++) sumT += c.weight[i]! * c.distinctT[c.TIndex[i]!]!;
  const scale = sumT > 0 ? sumT / c.customers : 1;
  return [
    { r: 1, alpha: scale, a: 1, b: 1 },
    { r: 0.1, alpha: scale / 10, a: 0.3, b: 3 },
    { r: 5, alpha: scale * 5, a: 3, b: 0.5 },
  ];
}

/** Maximum-likelihood fit from several starting points; the best optimum is kept. */
export function fitBgNbd(data: RepeatData, opts: { starts?: BgNbdParams[] } = {}): BgNbdFit {
  checkRepeatData(data);
  const c = compress(data);
  if (c.customers === 0) throw inputError('no customers to fit BG/NBD on');
  if (c.distinctX.length === 1 && c.distinctX[0] === 0) throw inputError('no customer made a repeat purchase: BG/NBD cannot be fitted');
  const fit = fitPositive(BG_NBD_PARAMS, (p) => compressedLogLikelihood(p, c), opts.starts ?? defaultStarts(c), c.customers);
  return { ...fit, customers: c.customers };
}

// ---------------------------------------------------------------------------------------------
// What the fitted model says about each customer

/** ln of the odds that a customer has dropped out, given (x, t_x, T). */
function logDropoutOdds(p: BgNbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return -Infinity;
  return Math.log(p.a / (p.b + x - 1)) + (p.r + x) * Math.log((p.alpha + T) / (p.alpha + tx));
}

/** The probability that the customer is still active at the end of the observation. */
export function pAlive(p: BgNbdParams, x: number, tx: number, T: number): number {
  const l = logDropoutOdds(p, x, tx, T);
  return l === -Infinity ? 1 : 1 / (1 + Math.exp(l));
}

/** (a+b+x−1)/(a−1) · [1 − (1−z)^{r+x} 2F1(r+x, b+x; a+b+x−1; z)], z = t/(α+T+t): purchases expected if alive. */
function expectedIfAlive(p: BgNbdParams, a: number, t: number, x: number, T: number): number {
  const z = t / (p.alpha + T + t);
  // Euler's transformation: (1−z)^{r+x} 2F1(r+x, b+x; c; z) = (1−z)^{a−1} 2F1(c−r−x, a−1; c; z), c = a+b+x−1,
  // whose series does not grow with x.
  const c = a + p.b + x - 1;
  const g = Math.pow(1 - z, a - 1) * hyp2f1(c - p.r - x, a - 1, c, z);
  return ((a + p.b + x - 1) / (a - 1)) * (1 - g);
}

const NEAR_ONE = 1e-6;

/** Expected number of purchases in the next t time units, given (x, t_x, T). */
export function expectedPurchases(p: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  if (t <= 0) return 0;
  // At a = 1 the closed form is 0/0: the mean of the two sides is accurate to O(δ²).
  const ifAlive =
    Math.abs(p.a - 1) < NEAR_ONE
      ? (expectedIfAlive(p, 1 - NEAR_ONE, t, x, T) + expectedIfAlive(p, 1 + NEAR_ONE, t, x, T)) / 2
      : expectedIfAlive(p, p.a, t, x, T);
  return ifAlive * pAlive(p, x, tx, T);
}

/**
 * The probability of at least one purchase in the next t time units. Alive at T, λ given the data is
 * Gamma(r+x, α+T), and with no purchase there is no chance to drop out: P(none) = ((α+T)/(α+T+t))^{r+x}.
 */
export function pAtLeastOne(p: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  if (t <= 0) return 0;
  return pAlive(p, x, tx, T) * -Math.expm1((p.r + x) * Math.log1p(-t / (p.alpha + T + t)));
}

export interface BgNbdScores {
  pAlive: Float64Array;
  expected: Float64Array;
  pAtLeastOne: Float64Array;
}

/** The three outputs for every customer, over a horizon of t time units. */
export function scoreBgNbd(p: BgNbdParams, data: RepeatData, t: number): BgNbdScores {
  checkRepeatData(data);
  const n = data.frequency.length;
  const out: BgNbdScores = { pAlive: new Float64Array(n), expected: new Float64Array(n), pAtLeastOne: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const [x, tx, T] = [data.frequency[i]!, data.recency[i]!, data.age[i]!];
    out.pAlive[i] = pAlive(p, x, tx, T);
    out.expected[i] = expectedPurchases(p, t, x, tx, T);
    out.pAtLeastOne[i] = pAtLeastOne(p, t, x, tx, T);
  }
  return out;
}
