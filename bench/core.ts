/**
 * npm run bench — the core figures on this machine (a script, not a test):
 *   1. real data, 20 random balanced splits: mean ± sd of balanced-test accuracy and natural ROC-AUC
 *      for each preset and the logistic baseline, and the median training time;
 *   2. CSV→CSV scoring throughput (whole process, and the scoring alone as `rebuy score --json` times it)
 *      and peak RSS on generated files of growing size (1M rows and more);
 *      next to the same job done by DuckDB alone (bench/reference/duckdb-only.ts), run in turn;
 *   3. wall time of `rebuy score` on a 100-row file as a fresh process;
 *   4. reasons for the web page's 1,000 customers over every fact (bench/explain.ts).
 * Flags: --repeats N (20), --rows N (1000000), --runs N (7), --skip-accuracy, --skip-scoring, --skip-explain, --json.
 */
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
import { CLI, REFERENCE, flag, fmt, has, requireRealData, runProcess, type ProcessRun } from './common.js';

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
    const results = [];
    for (const n of sizes) {
      const input = join(dir, `customers-${n}.csv`);
      log(`   generating ${n.toLocaleString('en')} synthetic customers`);
      await writeFile(input, generateAudiobooksSample({ rows: n, seed: 7 }));
      const output = join(dir, `scores-${n}.csv`);
      const trials = [];
      const references = [];
      for (let trial = 0; trial < SCORING_TRIALS; trial++) {
        const run = await runProcess(process.execPath, [CLI, 'score', '--model', model, '--in', input, '--out', output, '--json']);
        if (run.code !== 0) throw new Error(`rebuy score failed: ${run.stderr}`);
        trials.push(run);
        // On the main size, the DuckDB-only reference runs in turn with rebuy (this machine's speed drifts).
        if (n === rows) references.push(await runReference(input, join(dir, 'reference.csv')));
      }
      const seconds = median(trials.map((t) => t.seconds));
      // The scoring itself (read, score, rank, write), as `rebuy score --json` reports it: without
      // Node's start-up, module loading and opening the model.
      const scoringSeconds = median(trials.map((t) => (JSON.parse(t.stdout) as { seconds: number }).seconds));
      const peakRssMb = median(trials.map((t) => t.peakRssMb));
      results.push({
        rows: n,
        processSeconds: seconds,
        rowsPerSecond: n / seconds,
        scoringSeconds,
        scoringRowsPerSecond: n / scoringSeconds,
        peakRssMb,
        runs: trials.map((t) => t.seconds),
        ...(references.length > 0 && { duckdbOnly: referenceSummary(trials, references) }),
      });
      log(`   ${n.toLocaleString('en')} rows: median ${fmt(seconds, 2)} s as a process (${trials.map((t) => fmt(t.seconds, 2)).join(', ')}), ${Math.round(n / seconds).toLocaleString('en')} rows/s; scoring alone ${fmt(scoringSeconds, 2)} s; peak RSS ${fmt(peakRssMb, 0)} MB`);
    }
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
    console.log(`  peak RSS ratio ${last.rows.toLocaleString('en')} vs ${first.rows.toLocaleString('en')} rows: ${fmt(last.peakRssMb / first.peakRssMb, 2)}`);
    console.log(`  100-row file: median ${fmt(median(times), 3)} s over ${times.length} fresh processes (min ${fmt(Math.min(...times), 3)} s)`);
    return { sizes: results, hundredRowMedianSeconds: median(times), hundredRowRuns: times };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface ReferenceSummary {
  processSeconds: number;
  querySeconds: number;
  /** Medians of rebuy's time over the reference's, run by run. */
  processRatio: number;
  scoringRatio: number;
}

/** The same CSV→CSV job as one DuckDB query, a formula in place of the model (bench/reference/duckdb-only.ts). */
async function runReference(input: string, output: string): Promise<ProcessRun> {
  const run = await runProcess(process.execPath, [REFERENCE, input, output]);
  if (run.code !== 0) throw new Error(`the DuckDB-only reference failed: ${run.stderr}`);
  return run;
}

function referenceSummary(trials: ProcessRun[], references: ProcessRun[]): ReferenceSummary {
  const seconds = (run: ProcessRun): number => (JSON.parse(run.stdout) as { seconds: number }).seconds;
  return {
    processSeconds: median(references.map((r) => r.seconds)),
    querySeconds: median(references.map(seconds)),
    processRatio: median(trials.map((t, i) => t.seconds / references[i]!.seconds)),
    scoringRatio: median(trials.map((t, i) => seconds(t) / seconds(references[i]!))),
  };
}

function printReference(rows: number, ref: ReferenceSummary): void {
  console.log(
    `  DuckDB alone, the same job on ${rows.toLocaleString('en')} rows with a formula for the model (runs in turn with rebuy): ` +
      `${fmt(ref.processSeconds, 2)} s as a process, ${fmt(ref.querySeconds, 2)} s the query; ` +
      `rebuy takes ${fmt(ref.processRatio, 2)}x as a process, ${fmt(ref.scoringRatio, 2)}x scoring alone`,
  );
}

const summary: Record<string, unknown> = { machine: { cpus: (await import('node:os')).cpus().length, node: process.version } };
if (!has('skip-accuracy')) summary.accuracy = await accuracySection(flag('repeats', 20));
if (!has('skip-scoring')) summary.scoring = await scoringSection(flag('rows', 1_000_000));
if (!has('skip-explain')) summary.explain = await explainSection(flag('runs', 7));
if (has('json')) console.log(JSON.stringify(summary, null, 2));
