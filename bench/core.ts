/**
 * npm run bench — the core figures on this machine (a script, not a test):
 *   1. real data, 20 random balanced splits: mean ± sd of balanced-test accuracy and natural ROC-AUC
 *      for each preset and the logistic baseline, and the median training time;
 *   2. CSV→CSV scoring throughput (whole process, and the scoring alone as `rebuy score --json` times it)
 *      and peak RSS on generated files of growing size (1M rows and more);
 *      next to the same job done by DuckDB alone (bench/reference/duckdb-only.ts) and by a polars +
 *      onnxruntime script (bench/reference/polars_score.py, in the venv of scripts/bench-python-env.sh),
 *      run in turn: wall time and peak RSS as /usr/bin/time counts them; and the reference's own job,
 *      a logistic bundle through rebuy's default path for it, in turn with DuckDB alone;
 *   3. wall time of `rebuy score` on a 100-row file as a fresh process;
 *   4. reasons for the web page's 1,000 customers over every fact (bench/explain.ts).
 *   5. before and after: the build of BEFORE_COMMIT (or --before REF) against this one, in turn, each
 *      figure a fresh process: `rebuy score` peak memory on 1M, 5M, 10M and 20M rows (--skip-20m leaves
 *      20M out) with the 1M run's wall and CPU time, `rebuy score` on 100 rows, `rebuy train` on the
 *      real data (the fit it prints, and the whole command).
 * Flags: --repeats N (20), --rows N (1000000), --runs N (7), --skip-accuracy, --skip-scoring, --skip-explain,
 * --skip-before-after, --before REF, --skip-20m, --skip-memory (before/after without the large files), --memory-runs N (2), --json.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTable } from '../src/data/read.js';
import { generateAudiobooksSample } from '../src/data/sample.js';
import { mean, median, sd } from '../src/evaluate/stats.js';
import { PRESET_NAMES, resolveNetworkConfig } from '../src/model/presets.js';
import type { Candidate } from '../src/train/fit.js';
import { evaluateOnPlans, type CandidateRun } from '../src/train/repeated.js';
import { AUTO_CANDIDATE, autoResolver } from '../src/train/auto.js';
import { compareModels } from '../src/app/compare.js';
import { randomSplitPlans } from '../src/train/plans.js';
import { trainBundle } from '../src/app/train.js';
import { explainSection } from './explain.js';
import {
  BENCH_PYTHON,
  CLI,
  POLARS_REFERENCE,
  REFERENCE,
  buildAtCommit,
  flag,
  fmt,
  has,
  provisionBenchPython,
  requireRealData,
  runProcess,
  runTimed,
  type ProcessRun,
  type TimedRun,
} from './common.js';

const log = (line: string): boolean => process.stderr.write(`${line}\n`);
const SCORING_TRIALS = 5;

function meanSd(values: number[], percent = false): string {
  const k = percent ? 100 : 1;
  return percent ? `${(mean(values) * k).toFixed(1)} % ± ${(sd(values) * k).toFixed(1)}` : `${fmt(mean(values))} ± ${fmt(sd(values))}`;
}

async function accuracySection(repeats: number): Promise<Record<string, unknown>> {
  const table = await readTable(requireRealData());
  const candidates: Candidate[] = [
    ...PRESET_NAMES.map((name): Candidate => ({ name, kind: 'network', preset: name, config: resolveNetworkConfig(name) })),
    { name: 'logistic', kind: 'logistic' },
    AUTO_CANDIDATE,
  ];
  log(`1. accuracy: ${candidates.length} models (auto = 5-fold selection on each split's training part) × ${repeats} random balanced splits of the real data (80/10/10)`);
  const plans = randomSplitPlans(table, { repeats, balance: 'random', split: [0.8, 0.1, 0.1], seed: 1 });
  const runs = await evaluateOnPlans(table, candidates, plans, {
    resolve: autoResolver(table, 'random'),
    onProgress: (done, total, run) =>
      log(`   [${done}/${total}] ${run.candidate.padEnd(8)} split ${run.plan + 1}: ${run.trained}, balanced acc ${fmt(run.balancedTest.accuracy)}, natural AUC ${fmt(run.naturalTest.rocAuc)}, ECE ${fmt(run.naturalEce.priorCorrected)}, ${fmt(run.trainSeconds, 2)} s`),
  });
  const rows = candidates.map((c) => {
    const mine = runs.filter((r: CandidateRun) => r.candidate === c.name);
    const chosen = new Map<string, number>();
    for (const r of mine) chosen.set(r.trained, (chosen.get(r.trained) ?? 0) + 1);
    return {
      model: c.name,
      balancedAccuracy: meanSd(mine.map((r) => r.balancedTest.accuracy), true),
      naturalRocAuc: meanSd(mine.map((r) => r.naturalTest.rocAuc)),
      naturalEceRaw: meanSd(mine.map((r) => r.naturalEce.raw)),
      naturalEceCorrected: meanSd(mine.map((r) => r.naturalEce.priorCorrected)),
      medianTrainSeconds: median(mine.map((r) => r.trainSeconds)),
      medianEpochs: median(mine.map((r) => r.epochs)),
      trained: Object.fromEntries(chosen),
    };
  });
  console.log(`\nAccuracy on the real data, ${repeats} random balanced splits (mean ± sd):`);
  console.log('  model     balanced-test acc   natural ROC-AUC   natural ECE raw → prior-corrected   median train s   median epochs');
  for (const r of rows) {
    console.log(
      `  ${r.model.padEnd(9)} ${r.balancedAccuracy.padEnd(19)} ${r.naturalRocAuc.padEnd(17)} ${r.naturalEceRaw} → ${r.naturalEceCorrected}     ${fmt(r.medianTrainSeconds, 2).padStart(6)}          ${r.medianEpochs}`,
    );
  }
  const auto = rows.find((r) => r.model === 'auto')!;
  console.log(`  auto chose: ${Object.entries(auto.trained).map(([k, v]) => `${k} ×${v}`).join(', ')}`);

  log('   timing `rebuy compare` of the presets and the baseline, 5-fold');
  const started = performance.now();
  await compareModels({ data: requireRealData(), folds: 5, balance: 'random', split: [0.8, 0.1, 0.1], seed: 1 });
  const compareSeconds = (performance.now() - started) / 1000;
  console.log(`  compare (3 presets + baseline, 5-fold, in process): ${fmt(compareSeconds, 1)} s`);
  return { repeats, rows, compareSeconds };
}

async function scoringSection(rows: number): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'rebuy-bench-'));
  try {
    log('2. scoring: training a 2x50 bundle on the real data');
    const model = join(dir, 'model');
    await trainBundle({ data: requireRealData(), out: model, preset: '2x50', balance: 'random', split: [0.8, 0.1, 0.1], seed: 0, baseline: false });
    const sizes = [Math.round(rows / 4), rows, rows * 2];
    log('   the bench venv for the polars reference (sh scripts/bench-python-env.sh)');
    const noPython = await provisionBenchPython();
    const results = [];
    for (const n of sizes) {
      const input = join(dir, `customers-${n}.csv`);
      log(`   generating ${n.toLocaleString('en')} synthetic customers`);
      await writeFile(input, generateAudiobooksSample({ rows: n, seed: 7 }));
      const output = join(dir, `scores-${n}.csv`);
      const trials = [];
      const references = [];
      const polars = [];
      for (let trial = 0; trial < SCORING_TRIALS; trial++) {
        const run = await runTimed(process.execPath, [CLI, 'score', '--model', model, '--in', input, '--out', output, '--json']);
        if (run.code !== 0) throw new Error(`rebuy score failed: ${run.stderr}`);
        trials.push(run);
        // On the main size, the references run in turn with rebuy (this machine's speed drifts).
        if (n === rows) {
          references.push(await runReference(input, join(dir, 'reference.csv')));
          if (noPython === null) polars.push(await runPolars(model, input, join(dir, 'polars.csv')));
        }
      }
      const seconds = median(trials.map((t) => t.seconds));
      // The scoring itself (read, score, rank, write), as `rebuy score --json` reports it: without
      // Node's start-up, module loading and opening the model.
      const scoringSeconds = median(trials.map((t) => (JSON.parse(t.stdout) as { seconds: number }).seconds));
      const peakRssMb = median(trials.map((t) => t.peakRssMb));
      results.push({
        rows: n,
        processSeconds: seconds,
        cpuSeconds: median(trials.map((t) => t.cpuSeconds)),
        rowsPerSecond: n / seconds,
        scoringSeconds,
        scoringRowsPerSecond: n / scoringSeconds,
        peakRssMb,
        runs: trials.map((t) => t.seconds),
        ...(references.length > 0 && { duckdbOnly: referenceSummary(trials, references) }),
        ...(polars.length > 0 && { polars: against(trials, polars) }),
      });
      log(`   ${n.toLocaleString('en')} rows: median ${fmt(seconds, 2)} s as a process (${trials.map((t) => fmt(t.seconds, 2)).join(', ')}), ${Math.round(n / seconds).toLocaleString('en')} rows/s; scoring alone ${fmt(scoringSeconds, 2)} s; peak RSS ${fmt(peakRssMb, 0)} MB`);
    }
    const sameJob = await logisticAgainstDuckDb(dir, join(dir, `customers-${rows}.csv`), rows);
    const small = join(dir, 'customers-100.csv');
    await writeFile(small, generateAudiobooksSample({ rows: 100, seed: 8 }));
    const times: number[] = [];
    for (let i = 0; i < 11; i++) {
      const run = await runProcess(process.execPath, [CLI, 'score', '--model', model, '--in', small, '--out', join(dir, 'scores-100.csv')]);
      if (run.code !== 0) throw new Error(`rebuy score failed: ${run.stderr}`);
      times.push(run.seconds);
    }
    console.log(`\nScoring CSV→CSV as a fresh \`rebuy score\` process (2x50 bundle), median of ${SCORING_TRIALS} runs:`);
    console.log('        rows   whole process          scoring alone (read, score, rank, write)   peak RSS');
    for (const r of results) {
      const whole = `${fmt(r.processSeconds, 2)} s, ${Math.round(r.rowsPerSecond).toLocaleString('en')} rows/s`;
      const alone = `${fmt(r.scoringSeconds, 2)} s, ${Math.round(r.scoringRowsPerSecond).toLocaleString('en')} rows/s`;
      console.log(`  ${r.rows.toLocaleString('en').padStart(10)}   ${whole.padEnd(22)} ${alone.padEnd(42)} ${fmt(r.peakRssMb, 0)} MB`);
    }
    const first = results[0]!;
    const last = results[results.length - 1]!;
    for (const r of results) if (r.duckdbOnly) printReference(r.rows, r.duckdbOnly);
    for (const r of results) if (r.duckdbOnly) printInTurn(r.rows, { mb: r.peakRssMb, seconds: r.processSeconds, cpuSeconds: r.cpuSeconds }, r.duckdbOnly, r.polars, noPython);
    printLogisticAgainstDuckDb(rows, sameJob);
    console.log(`  peak RSS ratio ${last.rows.toLocaleString('en')} vs ${first.rows.toLocaleString('en')} rows: ${fmt(last.peakRssMb / first.peakRssMb, 2)}`);
    console.log(`  100-row file: median ${fmt(median(times), 3)} s over ${times.length} fresh processes (min ${fmt(Math.min(...times), 3)} s)`);
    return { sizes: results, logisticAgainstDuckDb: sameJob, hundredRowMedianSeconds: median(times), hundredRowRuns: times, ...(noPython !== null && { polarsSkipped: noPython }) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The reference's own job exactly: a logistic model (what its formula is) scored by `rebuy score` on its
 * default path for that model (DuckDB running the compiled SQL), in turn with DuckDB alone.
 */
