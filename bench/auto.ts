/**
 * npm run bench:auto — `--model auto` on the Audiobooks data (a script, not a test):
 *   1. accuracy: 20 random balanced splits (80/10/10, seeds 1…, as bench/core.ts). On each split one
 *      5-fold selection on the training part gives both auto before ensembles (its best single
 *      configuration) and auto now (which may choose an ensemble); both are trained on the split and
 *      tested on its held-out parts. Beside them, outside references fitted on the same rows:
 *      scikit-learn (bench/reference/sklearn_splits.py) and the notebooks' Keras (bench/reference/
 *      keras_notebook.py, balanced accuracy only), when the venv of scripts/bench-python-env.sh has them.
 *      Balanced-test accuracy and natural ROC-AUC, mean ± sd, and auto's paired difference to each with
 *      its 95 % interval;
 *   2. time: `rebuy train --model auto` on the whole file as a fresh process, this build and the build of
 *      BEFORE_COMMIT in turn: wall and CPU seconds, medians.
 * Flags: --repeats N (20), --runs N (3), --skip-accuracy, --skip-time, --json.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTable } from '../src/data/read.js';
import { median } from '../src/evaluate/stats.js';
import { packageRoot } from '../src/paths.js';
import { AUTO_CANDIDATE, selectModel, type AutoSelection } from '../src/train/auto.js';
import type { Candidate } from '../src/train/fit.js';
import { learningRows, randomSplitPlans, type EvalPlan } from '../src/train/plans.js';
import { evaluateOnPlans, type CandidateRun } from '../src/train/repeated.js';
import { BENCH_PYTHON, CLI, buildAtCommit, difference, flag, fmt, has, meanSd, requireRealData, runProcess, runTimed } from './common.js';

/** The last commit before auto considered ensembles. */
const BEFORE_COMMIT = 'f9ced23';
const REFERENCES = join(packageRoot(), 'bench', 'reference');
const log = (line: string): boolean => process.stderr.write(`${line}\n`);

/** A stand-in for auto's best single configuration on the split (auto before ensembles). */
const AUTO_SINGLE: Candidate = { name: 'auto, best single (before)', kind: 'logistic' };

interface Series {
  balancedAccuracy: number[];
  rocAuc: number[];
}

