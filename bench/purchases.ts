/**
 * npm run bench:purchases — purchase logs and BG/NBD on this machine (a script, not a test):
 *   1. CDNOW: one leaderboard on the same folds for BG/NBD alone (P(at least one purchase) in the
 *      holdout), the logistic baseline and a network on the RFM features, and both with BG/NBD's
 *      outputs as extra features (natural-mix ROC-AUC of "bought again in the 39 weeks after");
 *   2. generated purchase logs of growing size → customer table as a fresh `rebuy features` process:
 *      time and peak RSS;
 *   3. BG/NBD fit time on generated customers.
 * Flags: --log-rows N (10000000), --fit-customers N (1000000), --folds K (5), --runs R (3: fresh
 * processes per figure, medians reported), --memory-limit SIZE (features' DuckDB limit), --skip-cdnow, --skip-log, --skip-fit, --json.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { buildFeatures } from '../src/app/features.js';
import { compareModels } from '../src/app/compare.js';
import { createRng } from '../src/core/random.js';
import { median } from '../src/evaluate/stats.js';
import { packageRoot } from '../src/paths.js';
import { fitBgNbd, type BgNbdParams } from '../src/purchases/bgnbd.js';
import { simulateCustomers, simulatePurchaseDays } from '../src/purchases/simulate.js';
import { CLI, flag, fmt, has, runProcess } from './common.js';

const log = (line: string): boolean => process.stderr.write(`${line}\n`);
const CDNOW = join(packageRoot(), '..', 'shared', 'data', 'cdnow_sample.txt');
/** BG/NBD's CDNOW estimates with α in days: the scale of a real shop's customers. */
const DAILY: BgNbdParams = { r: 0.243, alpha: 4.414 * 7, a: 0.793, b: 2.426 };

async function cdnowSection(dir: string, folds: number): Promise<Record<string, unknown>> {
  if (!existsSync(CDNOW)) throw new Error(`the benchmark needs the CDNOW sample at ${CDNOW}`);
  const spec = { file: CDNOW, customer: 'id', date: 'date', amount: 'amount', columns: ['full_id', 'id', 'date', 'cds', 'amount'] };
  const base = { ...spec, cutoff: '1997-09-30', horizonDays: 273 };
  const rfm = join(dir, 'cdnow-rfm.csv');
  await buildFeatures({ ...base, out: rfm });
  log(`1. CDNOW, cutoff 1997-09-30, target: bought again in the 39 weeks after; ${folds}-fold cross-validation, seed 1`);
  // compare adds BG/NBD alone and each classifier with BG/NBD's outputs, BG/NBD fitted on each fold's training rows only.
  const result = await compareModels({
    data: rfm, target: 'bought_again', id: 'id', folds, balance: 'random', split: [0.8, 0.1, 0.1], seed: 1, presets: ['2x50'], purchaseHorizonDays: 273,
  });
  const rows = result.leaderboard.rows.map((row) => {
    const auc = row.metrics.naturalRocAuc!;
    return { model: row.candidate, naturalRocAuc: `${fmt(auc.mean)} [${fmt(auc.lower)}, ${fmt(auc.upper)}]` };
  });
  for (const r of rows) log(`   ${r.model!.padEnd(40)} ${r.naturalRocAuc}`);
  return { folds, rows };
}

