/**
 * A real Spark cluster on this machine: a standalone master and two workers on loopback, started from
 * the pyspark installation. `rebuy score --engine spark` scores 1,000,000 rows in many partitions while
 * one worker is killed in the middle of the job (once both workers run tasks): every input row still
 * comes out exactly once, with onnxruntime's probability. A job killed on the cluster fails with exit 1
 * and leaves no output; a master that does not answer is exit 2 before anything starts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { trainBundle } from '../../src/app/train.js';
import { quoteIdent, quoteText } from '../../src/compile/dialect.js';
import { AUDIOBOOKS_COLUMNS } from '../../src/domain/audiobooks.js';
import { CLI, REAL_CSV, realDataPresent } from '../helpers/paths.js';
import { rebuy } from '../helpers/cli.js';
import { pythonEnvOrSkip } from '../helpers/python.js';
import { freePort, LOOPBACK, startLocalCluster, type LocalCluster } from '../../bench/spark-cluster.js';
import { audiobooksParquet, compareScores, duckdb, predictorScores, readScoresDirectory } from './spark-fixtures.js';

const env = pythonEnvOrSkip('Spark cluster tests');
const ROWS = 1_000_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `rebuy score` as its own process; `onLine` sees each stderr line as it comes. */
function scoreAsync(args: string[], onLine: (line: string) => void): Promise<Run> {
  const child = spawn(process.execPath, [CLI, 'score', ...args], { env: { ...process.env, FORCE_COLOR: '0', SPARK_LOCAL_IP: LOOPBACK } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  createInterface({ input: child.stderr }).on('line', (line) => {
    stderr += `${line}\n`;
    onLine(line);
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** A progress line showing a stage of several tasks with two running: with one-core workers, one on each. */
function bothWorkersBusy(line: string): boolean {
  const stages = [...line.matchAll(/stage \d+: \d+\/(\d+) tasks done, (\d+) running/g)];
  return stages.some((m) => Number(m[1]) >= 4 && Number(m[2]) >= 2);
}

describe.runIf(env !== null && realDataPresent('Spark cluster tests'))('a standalone Spark cluster of two workers on loopback', () => {
  let dir: string;
  let cluster: LocalCluster;
  let input: string;
  const model = () => join(dir, 'model');
  // Many small partitions, so that the job is still running tasks on both workers when one dies.
  const conf = ['--spark-conf', 'spark.executor.memory=640m', '--spark-conf', 'spark.driver.memory=768m', '--spark-conf', 'spark.sql.files.maxPartitionBytes=1m'];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rebuy-spark-cluster-'));
    await trainBundle({ data: REAL_CSV, out: model(), preset: '2x10', network: { maxEpochs: 4 }, balance: 'random', split: [0.8, 0.1, 0.1], seed: 5, baseline: false, report: false });
    // A million customers: the Audiobooks rows over and over, each copy nudged so that rows differ.
    const audiobooks = await audiobooksParquet(dir);
    input = join(dir, 'million.parquet');
    const nudged = AUDIOBOOKS_COLUMNS.filter((c) => c !== 'id' && c !== 'target').map((c) => `a.${quoteIdent(c)} * (1 + (i % 17) / 1000.0) AS ${quoteIdent(c)}`);
    await duckdb([
      `CREATE TABLE a AS SELECT *, row_number() OVER () - 1 AS k FROM read_parquet(${quoteText(audiobooks)})`,
      `COPY (SELECT 'c' || i AS id, ${nudged.join(', ')} FROM range(${ROWS}) t(i) JOIN a ON a.k = i % (SELECT count(*) FROM a) ORDER BY i) TO ${quoteText(input)} (FORMAT parquet, ROW_GROUP_SIZE 40000)`,
    ]);
    cluster = await startLocalCluster(env!.venv, dir);
  }, 900_000);

  afterAll(async () => {
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('scores 1,000,000 rows while a worker is killed mid-job: every row exactly once, onnxruntime\'s probabilities', async () => {
    const out = join(dir, 'scores');
    let killed = false;
    let scoring = false;
    const run = await scoreAsync(['--engine', 'spark', '--master', cluster.url, '--model', model(), '--in', input, '--out', out, '--json', ...conf], (line) => {
      // Only the scoring job's stages count (the row count before it is a job of its own).
      scoring ||= line.startsWith('rebuy: scoring ');
      if (killed || !scoring || !bothWorkersBusy(line)) return;
      killed = true;
      process.kill(-cluster.workers[0]!.pid!, 'SIGKILL');
    });
    expect(run.code, run.stderr).toBe(0);
    expect(killed, 'the job was seen running tasks on both workers').toBe(true);
    const alive = (await cluster.state()).workers.filter((w) => w.state === 'ALIVE');
    expect(alive).toHaveLength(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ rows: ROWS });

    const got = await readScoresDirectory(out);
    const expected = await predictorScores(model(), input);
    expect(expected.byId.size).toBe(ROWS);
    const compared = compareScores(expected, got, 1e-5);
    expect(compared).toMatchObject({ rows: ROWS, distinct: ROWS, missing: 0, labelsDiffer: 0 });
    expect(compared.worst).toBeLessThan(1e-5);
    expect([...got.rank].sort((a, b) => a - b).every((r, i) => r === i + 1)).toBe(true);
  }, 1_800_000);

  it('a job killed on the cluster midway: exit 1 naming Spark and the input, no output, no temporary left', async () => {
    const out = join(dir, 'killed');
    let killed = false;
    const run = await scoreAsync(['--engine', 'spark', '--master', cluster.url, '--model', model(), '--in', input, '--out', out, ...conf], (line) => {
      if (killed || !/stage \d+: \d+\/\d+ tasks done, [1-9]/.test(line)) return;
      killed = true;
      void cluster.state().then((state) => cluster.killApplication(state.activeapps[0]!.id));
    });
    expect(killed).toBe(true);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(`Spark (master ${cluster.url}) failed the scoring job of ${input}`);
    expect(existsSync(out)).toBe(false);
    expect((await readdir(dir)).filter((n) => n.includes('partial'))).toEqual([]);
  }, 1_800_000);

  it('a master that does not answer: exit 2 naming it, before Spark starts', async () => {
    const port = await freePort();
    const run = rebuy(['score', '--engine', 'spark', '--master', `spark://${LOOPBACK}:${port}`, '--model', model(), '--in', input, '--out', join(dir, 'nowhere')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`Spark master spark://${LOOPBACK}:${port}`);
    expect(run.stderr).toContain('ECONNREFUSED');
    expect(run.stderr).not.toContain('starting the Spark job');
  });
});