interface SameJob {
  /** `rebuy score`'s medians. */
  seconds: number;
  cpuSeconds: number;
  peakRssMb: number;
  duckdbAlone: Against;
}

async function logisticAgainstDuckDb(dir: string, input: string, rows: number): Promise<SameJob> {
  log(`   the same job as DuckDB alone: a logistic bundle, ${rows.toLocaleString('en')} rows, ${SCORING_TRIALS} rounds in turn`);
  const model = join(dir, 'logistic');
  await trainBundle({ data: requireRealData(), out: model, model: 'logistic', balance: 'random', split: [0.8, 0.1, 0.1], seed: 0, baseline: false });
  const trials: TimedRun[] = [];
  const references: TimedRun[] = [];
  for (let trial = 0; trial < SCORING_TRIALS; trial++) {
    const run = await runTimed(process.execPath, [CLI, 'score', '--model', model, '--in', input, '--out', join(dir, 'scores-logistic.csv'), '--json']);
    if (run.code !== 0) throw new Error(`rebuy score (logistic) failed: ${run.stderr}`);
    trials.push(run);
    references.push(await runReference(input, join(dir, 'reference.csv')));
  }
  return {
    seconds: median(trials.map((t) => t.seconds)),
    cpuSeconds: median(trials.map((t) => t.cpuSeconds)),
    peakRssMb: median(trials.map((t) => t.peakRssMb)),
    duckdbAlone: against(trials, references),
  };
}

