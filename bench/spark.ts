/**
 * npm run bench:spark — Spark scoring on this machine (a script, not a test): for each row count
 * (--rows 1000000,10000000), the seconds and rows/s of `rebuy score --engine spark` on local[2] and on
 * a two-worker standalone cluster on loopback, against `rebuy score` (onnxruntime, one process) on the
 * same Parquet file; the median of --runs runs (default 3, in turn; 3,1 gives one per row count), and how the time grows with the rows.
 * Up to --whole-stage-up-to rows (default 1000000) it also runs local[2] with whole-stage codegen on, as before.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainBundle } from '../src/app/train.js';
import { quoteIdent, quoteText } from '../src/compile/dialect.js';
import { AUDIOBOOKS_COLUMNS, AUDIOBOOKS_HEADER } from '../src/domain/audiobooks.js';
import { openDuckDb } from '../src/engines/duckdb.js';
import { sparkEnvironment } from '../src/engines/spark.js';
import { median } from '../src/evaluate/stats.js';
import { CLI, requireRealData, runTimed } from './common.js';
import { startLocalCluster } from './spark-cluster.js';

const log = (line: string): boolean => process.stderr.write(`${line}\n`);

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

/** `rows` customers: the Audiobooks rows over and over, each copy nudged so that rows differ. */
async function customers(data: string, rows: number, out: string): Promise<void> {
  const db = await openDuckDb();
  try {
    const renamed = AUDIOBOOKS_HEADER.map((header, k) => `${quoteIdent(header.trim())} AS ${quoteIdent(AUDIOBOOKS_COLUMNS[k]!)}`);
    await db.connection.run(`CREATE TABLE a AS SELECT *, row_number() OVER () - 1 AS k FROM (SELECT ${renamed.join(', ')} FROM read_csv(${quoteText(data)}, header = true))`);
    const nudged = AUDIOBOOKS_COLUMNS.filter((c) => c !== 'id' && c !== 'target').map((c) => `a.${quoteIdent(c)} * (1 + (i % 17) / 1000.0) AS ${quoteIdent(c)}`);
    // The count as a literal: a subquery in the join condition made DuckDB loop over every pair (minutes for 1M rows).
    const reader = await db.connection.runAndReadAll('SELECT count(*) FROM a');
    const distinct = Number(reader.getRows()[0]![0]);
    await db.connection.run(`COPY (SELECT 'c' || i AS id, ${nudged.join(', ')} FROM range(${rows}) t(i) JOIN a ON a.k = i % ${distinct} ORDER BY i) TO ${quoteText(out)} (FORMAT parquet, ROW_GROUP_SIZE 100000)`);
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const data = requireRealData();
  const counts = option('rows', '1000000,10000000').split(',').map(Number);
  // One figure, or one per row count (3,1: three runs of 1M, one of 10M where time is short).
  const runsOf = option('runs', '3').split(',').map(Number);
  const wholeStageUpTo = Number(option('whole-stage-up-to', '1000000'));
  const environment = sparkEnvironment();
  const dir = await mkdtemp(join(tmpdir(), 'rebuy-bench-spark-'));
  const cluster = await startLocalCluster(environment.venv, dir);
  const results: { rows: number; path: string; runs: number; seconds: number; cpu: number }[] = [];
  try {
    const model = join(dir, 'model');
    await trainBundle({ data, out: model, preset: '2x50', network: { maxEpochs: 5 }, balance: 'random', split: [0.8, 0.1, 0.1], seed: 1, baseline: false, report: false });
    const memory = ['--spark-conf', 'spark.driver.memory=1g', '--spark-conf', 'spark.executor.memory=1g'];
    for (const [k, rows] of counts.entries()) {
      const runs = runsOf[Math.min(k, runsOf.length - 1)]!;
      const input = join(dir, `customers-${rows}.parquet`);
      await customers(data, rows, input);
      const spark = (master: string, out: string, conf: string[] = []) => ['score', '--engine', 'spark', '--master', master, '--model', model, '--in', input, '--out', join(dir, out), ...memory, ...conf];
      const paths: [string, string[]][] = [
        ['rebuy score (onnxruntime)', ['score', '--model', model, '--path', 'onnx', '--in', input, '--out', join(dir, 'scores.parquet')]],
        ['Spark local[2]', spark('local[2]', 'spark-local')],
        ['Spark cluster, 2 workers x 1 core', spark(cluster.url, 'spark-cluster')],
      ];
      // How it ran before rebuy turned whole-stage codegen off: the failed 64 KB compile, then the fallback.
      if (rows <= wholeStageUpTo) paths.push(['Spark local[2], whole-stage codegen on', spark('local[2]', 'spark-wholestage', ['--spark-conf', 'spark.sql.codegen.wholeStage=true'])]);
      const times = new Map(paths.map(([path]) => [path, [] as { seconds: number; cpu: number }[]]));
      // In turn (A, B, C, A, B, C …), so that the machine's load falls on every path alike.
      for (let r = 0; r < runs; r++) {
        for (const [path, args] of paths) {
          const run = await runTimed(process.execPath, [CLI, ...args]);
          if (run.code !== 0) throw new Error(`${path} failed: ${run.stderr}`);
          times.get(path)!.push({ seconds: run.seconds, cpu: run.cpuSeconds });
          log(`${rows.toLocaleString('en')} rows, ${path}, run ${r + 1}: ${run.seconds.toFixed(1)} s wall, ${run.cpuSeconds.toFixed(1)} s CPU (load ${loadavg()[0]!.toFixed(1)})`);
        }
      }
      for (const [path, measured] of times) {
        const seconds = median(measured.map((m) => m.seconds));
        results.push({ rows, path, runs, seconds, cpu: median(measured.map((m) => m.cpu)) });
        log(`${rows.toLocaleString('en')} rows, ${path}: median ${seconds.toFixed(1)} s of ${runs} (${Math.round(rows / seconds).toLocaleString('en')} rows/s)`);
      }
      await rm(input, { force: true });
    }
  } finally {
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  }
  console.log(`runs of each in turn; load average at the end ${loadavg().map((l) => l.toFixed(1)).join(', ')}`);
  console.log('CPU: user + sys of the command and the processes it waited for (the cluster\'s executors run in its workers, not counted)');
  console.log('| rows | path | runs | median seconds | rows/s | median CPU seconds |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of results) console.log(`| ${r.rows.toLocaleString('en')} | ${r.path} | ${r.runs} | ${r.seconds.toFixed(1)} | ${Math.round(r.rows / r.seconds).toLocaleString('en')} | ${r.cpu.toFixed(1)} |`);
  const [first, last] = [counts[0]!, counts[counts.length - 1]!];
  if (first !== last) {
    for (const path of new Set(results.map((r) => r.path))) {
      const [from, to] = [first, last].map((rows) => results.find((r) => r.rows === rows && r.path === path));
      if (from && to) console.log(`${path}: ${(last / first).toFixed(0)}x the rows took ${(to.seconds / from.seconds).toFixed(1)}x the time (${(to.cpu / from.cpu).toFixed(1)}x the CPU)`);
    }
  }
}

await main();
