/**
 * Does the reported interval of the chosen list's profit hold next month? Customers are drawn from a
 * known model; each repetition draws fresh validation, held-out and "next month" customers and a
 * freshly miscalibrated model, chooses a list with the rule `rebuy decide` uses (chooseList, then
 * judgeProfit on the held-out customers), and checks the interval against what the same rule earns
 * on next month's customers. The old rule (choose the cut on the held-out labels, report on them)
 * runs beside it to show its optimism.
 */
import { describe, expect, it } from 'vitest';
import {
  chooseList,
  chooseThreshold,
  judgeProfit,
  type MoneySettings,
  type ThresholdObjective,
  type ValidationPart,
} from '../../src/evaluate/decide.js';
import { createRng, type Rng } from '../../src/core/random.js';

const REPETITIONS = 200;
const HELD_OUT = 600;
const VALIDATION_PER_CLASS = 150;
const REPLICATES = 200;
const MONEY: MoneySettings = { contactCost: 2, valuePerReturn: 30 };

function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** One month's model as trained and calibrated: it sees the true log-odds with noise, through a slightly wrong calibration. */
interface Model {
  intercept: number;
  slope: number;
}

interface Customers {
  probability: Float64Array;
  label: Uint8Array;
}

/**
 * True log-odds ~ N(−2.55, 2.1²) (about 16 % buyers, as in the Audiobooks data); the label is drawn
 * from it. The model's probability is its calibration applied to the log-odds plus its own error.
 */
function draw(rng: Rng, model: Model, n: number): Customers {
  const probability = new Float64Array(n);
  const label = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const truth = -2.55 + 2.1 * normal(rng);
    label[i] = rng() < sigmoid(truth) ? 1 : 0;
    probability[i] = sigmoid(model.intercept + model.slope * (truth + 0.8 * normal(rng)));
  }
  return { probability, label };
}

/** A balanced validation part, as training keeps it: equal numbers of buyers and non-buyers. */
function balancedDraw(rng: Rng, model: Model, perClass: number): Customers {
  const kept: [number[], number[]] = [[], []];
  while (kept[0].length < perClass || kept[1].length < perClass) {
    const one = draw(rng, model, 1);
    const cls = one.label[0]!;
    if (kept[cls]!.length < perClass) kept[cls]!.push(one.probability[0]!);
  }
  return {
    probability: Float64Array.from([...kept[0], ...kept[1]]),
    label: Uint8Array.from({ length: 2 * perClass }, (_, i) => (i < perClass ? 0 : 1)),
  };
}

function profitOf(c: Customers, threshold: number): number {
  let profit = 0;
  for (let i = 0; i < c.probability.length; i++) {
    if (c.probability[i]! >= threshold) profit += MONEY.valuePerReturn * c.label[i]! - MONEY.contactCost;
  }
  return profit;
}

interface RuleOutcome {
  /** Repetitions where the reported interval held next month's profit; null for the old rule, whose interval is not computed. */
  covered: number | null;
  /** Reported (realized on the held-out customers) minus next month's profit, per repetition. */
  optimism: number[];
  nextMonth: number[];
}

function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

function standardError(values: readonly number[]): number {
  const m = mean(values);
  return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1) / values.length);
}

/**
 * The rule under test and, when `hindsight` is given, the old rule on the same draws: the cut that
 * is best for `hindsight` on the held-out labels.
 */