function printLogisticAgainstDuckDb(rows: number, result: SameJob): void {
  const rebuy = result.duckdbAlone;
  console.log(`  The reference's own job, a logistic model, on ${rows.toLocaleString('en')} rows in turn (rebuy's default path for it: DuckDB running the compiled SQL):`);
  console.log(`    ${'rebuy score (logistic)'.padEnd(28)} ${fmt(result.seconds, 2).padStart(6)} s ${fmt(result.cpuSeconds, 2).padStart(6)} s CPU ${fmt(result.peakRssMb, 0).padStart(6)} MB`);
  console.log(
    `    ${'DuckDB alone'.padEnd(28)} ${fmt(rebuy.processSeconds, 2).padStart(6)} s ${fmt(rebuy.cpuSeconds, 2).padStart(6)} s CPU ${fmt(rebuy.peakRssMb, 0).padStart(6)} MB   ` +
      `rebuy ${fmt(rebuy.processRatio, 2)}x the time (${fmt(rebuy.cpuRatio, 2)}x the CPU), ${fmt(rebuy.memoryRatio, 2)}x the memory (target: time ≤ 1.1x)`,
  );
}

/** Another process doing rebuy's job, run in turn with it: its medians, and rebuy's over it (median of the round-by-round ratios). */
interface Against {
  processSeconds: number;
  cpuSeconds: number;
  peakRssMb: number;
  processRatio: number;
  cpuRatio: number;
  memoryRatio: number;
}

