/**
 * npm run bench:models — rebuy's models beside outside references on the same rows (a script, not a test):
 *   1. the seeds' 2x50 preset (keeping the last epoch's weights, as Keras) and with --restore-best, against
 *      the notebooks' Keras pipeline (bench/reference/keras_notebook.py: rows reshuffled every epoch, as the
 *      notebooks' unseeded fit) on the same random balanced splits of the Audiobooks data, and against Keras 3's
 *      seeded fit(shuffle=True), which replays one order in every epoch: balanced-test accuracy, mean ± sd, and
 *      the paired differences with 95 % intervals;
 *   2. new tables (Hillstrom's `visit` from the customer columns; a generated table with categorical columns,
 *      blanks in numeric ones, a Yes/No target): rebuy's default on a new table (every row, classes weighted;
 *      2x50, the logistic regression, the logistic regression with the logs of long-tailed columns or the mean
 *      of 2x50 and the logistic regression, whichever cross-validates better on the fold's training rows), the
 *      2x50 preset undersampled (the Audiobooks default) and with class weights, the logistic baseline and
 *      `--model auto`, against scikit-learn's one-hot L2 logistic regression with cross-validated strength
 *      (bench/reference/sklearn_new_tables.py), on the same stratified folds of all rows: ROC-AUC per fold.
 * The references run in the venv that scripts/bench-python-env.sh makes; without it they are skipped, said so.
 * Flags: --repeats N (20), --folds N (5), --skip-keras, --skip-tables, --skip-auto, --skip-hillstrom, --skip-generated (new tables), --json.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../src/core/random.js';
import type { Table } from '../src/core/table.js';
import { readTable } from '../src/data/read.js';
import { mean, pairedTest, sd } from '../src/evaluate/stats.js';
import { resolveNetworkConfig } from '../src/model/presets.js';
import { packageRoot } from '../src/paths.js';
import type { Candidate } from '../src/train/fit.js';
import { kFoldPlans, learningRows, randomSplitPlans, type EvalPlan } from '../src/train/plans.js';
import { evaluateOnPlans, type CandidateRun } from '../src/train/repeated.js';
import { AUTO_CANDIDATE, autoResolver, selectModel } from '../src/train/auto.js';
import { hasLongTails, presetAndBaseline } from '../src/train/candidates.js';
import { defaultBalance } from '../src/train/dataset.js';
import { balanceIndices } from '../src/prep/split.js';
import { flag, fmt, has, requireRealData, runProcess } from './common.js';

const log = (line: string): boolean => process.stderr.write(`${line}\n`);
const PYTHON = join(packageRoot(), '.bench-python', 'bin', 'python');
const REFERENCES = join(packageRoot(), 'bench', 'reference');
const HILLSTROM = join(packageRoot(), '..', 'shared', 'data', 'hillstrom.csv');

const DEFAULT_2X50: Candidate = { name: '2x50', kind: 'network', preset: '2x50', config: resolveNetworkConfig('2x50') };
const RESTORE_BEST: Candidate = { name: '2x50 --restore-best', kind: 'network', preset: '2x50', config: resolveNetworkConfig('2x50', { restoreBest: true }) };
const LOGISTIC: Candidate = { name: 'logistic', kind: 'logistic' };

function meanSd(values: number[], scale = 1, digits = 3): string {
  return `${(mean(values) * scale).toFixed(digits)} ± ${(sd(values) * scale).toFixed(digits)}`;
}

function paired(a: number[], b: number[], scale = 1, digits = 3): { mean: number; lower: number; upper: number; wins: number; text: string } {
  const t = pairedTest(a, b);
  const wins = a.filter((v, i) => v > b[i]!).length;
  const text = `${(t.meanDifference * scale).toFixed(digits)} [${(t.lower * scale).toFixed(digits)}, ${(t.upper * scale).toFixed(digits)}], ahead on ${wins}/${a.length}`;
  return { mean: t.meanDifference * scale, lower: t.lower * scale, upper: t.upper * scale, wins, text };
}

async function runReference(script: string, args: string[]): Promise<Record<string, number[]> | null> {
  if (!existsSync(PYTHON)) {
    log(`   skipped ${script}: no ${PYTHON} (run sh scripts/bench-python-env.sh)`);
    return null;
  }
  const run = await runProcess(PYTHON, [join(REFERENCES, script), ...args]);
  if (run.code !== 0) throw new Error(`${script} failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as Record<string, number[]>;
}

function of(runs: CandidateRun[], name: string, value: (r: CandidateRun) => number): number[] {
  return runs.filter((r) => r.candidate === name).sort((a, b) => a.plan - b.plan).map(value);
}

async function kerasSection(repeats: number, dir: string): Promise<Record<string, unknown>> {
  const table = await readTable(requireRealData());
  const plans = randomSplitPlans(table, { repeats, balance: 'random', split: [0.8, 0.1, 0.1], seed: 1 });
  log(`1. the 2x50 preset against the notebooks' Keras on ${repeats} random balanced splits of the Audiobooks data`);
  const runs = await evaluateOnPlans(table, [DEFAULT_2X50, RESTORE_BEST], plans, {
    onProgress: (done, total, run) => log(`   [${done}/${total}] ${run.candidate} split ${run.plan + 1}: balanced acc ${fmt(run.balancedTest.accuracy)}, ${run.epochs} epochs`),
  });
  const splitsFile = join(dir, 'splits.json');
  await writeFile(splitsFile, JSON.stringify(plans.map((p) => ({ seed: p.seed, train: [...p.train], valid: [...p.valid], test: [...p.test] }))));
  log('   running bench/reference/keras_notebook.py on the same splits (reshuffled every epoch, then --one-order)');
  const keras = await runReference('keras_notebook.py', [requireRealData(), splitsFile]);
  const oneOrder = keras && (await runReference('keras_notebook.py', [requireRealData(), splitsFile, '--one-order']));
  const last = of(runs, DEFAULT_2X50.name, (r) => r.balancedTest.accuracy);
  const best = of(runs, RESTORE_BEST.name, (r) => r.balancedTest.accuracy);
  const medianEpochs = (epochs: number[]): number => [...epochs].sort((a, b) => a - b)[Math.floor(epochs.length / 2)]!;
  console.log(`\nThe 2x50 preset and the notebooks' Keras, ${repeats} random balanced splits (balanced-test accuracy, %, mean ± sd; paired differences in points with 95 % intervals):`);
  console.log(`  rebuy 2x50 (last weights, default)   ${meanSd(last, 100, 2)}   median epochs ${medianEpochs(of(runs, DEFAULT_2X50.name, (r) => r.epochs))}`);
  console.log(`  rebuy 2x50 --restore-best            ${meanSd(best, 100, 2)}`);
  const result: Record<string, unknown> = { repeats, last, restoreBest: best, restoreBestMinusLast: paired(best, last, 100, 2) };
  console.log(`  --restore-best − default             ${paired(best, last, 100, 2).text}`);
  if (keras) {
    const k = keras.balancedAccuracy!;
    console.log(`  Keras (notebooks' settings)          ${meanSd(k, 100, 2)}   median epochs ${medianEpochs(keras.epochs!)}`);
    console.log(`  rebuy 2x50 − Keras                   ${paired(last, k, 100, 2).text}`);
    console.log(`  rebuy 2x50 --restore-best − Keras    ${paired(best, k, 100, 2).text}`);
    Object.assign(result, { keras: k, kerasEpochs: keras.epochs, defaultMinusKeras: paired(last, k, 100, 2), restoreBestMinusKeras: paired(best, k, 100, 2) });
  }
  if (keras && oneOrder) {
    const k = keras.balancedAccuracy!;
    const o = oneOrder.balancedAccuracy!;
    console.log(`  Keras 3 seeded, one order per run    ${meanSd(o, 100, 2)}   median epochs ${medianEpochs(oneOrder.epochs!)}`);
    console.log(`  Keras one order − Keras              ${paired(o, k, 100, 2).text}`);
    console.log(`  rebuy 2x50 − Keras one order         ${paired(last, o, 100, 2).text}`);
    Object.assign(result, { kerasOneOrder: o, kerasOneOrderEpochs: oneOrder.epochs, oneOrderMinusKeras: paired(o, k, 100, 2), defaultMinusOneOrder: paired(last, o, 100, 2) });
  }
  return result;
}

/** Hillstrom's customer columns and `visit`, without the campaign's `segment` and the outcomes `conversion` and `spend` (its last four columns, never quoted). */
async function hillstromVisits(dir: string): Promise<string> {
  const lines = (await readFile(HILLSTROM, 'utf8')).trimEnd().split(/\r?\n/);
  const expected = 'segment,visit,conversion,spend';
  if (!lines[0]!.endsWith(expected)) throw new Error(`${HILLSTROM}: expected the header to end with ${expected}`);
  const out = join(dir, 'hillstrom-visit.csv');
  const kept = lines.map((line) => {
    const cells = line.split(',');
    return [...cells.slice(0, -4), cells[cells.length - 3]].join(',');
  });
  await writeFile(out, kept.join('\n') + '\n');
  return out;
}

