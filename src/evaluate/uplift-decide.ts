/**
 * Decisions in money from uplift: contact a customer with the treatment whose expected incremental
 * profit, uplift × value − cost, is highest, and only when it is positive. Customers every treatment
 * is expected to put off (negative uplift) are listed apart. On held-out customers of the test, the
 * realized incremental profit of a list is estimated from the randomized arms:
 *
 *   profit = Σ_t n_t · ((buying rate of the treated − buying rate of the controls among the n_t) · value − cost)
 *
 * over the customers assigned treatment t, with a percentile bootstrap interval.
 */
import { usageError } from '../errors.js';
import { normalQuantile } from './stats.js';
import { percentileBootstrap, type Estimate } from './uplift.js';

export interface UpliftMoney {
  contactCost: number;
  valuePerReturn: number;
}

export interface TreatmentChoice {
  /** Per customer: the treatment to send (0-based), or −1 for no contact. */
  treatment: Int16Array;
  /** Per customer: expected incremental profit of the choice (0 when not contacted). */
  gain: Float64Array;
  /** Per customer: 1 when every treatment's uplift is negative (the contact is expected to put them off). */
  putOff: Uint8Array;
}

export function checkMoney(money: UpliftMoney): void {
  if (!(money.contactCost >= 0 && Number.isFinite(money.contactCost))) throw usageError(`--contact-cost must be a number >= 0; got ${money.contactCost}`);
  if (!(money.valuePerReturn > 0 && Number.isFinite(money.valuePerReturn))) throw usageError(`--value-per-return must be a number > 0; got ${money.valuePerReturn}`);
}

/** The best treatment per customer by expected incremental profit, and whether to contact at all. */
export function chooseTreatments(uplift: readonly ArrayLike<number>[], money: UpliftMoney): TreatmentChoice {
  checkMoney(money);
  const n = uplift[0]?.length ?? 0;
  const treatment = new Int16Array(n).fill(-1);
  const gain = new Float64Array(n);
  const putOff = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let best = -1;
    let bestGain = 0;
    let anyHelps = false;
    uplift.forEach((u, t) => {
      if (u[i]! >= 0) anyHelps = true;
      const g = u[i]! * money.valuePerReturn - money.contactCost;
      if (g > bestGain) {
        bestGain = g;
        best = t;
      }
    });
    treatment[i] = best;
    gain[i] = best >= 0 ? bestGain : 0;
    putOff[i] = anyHelps ? 0 : 1;
  }
  return { treatment, gain, putOff };
}

/** Running sums of a contact list's expected incremental profit, added to as the customers' scores arrive. */
export interface ListProfitSums {
  /** Σ gain over the contacted customers. */
  value: number;
  /** Σ over them of the variance of each one's extra purchase (see expectedListProfit). */
  variance: number;
}

/** Adds customers to the sums, in order, so that a list added a chunk at a time sums as the whole list at once. */
export function addToListProfit(
  sums: ListProfitSums,
  scores: { control: ArrayLike<number>; treated: readonly ArrayLike<number>[] },
  choice: TreatmentChoice,
): void {
  choice.treatment.forEach((t, i) => {
    sums.value += choice.gain[i]!;
    if (t < 0) return;
    const pt = scores.treated[t]![i]!;
    const pc = scores.control[i]!;
    sums.variance += pt * (1 - pt) + pc * (1 - pc);
  });
}

/** The expected profit and its range at `level` from the list's sums (see expectedListProfit). */
export function listProfitEstimate(sums: ListProfitSums, money: UpliftMoney, level = 0.95): Estimate & { level: number } {
  const half = normalQuantile(1 - (1 - level) / 2) * money.valuePerReturn * Math.sqrt(sums.variance);
  return { value: sums.value, interval: [sums.value - half, sums.value + half], level };
}

/**
 * The expected incremental profit of the customers `choice` contacts (Σ gain, as summed everywhere
 * else), and the range the realized profit falls in with probability `level` if the model's
 * probabilities are right: each contacted customer's extra purchase D = Y(treated) − Y(control) has
 * variance p_t(1 − p_t) + p_c(1 − p_c) when the two outcomes are independent, which is the widest
 * case for outcomes that go together. The range leaves out the model's own error.
 */
export function expectedListProfit(
  scores: { control: ArrayLike<number>; treated: readonly ArrayLike<number>[] },
  choice: TreatmentChoice,
  money: UpliftMoney,
  level = 0.95,
): Estimate & { level: number } {
  const sums = { value: 0, variance: 0 };
  addToListProfit(sums, scores, choice);
  return listProfitEstimate(sums, money, level);
}

/** Held-out customers of the test: who bought, and which arm they were in (0 = control, t + 1 = treatment t). */
export interface HeldOut {
  outcome: ArrayLike<number>;
  arm: ArrayLike<number>;
}

