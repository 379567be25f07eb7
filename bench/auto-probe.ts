/**
 * Probe for issue 17 part 3 (figures, not product): on bench:auto's 20 random balanced splits (80/10/10,
 * seeds 1…), where `--model auto` loses balanced-test accuracy and what other combinations would give,
 * each paired against auto as it is (its chosen configuration, labelled at the raw probability 0.5):
 *   1. the threshold: the oracle best on the test part (an upper bound, tuned on the test), 0.5 of the
 *      prior-corrected probability, and thresholds fitted on auto's 5-fold out-of-fold scores of the chosen
 *      configuration or on the split's validation part (best accuracy, or where a Platt map crosses 0.5);
 *   2. K seeds of a network averaged (as an ensemble): the best network configuration alone, the chosen
 *      configuration with its networks bagged, and auto with either as one more candidate (by CV ROC-AUC);
 *   3. the mean of the best derived and the best raw candidate (two feature states), a logistic stacked on
 *      the candidates' out-of-fold logits (all eight, or the four with derived features), the mean of all
 *      eight, and auto with these as candidates (a stacker's CV ROC-AUC is cross-fitted across the folds).
 * Everything chosen or fitted uses the split's learning rows only; the test parts only judge.
 * Usage: npm run build && node dist/bench/auto-probe.js [--from 1] [--to 20] [--json]
 */
import { readTable } from '../src/data/read.js';
import { takeLabels } from '../src/core/matrix.js';
import { fitPlatt, logit, priorCorrection, sigmoid } from '../src/evaluate/calibration.js';
import { chooseThreshold } from '../src/evaluate/decide.js';
import { computeMetrics, rocAuc } from '../src/evaluate/metrics.js';
import { mean } from '../src/evaluate/stats.js';
import { trainLogistic } from '../src/model/logistic.js';
import { autoCandidates, ENSEMBLE_SIZES, ensembleOf, selectModel } from '../src/train/auto.js';
import type { Candidate, SingleCandidate } from '../src/train/fit.js';
import { learningRows, randomSplitPlans, type EvalPlan } from '../src/train/plans.js';
import { ensemblePlanScores, evaluateOnPlans, type PlanScores } from '../src/train/repeated.js';
import { difference, flag, has, meanSd, requireRealData } from './common.js';

const BAG = 5;
const NOW = 'auto now (raw 0.5)';
/** The threshold variants, by the key of the per-split thresholds. */
const THRESHOLDS = {
  'threshold: oracle on the test part': 'oracle',
  'threshold: 0.5 of the prior-corrected probability': 'priorCorrected05',
  'threshold: best accuracy on out-of-fold scores': 'oofAccuracy',
  'threshold: Platt on out-of-fold scores, 0.5': 'oofPlatt',
  'threshold: best accuracy on the validation part': 'validAccuracy',
  'threshold: Platt on the validation part, 0.5': 'validPlatt',
} as const;
const SEED_STRIDE = 7919;
const log = (line: string): boolean => process.stderr.write(`${line}\n`);

const table = await readTable(requireRealData());
const target = table.target!;
const truePositiveRate = mean(Array.from(target));
const plans = randomSplitPlans(table, { repeats: flag('to', 20), balance: 'random', split: [0.8, 0.1, 0.1], seed: 1 });
const singles = autoCandidates();
const lines: { split: number; chosen: string; bestNet: string; thresholds: Record<string, number>; results: Record<string, { acc: number; auc: number }>; seconds: number }[] = [];
const rate = (rows: Int32Array) => mean(Array.from(takeLabels(target, rows)));

/** Each candidate's raw scores on each plan, fitted with the plan's seed + k·stride. */
async function scoresOn(candidates: readonly Candidate[], on: readonly EvalPlan[], k = 0): Promise<Map<string, PlanScores[]>> {
  const shifted = on.map((p) => ({ ...p, seed: p.seed + k * SEED_STRIDE }));
  const runs = await evaluateOnPlans(table, candidates, shifted, { keepScores: true });
  const out = new Map<string, PlanScores[]>();
  for (const r of runs) {
    const list = out.get(r.candidate) ?? [];
    list[r.plan] = r.scores!;
    out.set(r.candidate, list);
  }
  return out;
}

const ensembleOn = (plan: EvalPlan, members: readonly PlanScores[]): PlanScores =>
  ensemblePlanScores(members, takeLabels(target, plan.valid), { trainPositiveRate: rate(plan.train), truePositiveRate }, 'prior');