function against(trials: TimedRun[], others: TimedRun[]): Against {
  return {
    processSeconds: median(others.map((r) => r.seconds)),
    cpuSeconds: median(others.map((r) => r.cpuSeconds)),
    peakRssMb: median(others.map((r) => r.peakRssMb)),
    processRatio: median(trials.map((t, i) => t.seconds / others[i]!.seconds)),
    cpuRatio: median(trials.map((t, i) => t.cpuSeconds / others[i]!.cpuSeconds)),
    memoryRatio: median(trials.map((t, i) => t.peakRssMb / others[i]!.peakRssMb)),
  };
}

interface ReferenceSummary extends Against {
  querySeconds: number;
  /** Median of rebuy's scoring time (as --json prints it) over the query's, run by run. */
  scoringRatio: number;
}

/** The same CSV→CSV job as one DuckDB query, a formula in place of the model (bench/reference/duckdb-only.ts). */
async function runReference(input: string, output: string): Promise<TimedRun> {
  const run = await runTimed(process.execPath, [REFERENCE, input, output]);
  if (run.code !== 0) throw new Error(`the DuckDB-only reference failed: ${run.stderr}`);
  return run;
}

/** The same CSV→CSV job as a data scientist's script: polars, onnxruntime and the bundle's model.onnx. */
async function runPolars(model: string, input: string, output: string): Promise<TimedRun> {
  const run = await runTimed(BENCH_PYTHON, [POLARS_REFERENCE, model, input, output]);
  if (run.code !== 0) throw new Error(`the polars reference failed: ${run.stderr}`);
  return run;
}