/** A customer table rebuy has never seen: categorical columns, blanks in numeric ones (more often among leavers), a Yes/No target. */
async function generatedTable(dir: string, rows = 8000, seed = 17): Promise<string> {
  const random = createRng(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const plans = ['basic', 'plus', 'premium', 'family'] as const;
  const planEffect = { basic: -0.6, plus: 0, premium: 0.5, family: 0.8 };
  const regions = ['north', 'south', 'east', 'west', 'islands'] as const;
  const regionEffect = { north: 0.2, south: -0.1, east: 0, west: 0.1, islands: -0.5 };
  const lines = ['customer_id,plan,region,tenure_months,monthly_spend,support_calls,age,renewed'];
  for (let i = 0; i < rows; i++) {
    const plan = pick(plans);
    const region = pick(regions);
    const tenure = Math.max(1, Math.round(Math.exp(2.5 + normal())));
    const spend = Math.max(0, 20 + 10 * normal() + (plan === 'premium' ? 15 : 0));
    const calls = Math.floor(-Math.log(1 - random()) * 1.5);
    const age = Math.round(40 + 12 * normal());
    const z = -0.3 + planEffect[plan] + regionEffect[region] + 0.5 * Math.log(tenure) - 0.35 * calls + 0.02 * (spend - 20) - 0.00015 * (age - 45) ** 2;
    const renewed = random() < 1 / (1 + Math.exp(-z));
    // Tenure is blank more often for customers who did not renew; spend is blank at random.
    const tenureCell = random() < (renewed ? 0.08 : 0.2) ? '' : String(tenure);
    const spendCell = random() < 0.1 ? '' : spend.toFixed(2);
    lines.push(`C${i + 1},${plan},${random() < 0.05 ? '' : region},${tenureCell},${spendCell},${calls},${age},${renewed ? 'Yes' : 'No'}`);
  }
  const out = join(dir, 'generated-customers.csv');
  await writeFile(out, lines.join('\n') + '\n');
  return out;
}

/** Each row's fold: the plan whose natural test part holds it (every row is tested exactly once). */
function foldPerRow(table: Table, plans: readonly EvalPlan[]): Int32Array {
  const fold = new Int32Array(table.nRows).fill(-1);
  plans.forEach((p, k) => p.naturalTest.forEach((row) => (fold[row] = k)));
  if (fold.includes(-1)) throw new Error('a row is in no fold');
  return fold;
}

/** A plan's rows as the Audiobooks default trains: training and validation parts undersampled to balance; the same test rows. */
function undersampled(plan: EvalPlan, target: Uint8Array): EvalPlan {
  const rng = createRng(plan.seed);
  const balance = (rows: Int32Array): Int32Array => {
    const kept = balanceIndices(Uint8Array.from(rows, (r) => target[r]!), 'random', rng);
    return Int32Array.from(kept, (i) => rows[i]!);
  };
  return { ...plan, train: balance(plan.train), valid: balance(plan.valid), classWeights: undefined };
}

/** A stand-in candidate for `rebuy train`'s default on a new table: chosen as it chooses, on the plan's training rows. */
const NEW_TABLE_DEFAULT: Candidate = { name: 'default', kind: 'logistic' };
const WEIGHTED_2X50: Candidate = { ...DEFAULT_2X50, name: '2x50 weighted' };

async function newTable(name: string, path: string, target: string, folds: number, dir: string, withAuto: boolean): Promise<Record<string, unknown>> {
  const table = await readTable(path, { target });
  const balance = defaultBalance(table.schema);
  const plans = kFoldPlans(table, { folds, balance, seed: 1 });
  const auto = autoResolver(table, balance);
  const resolve = async (candidate: Candidate, plan: EvalPlan): Promise<Candidate> =>
    candidate === NEW_TABLE_DEFAULT
      ? (await selectModel(table, learningRows(plan), { balance, seed: plan.seed, candidates: presetAndBaseline({}, hasLongTails(table, learningRows(plan))), purchaseModels: false })).chosen
      : auto(candidate, plan);
  log(`2. ${name}: ${table.nRows} rows, ${folds} stratified folds of every row (balance ${balance}); the 2x50 preset undersampled on the same folds`);
  const onProgress = (done: number, total: number, run: CandidateRun): boolean =>
    log(`   [${done}/${total}] ${run.candidate} fold ${run.plan + 1}: ROC-AUC ${fmt(run.naturalTest.rocAuc)}, ${fmt(run.trainSeconds, 1)} s${run.trained !== run.candidate ? ` (${run.trained})` : ''}`);
  const candidates = [NEW_TABLE_DEFAULT, WEIGHTED_2X50, LOGISTIC, ...(withAuto ? [AUTO_CANDIDATE] : [])];
  const runs = await evaluateOnPlans(table, candidates, plans, { resolve, onProgress });
  const undersampledRuns = await evaluateOnPlans(table, [DEFAULT_2X50], plans.map((p) => undersampled(p, table.target!)), { onProgress });
  const foldsFile = join(dir, `${name.replace(/\W+/g, '-')}-folds.txt`);
  await writeFile(foldsFile, [...foldPerRow(table, plans)].join('\n') + '\n');
  log('   running bench/reference/sklearn_new_tables.py on the same folds');
  const reference = await runReference('sklearn_new_tables.py', [path, foldsFile, target]);
  const auc = (r: CandidateRun): number => r.naturalTest.rocAuc;
  const rows: [label: string, key: string, values: number[], chosen?: string[]][] = [
    ['rebuy default (new table)', 'default', of(runs, NEW_TABLE_DEFAULT.name, auc), runs.filter((r) => r.candidate === NEW_TABLE_DEFAULT.name).map((r) => r.trained)],
    ['2x50 undersampled (Audiobooks default)', 'undersampled2x50', of(undersampledRuns, DEFAULT_2X50.name, auc)],
    ['2x50 with class weights', 'weighted2x50', of(runs, WEIGHTED_2X50.name, auc)],
    ['logistic (L2 by 5-fold CV, weighted)', 'logistic', of(runs, LOGISTIC.name, auc)],
    ...(withAuto ? [['--model auto', 'auto', of(runs, AUTO_CANDIDATE.name, auc), runs.filter((r) => r.candidate === AUTO_CANDIDATE.name).map((r) => r.trained)] as [string, string, number[], string[]]] : []),
  ];
  console.log(`\n${name}: ROC-AUC on each fold's rows (natural class mix), ${folds} stratified folds (mean ± sd; paired differences with 95 % intervals):`);
  const result: Record<string, unknown> = { rows: table.nRows, folds, balance };
  for (const [label, key, values, chosen] of rows) {
    console.log(`  ${label.padEnd(42)} ${meanSd(values)}${chosen ? `   chose ${chosen.join(', ')}` : ''}`);
    result[key] = chosen ? { rocAuc: values, chosen } : values;
  }
  if (reference) {
    const sk = reference.rocAuc!;
    console.log(`  ${'scikit-learn one-hot LogisticRegressionCV'.padEnd(42)} ${meanSd(sk)}`);
    result.sklearn = sk;
    for (const [label, key, values] of rows) {
      const difference = paired(values, sk);
      console.log(`  ${`${label} − scikit-learn`.padEnd(64)} ${difference.text}`);
      result[`${key}MinusSklearn`] = difference;
    }
  }
  return result;
}

const dir = await mkdtemp(join(tmpdir(), 'rebuy-bench-models-'));
try {
  const summary: Record<string, unknown> = {};
  if (!has('skip-keras')) summary.keras = await kerasSection(flag('repeats', 20), dir);
  if (!has('skip-tables')) {
    const folds = flag('folds', 5);
    const withAuto = !has('skip-auto');
    if (!has('skip-hillstrom')) summary.hillstrom = await newTable('Hillstrom, visit', await hillstromVisits(dir), 'visit', folds, dir, withAuto);
    if (!has('skip-generated')) summary.generated = await newTable('generated customers', await generatedTable(dir), 'renewed', folds, dir, withAuto);
  }
  if (has('json')) console.log(JSON.stringify(summary, null, 2));
} finally {
  await rm(dir, { recursive: true, force: true });
}