/** A generated log: customers arrive over a year and buy by BG/NBD for up to two; one order in ten has a second line. */
async function writeLog(path: string, rows: number): Promise<{ rows: number; customers: number }> {
  const out = createWriteStream(path);
  const rng = createRng(42);
  const start = Date.UTC(2024, 0, 1);
  const dayText: string[] = Array.from({ length: 800 }, (_, d) => new Date(start + d * 86_400_000).toISOString().slice(0, 10));
  let written = 0;
  let customers = 0;
  out.write('customer,date,amount\n');
  let buffer = '';
  while (written < rows) {
    customers += 1;
    const first = Math.floor(rng() * 365);
    for (const day of simulatePurchaseDays(rng, DAILY, first, 729)) {
      const lines = rng() < 0.1 ? 2 : 1;
      for (let k = 0; k < lines && written < rows; k++) {
        buffer += `C${customers},${dayText[day]},${(5 + rng() * 95).toFixed(2)}\n`;
        written += 1;
      }
    }
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
  return { rows: written, customers };
}

async function logSection(dir: string, maxRows: number): Promise<Record<string, unknown>[]> {
  const sizes = [...new Set([Math.round(maxRows / 10), Math.round(maxRows / 3), maxRows])].filter((n) => n > 0);
  log(`2. generated purchase logs → customer table (rebuy features as a fresh process, cutoff 2025-06-30, horizon 180d)`);
  const results: Record<string, unknown>[] = [];
  for (const rows of sizes) {
    const path = join(dir, `log-${rows}.csv`);
    const made = await writeLog(path, rows);
    const seconds: number[] = [];
    const rss: number[] = [];
    let info = { customers: 0 };
    for (let r = 0; r < RUNS; r++) {
      const run = await runProcess(process.execPath, [
        CLI, 'features', '--transactions', path, '--customer', 'customer', '--date', 'date', '--amount', 'amount',
        '--cutoff', '2025-06-30', '--horizon', '180d', '--out', join(dir, `table-${rows}.parquet`), '--json',
        ...(MEMORY_LIMIT === undefined ? [] : ['--memory-limit', MEMORY_LIMIT]),
      ]);
      if (run.code !== 0) throw new Error(`rebuy features failed: ${run.stderr}`);
      info = JSON.parse(run.stdout) as { customers: number };
      seconds.push(run.seconds);
      rss.push(run.peakRssMb);
    }
    const result = { rows: made.rows, customersInLog: made.customers, customersAtCutoff: info.customers, runs: RUNS, seconds: median(seconds), peakRssMb: median(rss) };
    log(`   ${String(made.rows).padStart(10)} rows, ${info.customers} customers at the cutoff: ${fmt(result.seconds, 2)} s, peak RSS ${fmt(result.peakRssMb, 0)} MB (medians of ${RUNS})`);
    results.push(result);
    await rm(path, { force: true });
  }
  return results;
}

/** Each fit in a fresh process (this script with --fit-once), so no run inherits another's warm heap. */
async function fitSection(customers: number): Promise<Record<string, unknown>> {
  log(`3. BG/NBD fit on ${customers} generated customers (ages 0..365 days, whole days; three starts; fresh processes)`);
  const runs: { seconds: number; params: BgNbdParams; converged: boolean }[] = [];
  for (let r = 0; r < RUNS; r++) {
    const run = await runProcess(process.execPath, [process.argv[1]!, '--fit-once', String(customers)]);
    if (run.code !== 0) throw new Error(`the fit failed: ${run.stderr}`);
    runs.push(JSON.parse(run.stdout) as { seconds: number; params: BgNbdParams; converged: boolean });
  }
  const seconds = median(runs.map((r) => r.seconds));
  const p = runs[0]!.params;
  log(`   ${fmt(seconds, 2)} s (median of ${RUNS}); r ${fmt(p.r)}, α ${fmt(p.alpha)}, a ${fmt(p.a)}, b ${fmt(p.b)} (made with r 0.243, α 30.9, a 0.793, b 2.426)`);
  return { customers, runs: RUNS, seconds, params: p, converged: runs.every((r) => r.converged) };
}

function fitOnce(customers: number): { seconds: number; params: BgNbdParams; converged: boolean } {
  const simulated = simulateCustomers(7, DAILY, customers, 0, 365);
  const data = {
    frequency: Float64Array.from(simulated, (c) => c.x),
    recency: Float64Array.from(simulated, (c) => Math.floor(c.tx)),
    age: Float64Array.from(simulated, (c) => Math.floor(c.T)),
  };
  const started = performance.now();
  const fit = fitBgNbd(data);
  const seconds = (performance.now() - started) / 1000;
  return { seconds, params: fit.params, converged: fit.converged };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'rebuy-bench-purchases-'));
  try {
    const report: Record<string, unknown> = {};
    if (!has('skip-cdnow')) report.cdnow = await cdnowSection(dir, flag('folds', 5));
    if (!has('skip-log')) report.logs = await logSection(dir, flag('log-rows', 10_000_000));
    if (!has('skip-fit')) report.fit = await fitSection(flag('fit-customers', 1_000_000));
    if (has('json')) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const RUNS = flag('runs', 3);
const MEMORY_LIMIT = has('memory-limit') ? process.argv[process.argv.indexOf('--memory-limit') + 1] : undefined;
if (has('fit-once')) process.stdout.write(`${JSON.stringify(fitOnce(flag('fit-once', 1_000_000)))}\n`);
else await main();