function simulate(objective: ThresholdObjective, hindsight: ThresholdObjective | null, seed: number): { honest: RuleOutcome; old: RuleOutcome } {
  const rng = createRng(seed);
  const honest: RuleOutcome = { covered: 0, optimism: [], nextMonth: [] };
  const old: RuleOutcome = { covered: null, optimism: [], nextMonth: [] };
  const record = (outcome: RuleOutcome, reported: number, earned: number): void => {
    outcome.optimism.push(reported - earned);
    outcome.nextMonth.push(earned);
  };
  for (let r = 0; r < REPETITIONS; r++) {
    const model: Model = { intercept: 0.25 * normal(rng), slope: 1 + 0.1 * normal(rng) };
    const valid = balancedDraw(rng, model, VALIDATION_PER_CLASS);
    const validation: ValidationPart = { ...valid, positiveRate: 0.16 };
    const heldOut = draw(rng, model, HELD_OUT);
    const next = draw(rng, model, HELD_OUT);
    const threshold = chooseList(objective, heldOut.probability, validation).threshold;
    const judged = judgeProfit(heldOut.probability, heldOut.label, threshold, MONEY, { seed: r, replicates: REPLICATES }).bootstrap.chosen;
    const earned = profitOf(next, threshold);
    if (judged.lower <= earned && earned <= judged.upper) honest.covered!++;
    record(honest, judged.profit, earned);
    if (hindsight) {
      // What decide reported before: the best cut on the held-out labels, and its profit on those same labels.
      const oldThreshold = chooseThreshold(heldOut.probability, heldOut.label, hindsight).threshold;
      record(old, profitOf(heldOut, oldThreshold), profitOf(next, oldThreshold));
    }
  }
  return { honest, old };
}

/** The honest rule's interval covers next month in 90–99 % of repetitions, and its figure is not biased either way. */
function expectHonest(honest: RuleOutcome): void {
  expect(honest.covered! / REPETITIONS).toBeGreaterThanOrEqual(0.9);
  expect(honest.covered! / REPETITIONS).toBeLessThanOrEqual(0.99);
  expect(Math.abs(mean(honest.optimism))).toBeLessThan(3 * standardError(honest.optimism));
}

/** Chosen on the labels it reports on, the old figure runs above next month's, and more so than the honest one on the same draws. */
function expectOptimistic(old: RuleOutcome, honest: RuleOutcome): void {
  const paired = old.optimism.map((v, i) => v - honest.optimism[i]!);
  expect(mean(old.optimism)).toBeGreaterThan(0);
  expect(mean(paired)).toBeGreaterThan(3 * standardError(paired));
}

function describeOutcome(name: string, o: RuleOutcome): string {
  const optimism = mean(o.optimism);
  const coverage = o.covered === null ? '' : `interval covers next month in ${((o.covered / REPETITIONS) * 100).toFixed(1)} % of ${REPETITIONS}; `;
  return (
    `${name}: ${coverage}reported minus next month's profit ${optimism.toFixed(0)} ± ${standardError(o.optimism).toFixed(0)} ` +
    `(${((optimism / mean(o.nextMonth)) * 100).toFixed(1)} % of next month's profit)`
  );
}

describe('deciding honestly: the reported interval of the chosen list holds next month', () => {
  it('by expected profit: covers next month in 90–99 % of repetitions, and the old rule is measurably optimistic', () => {
    const objective: ThresholdObjective = { kind: 'profit', ...MONEY };
    const { honest, old } = simulate(objective, objective, 20);
    console.log(`profit objective, ${HELD_OUT} held-out customers\n  ${describeOutcome('honest rule', honest)}\n  ${describeOutcome('old rule', old)}`);
    expectHonest(honest);
    expectOptimistic(old, honest);
  });

  it('F1, chosen on the balanced validation part: covers next month in 90–99 % of repetitions, where choosing on the held-out labels is optimistic', () => {
    const objective: ThresholdObjective = { kind: 'f1' };
    const { honest, old } = simulate(objective, objective, 21);
    console.log(`F1 objective\n  ${describeOutcome('honest rule', honest)}\n  ${describeOutcome('old rule', old)}`);
    expectHonest(honest);
    expectOptimistic(old, honest);
  });

  it('a budget needs no labels to choose: covers next month in 90–99 % of repetitions', () => {
    const { honest } = simulate({ kind: 'topFraction', fraction: 0.2 }, null, 22);
    console.log(`top 20 % budget\n  ${describeOutcome('honest rule', honest)}`);
    expectHonest(honest);
  });
});
