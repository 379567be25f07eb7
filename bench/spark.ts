/**
 * npm run bench:spark — Spark scoring on this machine (a script, not a test): for each row count
 * (--rows 1000000,10000000), the seconds and rows/s of `rebuy score --engine spark` on local[2] and on
 * a two-worker standalone cluster on loopback, against `rebuy score` (onnxruntime, one process) on the
 * same Parquet file; the median of --runs runs (default 3), and how the time grows with the rows.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainBundle } from '../src/app/train.js';
import { quoteIdent, quoteText } from '../src/compile/dialect.js';
import { AUDIOBOOKS_COLUMNS, AUDIOBOOKS_HEADER } from '../src/domain/audiobooks.js';
import { openDuckDb } from '../src/engines/duckdb.js';
import { sparkEnvironment } from '../src/engines/spark.js';
import { median } from '../src/evaluate/stats.js';
import { CLI, requireRealData, runProcess } from './common.js';
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
    await db.connection.run(`COPY (SELECT 'c' || i AS id, ${nudged.join(', ')} FROM range(${rows}) t(i) JOIN a ON a.k = i % (SELECT count(*) FROM a) ORDER BY i) TO ${quoteText(out)} (FORMAT parquet, ROW_GROUP_SIZE 100000)`);
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const data = requireRealData();
  const counts = option('rows', '1000000,10000000').split(',').map(Number);
  const runs = Number(option('runs', '3'));
  const environment = sparkEnvironment();
  const dir = await mkdtemp(join(tmpdir(), 'rebuy-bench-spark-'));
  const cluster = await startLocalCluster(environment.venv, dir);
  const results: { rows: number; path: string; seconds: number }[] = [];
  try {
    const model = join(dir, 'model');
    await trainBundle({ data, out: model, preset: '2x50', network: { maxEpochs: 5 }, balance: 'random', split: [0.8, 0.1, 0.1], seed: 1, baseline: false, report: false });
    const memory = ['--spark-conf', 'spark.driver.memory=1g', '--spark-conf', 'spark.executor.memory=1g'];
    for (const rows of counts) {
      const input = join(dir, `customers-${rows}.parquet`);
      await customers(data, rows, input);
      const paths: [string, string[]][] = [
        ['rebuy score (onnxruntime)', ['score', '--model', model, '--in', input, '--out', join(dir, 'scores.parquet')]],
        ['Spark local[2]', ['score', '--engine', 'spark', '--master', 'local[2]', '--model', model, '--in', input, '--out', join(dir, 'spark-local'), ...memory]],
        ['Spark cluster, 2 workers x 1 core', ['score', '--engine', 'spark', '--master', cluster.url, '--model', model, '--in', input, '--out', join(dir, 'spark-cluster'), ...memory]],
      ];
      for (const [path, args] of paths) {
        const times: number[] = [];
        for (let r = 0; r < runs; r++) {
          const run = await runProcess(process.execPath, [CLI, ...args]);
          if (run.code !== 0) throw new Error(`${path} failed: ${run.stderr}`);
          times.push(run.seconds);
        }
        const seconds = median(times);
        results.push({ rows, path, seconds });
        log(`${rows.toLocaleString('en')} rows, ${path}: median ${seconds.toFixed(1)} s of ${runs} (${Math.round(rows / seconds).toLocaleString('en')} rows/s)`);
      }
      await rm(input, { force: true });
    }
  } finally {
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  }
  console.log('| rows | path | median seconds | rows/s |');
  console.log('| --- | --- | --- | --- |');
  for (const r of results) console.log(`| ${r.rows.toLocaleString('en')} | ${r.path} | ${r.seconds.toFixed(1)} | ${Math.round(r.rows / r.seconds).toLocaleString('en')} |`);
  const [first, last] = [counts[0]!, counts[counts.length - 1]!];
  if (first !== last) {
    for (const path of new Set(results.map((r) => r.path))) {
      const at = (rows: number) => results.find((r) => r.rows === rows && r.path === path)!.seconds;
      console.log(`${path}: ${(last / first).toFixed(0)}x the rows took ${(at(last) / at(first)).toFixed(1)}x the time`);
    }
  }
}

await main();