function referenceSummary(trials: TimedRun[], references: TimedRun[]): ReferenceSummary {
  const seconds = (run: ProcessRun): number => (JSON.parse(run.stdout) as { seconds: number }).seconds;
  return {
    ...against(trials, references),
    querySeconds: median(references.map(seconds)),
    scoringRatio: median(trials.map((t, i) => seconds(t) / seconds(references[i]!))),
  };
}

function printInTurn(rows: number, rebuy: { mb: number; seconds: number; cpuSeconds: number }, duckdb: Against, polars: Against | undefined, noPython: string | null): void {
  console.log(`  In turn on ${rows.toLocaleString('en')} rows, CSV→CSV, ${SCORING_TRIALS} rounds of fresh processes (medians; wall, CPU = user + sys and peak RSS as /usr/bin/time counts them; rebuy's ratio: median of the rounds'):`);
  console.log(`    ${'rebuy score'.padEnd(28)} ${fmt(rebuy.seconds, 2).padStart(6)} s ${fmt(rebuy.cpuSeconds, 2).padStart(6)} s CPU ${fmt(rebuy.mb, 0).padStart(6)} MB`);
  const line = (name: string, a: Against, target: string): void =>
    console.log(
      `    ${name.padEnd(28)} ${fmt(a.processSeconds, 2).padStart(6)} s ${fmt(a.cpuSeconds, 2).padStart(6)} s CPU ${fmt(a.peakRssMb, 0).padStart(6)} MB   ` +
        `rebuy ${fmt(a.processRatio, 2)}x the time (${fmt(a.cpuRatio, 2)}x the CPU), ${fmt(a.memoryRatio, 2)}x the memory (target: ${target})`,
    );
  line('DuckDB alone', duckdb, 'time ≤ 1.1x');
  if (polars) line('polars + onnxruntime script', polars, 'time < 1x, memory ≤ 0.5x');
  else console.log(`    polars + onnxruntime script: skipped, the bench venv could not be provisioned (${noPython ?? 'no runs'})`);
}

function printReference(rows: number, ref: ReferenceSummary): void {
  console.log(
    `  DuckDB alone, the same job on ${rows.toLocaleString('en')} rows with a formula for the model (runs in turn with rebuy): ` +
      `${fmt(ref.processSeconds, 2)} s as a process, ${fmt(ref.querySeconds, 2)} s the query; ` +
      `rebuy takes ${fmt(ref.processRatio, 2)}x as a process, ${fmt(ref.scoringRatio, 2)}x scoring alone`,
  );
}

/** The build the before/after section compares against: the code before the work on start-up, memory and training time. */
const BEFORE_COMMIT = '0697633';
const beforeIndex = process.argv.indexOf('--before');
const beforeCommit = beforeIndex >= 0 ? process.argv[beforeIndex + 1]! : BEFORE_COMMIT;
const MILLION = 1_000_000;

/** A figure of both builds: the medians, and the median of the after/before ratios of runs made in turn. */
interface Paired {
  before: number;
  after: number;
  ratio: number;
}

function paired(before: number[], after: number[]): Paired {
  return { before: median(before), after: median(after), ratio: median(after.map((a, i) => a / before[i]!)) };
}