/** Balanced-test accuracy at a raw threshold, and natural ROC-AUC. */
function judge(plan: EvalPlan, s: PlanScores, threshold = 0.5): { acc: number; auc: number } {
  return { acc: computeMetrics(s.test, takeLabels(target, plan.test), threshold).accuracy, auc: rocAuc(s.natural, takeLabels(target, plan.naturalTest)) };
}

/** The raw threshold where a Platt map fitted on (p, y), shifted to a balanced mix, crosses 0.5. */
function plattThreshold(p: Float32Array, y: Uint8Array): number {
  const platt = fitPlatt(p, y);
  const shift = logit(0.5) - logit(mean(Array.from(y)));
  return sigmoid(-(platt.intercept + shift) / platt.slope);
}

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
}

const logitsMatrix = (columns: readonly Float32Array[]) => {
  const rows = columns[0]!.length;
  const data = new Float32Array(rows * columns.length);
  columns.forEach((c, j) => c.forEach((v, i) => (data[i * columns.length + j] = logit(v))));
  return { rows, cols: columns.length, data };
};

for (const plan of plans.slice(flag('from', 1) - 1)) {
  const started = performance.now();
  const selection = await selectModel(table, learningRows(plan), { balance: 'random', seed: plan.seed, purchaseModels: false, keepScores: true });
  const folds = selection.plans;
  const foldScores = new Map<string, PlanScores[]>();
  for (const r of selection.runs.filter((run) => run.scores)) {
    const list = foldScores.get(r.candidate) ?? [];
    list[r.plan] = r.scores!;
    foldScores.set(r.candidate, list);
  }
  const oofY = Uint8Array.from(folds.flatMap((f) => Array.from(takeLabels(target, f.test))));
  // Ensemble runs keep no scores: their fold scores come from the members' (as auto.ts ensembleRuns).
  const foldsOf = (c: Candidate): PlanScores[] =>
    c.kind === 'ensemble' ? folds.map((f, i) => ensembleOn(f, c.members.map((m) => foldScores.get(m.name)![i]!))) : foldScores.get(c.name)!;
  const oof = (name: string) => concat(foldScores.get(name)!.map((s) => s.test));
  const cvAuc = (list: readonly PlanScores[]) => mean(list.map((s, i) => rocAuc(s.natural, takeLabels(target, folds[i]!.naturalTest))));

  // The candidates fitted on the split (seed as the bench), and the chosen one's scores.
  const split = await scoresOn(singles, [plan]);
  const splitOf = (c: Candidate): PlanScores =>
    c.kind === 'ensemble' ? ensembleOn(plan, c.members.map((m) => split.get(m.name)![0]!)) : split.get(c.name)![0]!;
  const chosen = splitOf(selection.chosen);
  const chosenOof = concat(foldsOf(selection.chosen).map((s) => s.test));
  const validY = takeLabels(target, plan.valid);
  const prior = priorCorrection(rate(plan.train), truePositiveRate);
  const thresholds = {
    raw05: 0.5,
    oracle: chooseThreshold(chosen.test, takeLabels(target, plan.test), { kind: 'accuracy' }).threshold,
    priorCorrected05: sigmoid(-prior.intercept),
    oofAccuracy: chooseThreshold(chosenOof, oofY, { kind: 'accuracy' }).threshold,
    oofPlatt: plattThreshold(chosenOof, oofY),
    validAccuracy: chooseThreshold(chosen.valid, validY, { kind: 'accuracy' }).threshold,
    validPlatt: plattThreshold(chosen.valid, validY),
  };

  // Design 2: K seeds of the best network configuration, on the folds (for its CV ROC-AUC) and on the split.
  const bestNet = selection.leaderboard.rows.map((row) => singles.find((c) => c.name === row.candidate)).find((c) => c?.kind === 'network') as SingleCandidate;
  const bagFolds: PlanScores[][] = [foldScores.get(bestNet.name)!];
  const bagSplit: PlanScores[] = [split.get(bestNet.name)![0]!];
  for (let k = 1; k < BAG; k++) {
    bagFolds.push((await scoresOn([bestNet], folds, k)).get(bestNet.name)!);
    bagSplit.push((await scoresOn([bestNet], [plan], k)).get(bestNet.name)![0]!);
  }
  const bagOf = (size: number) => ({
    folds: folds.map((f, i) => ensembleOn(f, bagFolds.slice(0, size).map((b) => b[i]!))),
    split: ensembleOn(plan, bagSplit.slice(0, size)),
  });
  const bag3 = bagOf(3);
  const bag5 = bagOf(5);

  // Design 3a: the mean of the best derived and the best raw candidate (two feature states).
  const ranked = selection.leaderboard.rows.map((row) => singles.find((c) => c.name === row.candidate)).filter((c): c is SingleCandidate => c !== undefined);
  const bestDerived = ranked.find((c) => c.derived)!;
  const bestRaw = ranked.find((c) => !c.derived)!;
  const crossFolds = folds.map((f, i) => ensembleOn(f, [foldScores.get(bestDerived.name)![i]!, foldScores.get(bestRaw.name)![i]!]));
  const crossSplit = ensembleOn(plan, [split.get(bestDerived.name)![0]!, split.get(bestRaw.name)![0]!]);
  // Design 3b: a logistic on the logits of the singles' out-of-fold probabilities, applied to the split's fits.
  const emptyRows = (cols: number) => ({ x: { rows: 0, cols, data: new Float32Array(0) }, y: new Uint8Array(0) });
  const fitStacker = async (columns: readonly Float32Array[], y: Uint8Array) => {
    const layer = (await trainLogistic({ x: logitsMatrix(columns), y }, emptyRows(columns.length), { seed: plan.seed })).weights.layers[0]!;
    return (cols: readonly Float32Array[]) => {
      const x = logitsMatrix(cols);
      return Float32Array.from({ length: x.rows }, (_, i) => {
        let z = layer.bias[1]! - layer.bias[0]!;
        for (let j = 0; j < x.cols; j++) z += x.data[i * x.cols + j]! * (layer.kernel[j * 2 + 1]! - layer.kernel[j * 2]!);
        return sigmoid(z);
      });
    };
  };
  /** A stacker over `members`: its cross-fitted CV ROC-AUC (fitted on the other folds' out-of-fold rows) and its split scores. */
  const stackOf = async (members: readonly SingleCandidate[]) => {
    const foldAucs: number[] = [];
    for (let i = 0; i < folds.length; i++) {
      const others = folds.map((_, j) => j).filter((j) => j !== i);
      const columns = members.map((c) => concat(others.map((j) => foldScores.get(c.name)![j]!.test)));
      const y = Uint8Array.from(others.flatMap((j) => Array.from(takeLabels(target, folds[j]!.test))));
      const apply = await fitStacker(columns, y);
      foldAucs.push(rocAuc(apply(members.map((c) => foldScores.get(c.name)![i]!.natural)), takeLabels(target, folds[i]!.naturalTest)));
    }
    const apply = await fitStacker(members.map((c) => oof(c.name)), oofY);
    const part = (p: 'test' | 'natural') => apply(members.map((c) => split.get(c.name)![0]![p]));
    return { cv: mean(foldAucs), s: { test: part('test'), natural: part('natural'), valid: new Float32Array(0) } as PlanScores };
  };
  const stackAll = await stackOf(singles);
  const stackDerived = await stackOf(singles.filter((c) => c.derived));
  const meanAll = ensembleOn(plan, singles.map((c) => split.get(c.name)![0]!));
  const chosenCv = cvAuc(foldsOf(selection.chosen));
  // Design 2b: the chosen configuration with each network member replaced by a bag of BAG seeds.
  const bagged = new Map<string, { folds: PlanScores[]; split: PlanScores }>();
  const members = selection.chosen.kind === 'ensemble' ? selection.chosen.members : [selection.chosen as SingleCandidate];
  for (const m of members) {
    if (m.kind !== 'network') {
      bagged.set(m.name, { folds: foldScores.get(m.name)!, split: split.get(m.name)![0]! });
      continue;
    }
    const f: PlanScores[][] = [foldScores.get(m.name)!];
    const sp: PlanScores[] = [split.get(m.name)![0]!];
    for (let k = 1; k < BAG; k++) {
      f.push((await scoresOn([m], folds, k)).get(m.name)!);
      sp.push((await scoresOn([m], [plan], k)).get(m.name)![0]!);
    }
    bagged.set(m.name, { folds: folds.map((fold, i) => ensembleOn(fold, f.map((b) => b[i]!))), split: ensembleOn(plan, sp) });
  }
  const chosenBagged =
    members.length === 1
      ? bagged.get(members[0]!.name)!
      : { folds: folds.map((fold, i) => ensembleOn(fold, members.map((m) => bagged.get(m.name)!.folds[i]!))), split: ensembleOn(plan, members.map((m) => bagged.get(m.name)!.split)) };
  // Auto with one more candidate: it replaces the chosen configuration when its CV ROC-AUC is higher.
  const autoWith = (more: readonly { cv: number; split: PlanScores }[]) => judge(plan, more.reduce((best, c) => (c.cv > best.cv ? c : best), { cv: chosenCv, split: chosen }).split);
  const bestNetSplit = { cv: cvAuc(foldScores.get(bestNet.name)!), split: split.get(bestNet.name)![0]! };
  const cross = { cv: cvAuc(crossFolds), split: crossSplit };
  const stackAllCandidate = { cv: stackAll.cv, split: stackAll.s };
  const stackDerivedCandidate = { cv: stackDerived.cv, split: stackDerived.s };
  const results: Record<string, { acc: number; auc: number }> = {
    [NOW]: judge(plan, chosen),
    ...Object.fromEntries(Object.entries(THRESHOLDS).map(([name, key]) => [name, judge(plan, chosen, thresholds[key])])),
    'best network configuration, 1 seed': judge(plan, bestNetSplit.split),
    'best network configuration, 3 seeds': judge(plan, bag3.split),
    [`best network configuration, ${BAG} seeds`]: judge(plan, bag5.split),
    [`auto + ${BAG}-seed best network as a candidate`]: autoWith([{ cv: cvAuc(bag5.folds), split: bag5.split }]),
    [`chosen with its networks as ${BAG}-seed bags`]: judge(plan, chosenBagged.split),
    [`auto + chosen with ${BAG}-seed bags as a candidate`]: autoWith([{ cv: cvAuc(chosenBagged.folds), split: chosenBagged.split }]),
    'mean(best derived, best raw)': judge(plan, cross.split),
    'auto + mean(best derived, best raw) as a candidate': autoWith([cross]),
    'auto + bag and cross-state mean as candidates': autoWith([{ cv: cvAuc(bag5.folds), split: bag5.split }, cross]),
    'stacked logistic on all 8': judge(plan, stackAll.s),
    'stacked logistic on the 4 derived': judge(plan, stackDerived.s),
    'mean of all 8': judge(plan, meanAll),
    'auto + stacked (all 8) as a candidate': autoWith([stackAllCandidate]),
    'auto + stacked (4 derived) as a candidate': autoWith([stackDerivedCandidate]),
  };
  // The ceiling of choosing among auto's own candidates (as selectModel builds its ensembles), tuned on the test part.
  const pool = ranked.filter((c) => c.derived === ranked[0]!.derived);
  const judged = [...singles, ...ENSEMBLE_SIZES.map((k) => ensembleOf(pool.slice(0, k)))].map((c) => judge(plan, splitOf(c)));
  results["oracle: auto's best candidate on the test part"] = { acc: Math.max(...judged.map((j) => j.acc)), auc: Math.max(...judged.map((j) => j.auc)) };
  const line = { split: plan.seed, chosen: selection.chosen.name, bestNet: bestNet.name, thresholds, results, seconds: (performance.now() - started) / 1000 };
  lines.push(line);
  if (has('json')) console.log(JSON.stringify(line));
  log(`split ${plan.seed}: ${selection.chosen.name}, balanced acc ${results[NOW]!.acc.toFixed(4)} (oracle threshold ${results['threshold: oracle on the test part']!.acc.toFixed(4)}), ${line.seconds.toFixed(0)} s`);
}

const base = lines.map((l) => l.results[NOW]!);
console.log(`\nissue 17 part 3 probe on ${lines.length} random balanced splits of the Audiobooks data (mean ± sd; paired difference to auto now, 95 % interval):`);
console.log(`  ${'variant'.padEnd(52)} ${'balanced acc %'.padEnd(15)} ${'natural ROC-AUC'.padEnd(16)} − auto now: acc points; ROC-AUC`);
for (const name of Object.keys(lines[0]?.results ?? {})) {
  const acc = lines.map((l) => l.results[name]!.acc);
  const auc = lines.map((l) => l.results[name]!.auc);
  const diff = name === NOW ? '' : `${difference(acc, base.map((b) => b.acc), 100, 2).text}; ${difference(auc, base.map((b) => b.auc), 1, 4).text}`;
  console.log(`  ${name.padEnd(52)} ${meanSd(acc, 100, 2).padEnd(15)} ${meanSd(auc, 1, 4).padEnd(16)} ${diff}`);
}