async function reference(script: string, splitsFile: string): Promise<Record<string, unknown> | null> {
  if (!existsSync(BENCH_PYTHON)) {
    log(`   skipped ${script}: no ${BENCH_PYTHON} (run sh scripts/bench-python-env.sh)`);
    return null;
  }
  if (!existsSync(join(REFERENCES, script))) {
    log(`   skipped ${script}: not in bench/reference`);
    return null;
  }
  const run = await runProcess(BENCH_PYTHON, [join(REFERENCES, script), requireRealData(), splitsFile]);
  if (run.code !== 0) {
    log(`   ${script} failed, left out: ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    return null;
  }
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

async function accuracySection(repeats: number, dir: string): Promise<Record<string, unknown>> {
  const table = await readTable(requireRealData());
  const plans = randomSplitPlans(table, { repeats, balance: 'random', split: [0.8, 0.1, 0.1], seed: 1 });
  log(`1. --model auto before and now on ${repeats} random balanced splits of the Audiobooks data (one 5-fold selection per split gives both)`);
  const selections = new Map<number, { selection: AutoSelection; seconds: number }>();
  const select = async (plan: EvalPlan) => {
    let entry = selections.get(plan.seed);
    if (!entry) {
      const started = performance.now();
      const selection = await selectModel(table, learningRows(plan), { balance: 'random', seed: plan.seed, purchaseModels: false });
      entry = { selection, seconds: (performance.now() - started) / 1000 };
      selections.set(plan.seed, entry);
    }
    return entry.selection;
  };
  const runs = await evaluateOnPlans(table, [AUTO_SINGLE, AUTO_CANDIDATE], plans, {
    resolve: async (candidate, plan) => (candidate === AUTO_CANDIDATE ? (await select(plan)).chosen : candidate === AUTO_SINGLE ? (await select(plan)).single : candidate),
    onProgress: (done, total, run) => log(`   [${done}/${total}] ${run.candidate} split ${run.plan + 1}: ${run.trained}, balanced acc ${fmt(run.balancedTest.accuracy)}, natural AUC ${fmt(run.naturalTest.rocAuc)}`),
  });
  const of = (name: string): Series => {
    const mine = runs.filter((r: CandidateRun) => r.candidate === name).sort((a, b) => a.plan - b.plan);
    return { balancedAccuracy: mine.map((r) => r.balancedTest.accuracy), rocAuc: mine.map((r) => r.naturalTest.rocAuc) };
  };
  const auto = of(AUTO_CANDIDATE.name);
  const rows: [string, Series][] = [['rebuy auto, best single (before)', of(AUTO_SINGLE.name)]];

  const splitsFile = join(dir, 'splits.json');
  await writeFile(splitsFile, JSON.stringify(plans.map((p) => ({ seed: p.seed, train: [...p.train], valid: [...p.valid], test: [...p.test], naturalTest: [...p.naturalTest] }))));
  log('   running bench/reference/sklearn_splits.py on the same splits');
  const sklearn = (await reference('sklearn_splits.py', splitsFile)) as Record<string, Series> | null;
  for (const [name, series] of Object.entries(sklearn ?? {})) rows.push([`scikit-learn ${name}`, series]);
  log('   running bench/reference/keras_notebook.py on the same splits');
  const keras = (await reference('keras_notebook.py', splitsFile)) as { balancedAccuracy: number[] } | null;
  if (keras) rows.push(["Keras 2x50 (notebooks' settings)", { balancedAccuracy: keras.balancedAccuracy, rocAuc: [] }]);

  const chosen = new Map<string, number>();
  for (const r of runs.filter((r) => r.candidate === AUTO_CANDIDATE.name)) chosen.set(r.trained, (chosen.get(r.trained) ?? 0) + 1);
  const selectSeconds = [...selections.values()].map((s) => s.seconds);
  console.log(`\n--model auto on ${repeats} random balanced splits of the Audiobooks data (mean ± sd; auto − model: paired difference, 95 % interval):`);
  console.log(`  ${'model'.padEnd(52)} ${'balanced acc %'.padEnd(15)} ${'natural ROC-AUC'.padEnd(16)} auto − model: acc points; ROC-AUC`);
  console.log(`  ${'rebuy --model auto (now)'.padEnd(52)} ${meanSd(auto.balancedAccuracy, 100, 2).padEnd(15)} ${meanSd(auto.rocAuc, 1, 4)}`);
  const differences: Record<string, unknown> = {};
  for (const [name, series] of rows) {
    const acc = difference(auto.balancedAccuracy, series.balancedAccuracy, 100, 2);
    const auc = series.rocAuc.length ? difference(auto.rocAuc, series.rocAuc, 1, 4) : null;
    differences[name] = { balancedAccuracy: acc, rocAuc: auc };
    console.log(`  ${name.padEnd(52)} ${meanSd(series.balancedAccuracy, 100, 2).padEnd(15)} ${(series.rocAuc.length ? meanSd(series.rocAuc, 1, 4) : '—').padEnd(16)} ${acc.text}; ${auc?.text ?? '—'}`);
  }
  console.log(`  auto chose: ${[...chosen].map(([k, v]) => `${k} ×${v}`).join(', ')}`);
  console.log(`  auto's 5-fold selection per split: median ${fmt(median(selectSeconds), 1)} s (in-process wall time)`);
  return { repeats, auto, references: Object.fromEntries(rows), differences, chosen: Object.fromEntries(chosen), medianSelectSeconds: median(selectSeconds) };
}

async function timeSection(runs: number): Promise<Record<string, unknown>> {
  log(`2. rebuy train --model auto on the whole file, this build and ${BEFORE_COMMIT} in turn, ${runs} runs each`);
  const before = await buildAtCommit(BEFORE_COMMIT, log);
  const dir = await mkdtemp(join(tmpdir(), 'rebuy-bench-auto-train-'));
  const figures: Record<'before' | 'now', { wall: number[]; cpu: number[] }> = { before: { wall: [], cpu: [] }, now: { wall: [], cpu: [] } };
  try {
    for (let i = 0; i < runs; i++) {
      for (const [label, cli] of [['before', before], ['now', CLI]] as const) {
        const run = await runTimed(process.execPath, [cli, 'train', '--data', requireRealData(), '--model', 'auto', '--out', join(dir, `${label}-${i}`)]);
        if (run.code !== 0) throw new Error(`rebuy train (${label}) failed: ${run.stderr}`);
        figures[label].wall.push(run.seconds);
        figures[label].cpu.push(run.cpuSeconds);
        log(`   ${label} run ${i + 1}: ${fmt(run.seconds, 1)} s wall, ${fmt(run.cpuSeconds, 1)} s CPU`);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const m = (values: number[]) => fmt(median(values), 1);
  console.log(`\nrebuy train --model auto on the Audiobooks data, fresh process, medians of ${runs} runs in turn (wall s / CPU s):`);
  console.log(`  before (${BEFORE_COMMIT})  ${m(figures.before.wall)} / ${m(figures.before.cpu)}`);
  console.log(`  now              ${m(figures.now.wall)} / ${m(figures.now.cpu)}   ratio now/before: wall ${fmt(median(figures.now.wall) / median(figures.before.wall), 2)}, CPU ${fmt(median(figures.now.cpu) / median(figures.before.cpu), 2)}`);
  return figures;
}

const dir = await mkdtemp(join(tmpdir(), 'rebuy-bench-auto-'));
try {
  const summary: Record<string, unknown> = {};
  if (!has('skip-accuracy')) summary.accuracy = await accuracySection(flag('repeats', 20), dir);
  if (!has('skip-time')) summary.time = await timeSection(flag('runs', 3));
  if (has('json')) console.log(JSON.stringify(summary, null, 2));
} finally {
  await rm(dir, { recursive: true, force: true });
}
