/**
 * npm run bench (part) — `rebuy monitor` on generated lists of 1M and 10M rows: median wall time and
 * peak RSS of the whole process, beside `rebuy score` on the same file run in turn (the same read and
 * model, ranking and writing instead of profiling), so the figures compare as ratios on a machine
 * whose speed drifts. Memory must stay flat as the file grows ten times.
 * Flags: --rows N (1000000; the large file is 10 N), --trials N (3), --json.
 */
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainBundle } from '../src/app/train.js';
import { generateAudiobooksSample } from '../src/data/sample.js';
import { median } from '../src/evaluate/stats.js';
import { CLI, flag, fmt, has, requireRealData, runProcess, type ProcessRun } from './common.js';

const log = (line: string): boolean => process.stderr.write(`${line}\n`);
const GENERATE_ROWS = 1_000_000;

/** A generated customer list of n rows, written a million rows at a time. */
async function generate(path: string, n: number): Promise<void> {
  for (let done = 0, part = 0; done < n; part++) {
    const rows = Math.min(GENERATE_ROWS, n - done);
    const text = generateAudiobooksSample({ rows, seed: 100 + part });
    if (part === 0) await writeFile(path, text);
    // Each part numbers its customers from 1: shift them so that every ID is unique, as in a real list.
    else await appendFile(path, text.slice(text.indexOf('\n') + 1).replace(/^(\d+),/gm, (_, id: string) => `${Number(id) + done},`));
    done += rows;
  }
}

async function timed(args: string[], okCodes: number[]): Promise<ProcessRun> {
  const run = await runProcess(process.execPath, [CLI, ...args]);
  if (!okCodes.includes(run.code ?? -1)) throw new Error(`rebuy ${args[0]} failed (${run.code}): ${run.stderr}`);
  return run;
}

/** The reference run; a failure is reported beside the figures instead of ending the bench. */
async function reference(args: string[]): Promise<ProcessRun | string> {
  try {
    return await timed(args, [0]);
  } catch (err) {
    return (err as Error).message.split('\n')[0]!.slice(0, 160);
  }
}

async function main(): Promise<void> {
  const rows = flag('rows', 1_000_000);
  const trials = flag('trials', 3);
  const dir = await mkdtemp(join(tmpdir(), 'rebuy-bench-monitor-'));
  try {
    log('monitor: training a 2x10 bundle on the real data');
    const model = join(dir, 'model');
    await trainBundle({ data: requireRealData(), out: model, preset: '2x10', balance: 'random', split: [0.8, 0.1, 0.1], seed: 0, baseline: false, report: false });
    const results = [];
    for (const n of [rows, rows * 10]) {
      const input = join(dir, `customers-${n}.csv`);
      log(`   generating ${n.toLocaleString('en')} synthetic customers`);
      await generate(input, n);
      const monitor: ProcessRun[] = [];
      const score: ProcessRun[] = [];
      const failures: string[] = [];
      for (let t = 0; t < trials; t++) {
        // A generated list differs from the real training data: monitor alerts (exit 3), as it should.
        monitor.push(await timed(['monitor', '--model', model, '--data', input, '--json'], [0, 3]));
        const scored = await reference(['score', '--model', model, '--in', input, '--out', join(dir, 'scores.csv')]);
        if (typeof scored === 'string') failures.push(scored);
        else score.push(scored);
        const scoreText = typeof scored === 'string' ? `score ${scored}` : `score ${fmt(scored.seconds, 1)} s, ${fmt(scored.peakRssMb, 0)} MB`;
        log(`   ${n.toLocaleString('en')} rows, trial ${t + 1}: monitor ${fmt(monitor[t]!.seconds, 1)} s, ${fmt(monitor[t]!.peakRssMb, 0)} MB; ${scoreText}`);
      }
      const m = { seconds: median(monitor.map((r) => r.seconds)), peakRssMb: median(monitor.map((r) => r.peakRssMb)) };
      const s = { seconds: median(score.map((r) => r.seconds)), peakRssMb: median(score.map((r) => r.peakRssMb)) };
      results.push({ rows: n, monitor: m, score: s, scoreFailures: failures, timeRatio: m.seconds / s.seconds, rowsPerSecond: n / m.seconds });
      await rm(input, { force: true });
    }
    if (has('json')) {
      console.log(JSON.stringify({ trials, results }, null, 2));
      return;
    }
    console.log(`\n\`rebuy monitor\` on generated lists (2x10 bundle), median of ${trials} fresh processes, \`rebuy score\` on the same file in turn:`);
    console.log('        rows   monitor                         peak RSS   score (read, score, rank, write)   peak RSS   monitor / score time');
    for (const r of results) {
      const mon = `${fmt(r.monitor.seconds, 1)} s, ${Math.round(r.rowsPerSecond).toLocaleString('en')} rows/s`;
      console.log(`  ${r.rows.toLocaleString('en').padStart(10)}   ${mon.padEnd(31)} ${`${fmt(r.monitor.peakRssMb, 0)} MB`.padEnd(10)} ${`${fmt(r.score.seconds, 1)} s`.padEnd(34)} ${`${fmt(r.score.peakRssMb, 0)} MB`.padEnd(10)} ${fmt(r.timeRatio, 2)}`);
      for (const failure of new Set(r.scoreFailures)) console.log(`      score failed on ${r.rows.toLocaleString('en')} rows: ${failure}`);
    }
    const [small, large] = results;
    console.log(`  monitor peak RSS, ${large!.rows.toLocaleString('en')} vs ${small!.rows.toLocaleString('en')} rows: ${fmt(large!.monitor.peakRssMb / small!.monitor.peakRssMb, 2)}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