/** Realized incremental profit of sending `assigned[i]` (−1 = nobody) to each customer, from the arms. */
export function realizedProfit(held: HeldOut, assigned: ArrayLike<number>, money: UpliftMoney, rows?: ArrayLike<number>): number {
  const treatments = new Map<number, { nt: number; yt: number; nc: number; yc: number; n: number }>();
  const count = rows?.length ?? held.outcome.length;
  for (let k = 0; k < count; k++) {
    const i = rows ? rows[k]! : k;
    const t = assigned[i]!;
    if (t < 0) continue;
    const s = treatments.get(t) ?? { nt: 0, yt: 0, nc: 0, yc: 0, n: 0 };
    s.n++;
    if (held.arm[i] === t + 1) {
      s.nt++;
      s.yt += held.outcome[i]!;
    } else if (held.arm[i] === 0) {
      s.nc++;
      s.yc += held.outcome[i]!;
    }
    treatments.set(t, s);
  }
  let profit = 0;
  for (const s of treatments.values()) {
    if (s.nt === 0 || s.nc === 0) return Number.NaN;
    profit += s.n * ((s.yt / s.nt - s.yc / s.nc) * money.valuePerReturn - money.contactCost);
  }
  return profit;
}

export interface ProfitPoint {
  /** Customers contacted: the first n by expected incremental profit. */
  contacted: number;
  profit: Estimate;
}

export interface UpliftDecisionResult {
  customers: number;
  contacted: number;
  /** Contacted per treatment, in treatment order. */
  byTreatment: number[];
  putOff: number;
  expectedProfit: number;
  /** Realized on the held-out customers, with its bootstrap interval. */
  realized: Estimate;
  /** Profit when contacting the first n customers by expected gain, each with its best treatment. */
  curve: ProfitPoint[];
  level: number;
}

/**
 * The decision on held-out customers, judged from the arms: the chosen list's incremental profit with
 * an interval, and the profit curve over list lengths (the best treatment per customer throughout).
 */
export function judgeUpliftDecision(
  uplift: readonly ArrayLike<number>[],
  held: HeldOut,
  money: UpliftMoney,
  options: { replicates?: number; level?: number; seed?: number; points?: number } = {},
): UpliftDecisionResult {
  const replicates = options.replicates ?? 200;
  const level = options.level ?? 0.95;
  const seed = options.seed ?? 0;
  const choice = chooseTreatments(uplift, money);
  const n = choice.treatment.length;
  const realized = percentileBootstrap(n, (rows) => realizedProfit(held, choice.treatment, money, rows ?? undefined), { replicates, level, seed });
  // For the curve every customer gets the best treatment, contacted in order of its expected gain.
  const best = Int16Array.from({ length: n }, (_, i) => {
    let t = 0;
    for (let k = 1; k < uplift.length; k++) if (uplift[k]![i]! > uplift[t]![i]!) t = k;
    return t;
  });
  const gainOf = (i: number) => uplift[best[i]!]![i]! * money.valuePerReturn - money.contactCost;
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => gainOf(b) - gainOf(a) || a - b);
  const rank = new Uint32Array(n);
  order.forEach((i, r) => (rank[i] = r));
  const points = options.points ?? 20;
  const byTreatment = uplift.map((_, t) => choice.treatment.filter((c) => c === t).length);
  const contacted = byTreatment.reduce((a, b) => a + b, 0);
  const curve: ProfitPoint[] = [];
  for (let p = 1; p <= points; p++) {
    const depth = Math.round((n * p) / points);
    const assigned = Int16Array.from(best, (t, i) => (rank[i]! < depth ? t : -1));
    curve.push({ contacted: depth, profit: percentileBootstrap(n, (rows) => realizedProfit(held, assigned, money, rows ?? undefined), { replicates, level, seed: seed + p }) });
  }
  // The chosen list is the curve's first `contacted` customers (those whose best gain is positive):
  // its point is the list's own figure, so the chart passes through exactly what the decision reports.
  const at = curve.findIndex((pt) => pt.contacted >= contacted);
  if (contacted > 0) {
    if (curve[at]?.contacted === contacted) curve[at] = { contacted, profit: realized };
    else curve.splice(at < 0 ? curve.length : at, 0, { contacted, profit: realized });
  }
  return {
    customers: n,
    contacted,
    byTreatment,
    putOff: choice.putOff.reduce((a, b) => a + b, 0),
    expectedProfit: choice.gain.reduce((a, b) => a + b, 0),
    realized,
    curve,
    level,
  };
}

/** A decision as the bundle keeps it: the judgement, with the settings, customers and seed it was made with. */
export interface SavedUpliftDecision extends UpliftDecisionResult {
  money: UpliftMoney;
  source: string;
  heldOut: boolean;
  seed: number;
}

/** The columns of upliftScoreColumns that hold text; every other one holds a figure. */
export const UPLIFT_TEXT_COLUMNS: ReadonlySet<string> = new Set(['id', 'best_treatment', 'send']);

/** The columns an uplift bundle's scores have, in order, with or without money settings. */
export function upliftScoreColumns(treatments: readonly string[], withMoney: boolean): string[] {
  return [
    'id',
    'p_no_contact',
    ...treatments.flatMap((t) => [`p_${t}`, `uplift_${t}`]),
    'best_treatment',
    ...(withMoney ? ['send', 'expected_incremental_profit'] : []),
    'put_off',
  ];
}