/** Runs `args` with the CLI of each build in turn (before, after, before, …), `runs` times each. */
async function inTurn(clis: { before: string; after: string }, runs: number, args: string[]): Promise<{ before: TimedRun[]; after: TimedRun[] }> {
  const result = { before: [] as TimedRun[], after: [] as TimedRun[] };
  for (let i = 0; i < runs; i++) {
    for (const which of ['before', 'after'] as const) {
      const run = await runTimed(process.execPath, [clis[which], ...args]);
      if (run.code !== 0) throw new Error(`rebuy ${args[0]} (${which}) failed: ${run.stderr}`);
      result[which].push(run);
    }
  }
  return result;
}

/** The 1M-row sample repeated `times` times, each copy with new IDs (the sample's IDs are 1…rows). */
async function repeatWithNewIds(sample: string, rows: number, times: number, path: string): Promise<void> {
  const [header, ...lines] = sample.split('\r\n').filter((l) => l !== '');
  const out = createWriteStream(path);
  const write = (text: string): Promise<void> => new Promise((resolve) => (out.write(text) ? resolve() : out.once('drain', resolve)));
  await write(`${header}\r\n`);
  for (let copy = 0; copy < times; copy++) {
    let text = '';
    for (const line of lines) {
      const comma = line.indexOf(',');
      text += `${Number(line.slice(0, comma)) + copy * rows}${line.slice(comma)}\r\n`;
      if (text.length > 1 << 20) {
        await write(text);
        text = '';
      }
    }
    await write(text);
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

const FIT_SECONDS = /kept epoch \d+ \(([\d.]+) s\)/;

async function beforeAfterSection(): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'rebuy-bench-'));
  const at = process.argv.indexOf('--before');
  const beforeCommit = at >= 0 ? process.argv[at + 1]! : BEFORE_COMMIT;
  try {
    log(`4. before (${beforeCommit}) and after, in turn, each run a fresh process`);
    const clis = { before: await buildAtCommit(beforeCommit, log), after: CLI };
    const model = join(dir, 'model');
    const trained = await runProcess(process.execPath, [CLI, 'train', '--data', requireRealData(), '--out', model, '--preset', '2x50']);
    if (trained.code !== 0) throw new Error(`rebuy train failed: ${trained.stderr}`);

    log('   rebuy train on the real data (2x50), 5 runs each');
    const train = await inTurn(clis, 5, ['train', '--data', requireRealData(), '--out', join(dir, 'model-again'), '--preset', '2x50']);
    const fit = (runs: TimedRun[]): number[] => runs.map((r) => Number(FIT_SECONDS.exec(r.stdout)?.[1] ?? Number.NaN));

    const small = join(dir, 'customers-100.csv');
    await writeFile(small, generateAudiobooksSample({ rows: 100, seed: 8 }));
    log('   rebuy score on 100 rows, 11 runs each');
    const cold = await inTurn(clis, 11, ['score', '--model', model, '--in', small, '--out', join(dir, 'scores-100.csv')]);

    const sample = generateAudiobooksSample({ rows: MILLION, seed: 7 });
    const copies = has('skip-memory') ? [] : [1, 5, 10, ...(has('skip-20m') ? [] : [20])];
    const memoryRuns = flag('memory-runs', 2);
    const memory: Record<string, Paired & { rows: number }> = {};
    let millionRows: { wall: Paired; cpu: Paired } | null = null;
    for (const times of copies) {
      const input = join(dir, `customers-${times}m.csv`);
      log(`   writing ${times}M rows (the 1M-row sample repeated with new IDs), then rebuy score, ${memoryRuns} runs each`);
      await repeatWithNewIds(sample, MILLION, times, input);
      const runs = await inTurn(clis, memoryRuns, ['score', '--model', model, '--in', input, '--out', join(dir, 'scores.csv')]);
      await rm(input, { force: true });
      memory[`${times}M`] = { rows: times * MILLION, ...paired(runs.before.map((r) => r.peakRssMb), runs.after.map((r) => r.peakRssMb)) };
      if (times === 1) {
        millionRows = {
          wall: paired(runs.before.map((r) => r.seconds), runs.after.map((r) => r.seconds)),
          cpu: paired(runs.before.map((r) => r.cpuSeconds), runs.after.map((r) => r.cpuSeconds)),
        };
      }
    }

    const figures = {
      scorePeakMb: memory,
      scoreMillionRows: millionRows,
      scoreHundredRows: {
        wallSeconds: paired(cold.before.map((r) => r.seconds), cold.after.map((r) => r.seconds)),
        cpuSeconds: paired(cold.before.map((r) => r.cpuSeconds), cold.after.map((r) => r.cpuSeconds)),
      },
      train: {
        printedFitSeconds: paired(fit(train.before), fit(train.after)),
        wallSeconds: paired(train.before.map((r) => r.seconds), train.after.map((r) => r.seconds)),
        cpuSeconds: paired(train.before.map((r) => r.cpuSeconds), train.after.map((r) => r.cpuSeconds)),
        peakRssMb: paired(train.before.map((r) => r.peakRssMb), train.after.map((r) => r.peakRssMb)),
      },
    };
    const row = (name: string, p: Paired, digits: number, unit: string, target: string): void =>
      console.log(`  ${name.padEnd(44)} ${`${fmt(p.before, digits)} ${unit}`.padStart(12)} ${`${fmt(p.after, digits)} ${unit}`.padStart(12)} ${fmt(p.ratio, 2).padStart(8)}   ${target}`);
    console.log(`\nBefore (${beforeCommit}) and after, fresh processes in turn (medians; ratio: median of after/before run by run; CPU = user + sys):`);
    console.log(`  ${'figure'.padEnd(44)} ${'before'.padStart(12)} ${'after'.padStart(12)} ${'ratio'.padStart(8)}   target`);
    for (const [size, p] of Object.entries(memory)) row(`rebuy score peak memory, ${size} rows`, p, 0, 'MB', '≤ 300 MB, 20M within 10 % of 1M');
    const first = memory['1M'];
    for (const [size, p] of Object.entries(memory)) {
      if (first && size !== '1M') console.log(`  peak ${size} / 1M: before ${fmt(p.before / first.before, 2)}, after ${fmt(p.after / first.after, 2)}`);
    }
    if (millionRows) {
      row('rebuy score, 1M rows: wall', millionRows.wall, 2, 's', '');
      row('rebuy score, 1M rows: CPU', millionRows.cpu, 2, 's', '');
    }
    row('rebuy score, 100 rows: wall', figures.scoreHundredRows.wallSeconds, 3, 's', '≤ 0.25 s');
    row('rebuy score, 100 rows: CPU', figures.scoreHundredRows.cpuSeconds, 3, 's', '');
    row('rebuy train: the fit it prints (2x50)', figures.train.printedFitSeconds, 2, 's', '≤ 0.4 s');
    row('rebuy train: whole command, wall', figures.train.wallSeconds, 2, 's', '≤ 1.5 s');
    row('rebuy train: whole command, CPU', figures.train.cpuSeconds, 2, 's', '');
    row('rebuy train: peak memory', figures.train.peakRssMb, 0, 'MB', '');
    return { beforeCommit, ...figures };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const summary: Record<string, unknown> = { machine: { cpus: (await import('node:os')).cpus().length, node: process.version } };
if (!has('skip-accuracy')) summary.accuracy = await accuracySection(flag('repeats', 20));
if (!has('skip-scoring')) summary.scoring = await scoringSection(flag('rows', 1_000_000));
if (!has('skip-explain')) summary.explain = await explainSection(flag('runs', 7));
if (!has('skip-before-after')) summary.beforeAfter = await beforeAfterSection();
if (has('json')) console.log(JSON.stringify(summary, null, 2));
