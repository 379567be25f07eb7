/**
 * Runs a compiled Spark SQL scoring statement as a Spark job: spark-submit of rebuy's small runner
 * (runners/spark_score.py) on the given master, from the project's Python environment
 * (scripts/python-env.sh). Thin on purpose: Spark does the scoring and the writing; this starts the
 * job, relays its progress and turns its failures into rebuy's errors.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { inputError, RebuyError, systemError, usageError } from '../errors.js';
import { packageRoot } from '../paths.js';
import { onInterrupt, removeSync } from '../data/fs.js';
import { FLOAT32_OVERFLOW } from '../core/bounds.js';
import { badNumberProblem } from '../data/read/columns.js';

/** The folder of the checkout scripts/python-env.sh makes (REBUY_VENV overrides it, as it does there). */
export const PYTHON_ENV_DIR = '.venv-rebuy';

export interface SparkEnvironment {
  /** The virtual environment's directory. */
  venv: string;
  python: string;
  sparkSubmit: string;
  /** The job runner shipped with rebuy. */
  runner: string;
}

/** Where the Python environment is, or a usage error that says how to make it. */
export function sparkEnvironment(): SparkEnvironment {
  const root = packageRoot();
  const venv = process.env.REBUY_VENV ?? join(root, PYTHON_ENV_DIR);
  const environment = { venv, python: join(venv, 'bin', 'python'), sparkSubmit: join(venv, 'bin', 'spark-submit'), runner: join(root, 'runners', 'spark_score.py') };
  if (!existsSync(environment.sparkSubmit)) {
    throw usageError(`the Spark engine needs rebuy's Python environment (pyspark), not found at ${venv}: run ${join(root, 'scripts', 'python-env.sh')} once`);
  }
  return environment;
}

export interface SparkScoringJob {
  /** spark://host:port[,host2:port2], local[N], yarn, k8s://…: as spark-submit takes it. */
  master: string;
  /** The compiled statement; it reads the input as `view`. */
  sql: string;
  view: string;
  /** Parquet files or directories, in any form Spark reads (local paths, hdfs://, s3a://); or, instead, */
  inputs?: readonly string[];
  /** a table of the job's catalog (database.table allowed). */
  sourceTable?: string;
  /** What the user calls the input, in messages. */
  table: string;
  /** A directory that must not exist yet: Spark writes the scores there as Parquet. */
  output: string;
  columns: { id: string; numeric: readonly string[]; categorical: readonly string[] };
  modelVersion: string;
  /** ISO 8601, the same for every row of the run. */
  scoredAt: string;
  /** Extra Spark settings (spark.executor.memory=1g …). */
  conf?: Readonly<Record<string, string>>;
  onProgress?: (progress: SparkProgress) => void;
}

/** What the runner reports while the job runs: the rows to score, or each active stage's tasks. */
export type SparkProgress =
  | { submitted: string }
  | { rows: number }
  | { stages: { stage: number; tasks: number; done: number; running: number; failed: number }[] };

interface RunnerError {
  kind: 'missing-column' | 'wrong-type' | 'number' | 'input' | 'job';
  message: string;
  table?: string;
  column?: string;
  /** A `number` error: the customer and the value, as the input holds it. */
  id?: string;
  value?: string;
}

/** The runner's exit codes (runners/spark_score.py). */
const EXIT_INPUT = 2;

/** Lines of Spark's own output kept for a message when the job fails without saying why. */
const KEPT_LINES = 40;

/** Runs the job; resolves with the number of rows scored once Spark has committed the output. */
export async function runSparkScoring(job: SparkScoringJob): Promise<{ rows: number }> {
  const environment = sparkEnvironment();
  await checkMasterReachable(job.master);
  const work = await mkdtemp(join(tmpdir(), 'rebuy-spark-'));
  const forget = onInterrupt(() => removeSync(work));
  try {
    const jobFile = join(work, 'job.json');
    const { onProgress: _progress, conf: _conf, ...spec } = job;
    await writeFile(jobFile, JSON.stringify({ ...spec, numberLimit: FLOAT32_OVERFLOW, name: `rebuy score ${job.modelVersion}` }));
    const args = [
      '--master', job.master,
      '--conf', 'spark.ui.showConsoleProgress=false',
      '--conf', 'spark.log.level=ERROR',
      // Whole-stage codegen fuses every layer into one Java method, which a network's layers outgrow
      // (the JVM caps a method's size): each executor then spends a failed compile before falling
      // back. Per operator, each unit's sum gets a method of its own.
      // (The user's --spark-conf wins.)
      '--conf', 'spark.sql.codegen.wholeStage=false',
      ...Object.entries(job.conf ?? {}).flatMap(([key, value]) => ['--conf', `${key}=${value}`]),
      environment.runner,
      jobFile,
    ];
    job.onProgress?.({ submitted: job.master });
    return await submit(environment, args, job);
  } finally {
    forget();
    await rm(work, { recursive: true, force: true });
  }
}

function submit(environment: SparkEnvironment, args: string[], job: SparkScoringJob): Promise<{ rows: number }> {
  const child = spawn(environment.sparkSubmit, args, {
    env: { ...process.env, PYSPARK_PYTHON: environment.python, PYSPARK_DRIVER_PYTHON: environment.python },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // A signal ending rebuy ends the job too (its driver, and with it the application on the cluster).
  const forget = onInterrupt(() => child.kill('SIGTERM'));
  const kept: string[] = [];
  let error: RunnerError | null = null;
  let rows: number | null = null;
  const read = (line: string): void => {
    const marker = /^REBUY-(PROGRESS|ERROR|DONE) (.*)$/.exec(line);
    if (marker === null) {
      if (line.trim() !== '') kept.push(line);
      if (kept.length > KEPT_LINES) kept.shift();
      return;
    }
    const payload = JSON.parse(marker[2]!) as Record<string, unknown>;
    if (marker[1] === 'PROGRESS') job.onProgress?.(payload as SparkProgress);
    else if (marker[1] === 'ERROR') error = payload as unknown as RunnerError;
    else rows = Number(payload.rows);
  };
  createInterface({ input: child.stdout }).on('line', read);
  createInterface({ input: child.stderr }).on('line', read);
  return new Promise((resolve, reject) => {
    child.on('error', (err) => reject(systemError(environment.sparkSubmit, err)));
    child.on('close', (code, signal) => {
      forget();
      if (code === 0 && rows !== null) return resolve({ rows });
      reject(jobFailure(job, error, code, signal, kept));
    });
  });
}

function jobFailure(job: SparkScoringJob, error: RunnerError | null, code: number | null, signal: NodeJS.Signals | null, kept: readonly string[]): RebuyError {
  if (error !== null && code === EXIT_INPUT) {
    const column = error.column !== undefined ? { column: error.column } : {};
    if (error.kind === 'number') return inputError(`customer ${error.id}: ${badNumberProblem(error.value ?? '')}`, { file: job.table, ...column, value: error.value });
    return inputError(error.message, { file: job.table, ...column });
  }
  const why = error?.message ?? lastException(kept) ?? (signal ? `spark-submit ended by ${signal}` : `spark-submit exited with code ${code}`);
  return new RebuyError('ENGINE_FAILED', `Spark (master ${job.master}) failed the scoring job of ${job.table}: ${why}`);
}

/** The line of Spark's output that names what went wrong, if any does. */
function lastException(lines: readonly string[]): string | null {
  const found = [...lines].reverse().find((line) => /Exception|Error:/.test(line));
  return found?.trim() ?? null;
}

/** How long a master's port may take to accept a connection before it counts as unreachable. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * A standalone master (spark://host:port, or several for high availability) that accepts no
 * connection is said at once, naming it, rather than after spark-submit's minute of retries.
 */
export async function checkMasterReachable(master: string): Promise<void> {
  if (!master.startsWith('spark://')) return;
  const hosts = master.slice('spark://'.length).split(',');
  const failures: unknown[] = [];
  for (const hostPort of hosts) {
    const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(hostPort);
    if (match === null) throw usageError(`--master ${master}: expected spark://HOST:PORT`);
    try {
      await tryConnect(match[1]!, Number(match[2]));
      return;
    } catch (err) {
      failures.push(err);
    }
  }
  throw systemError(`Spark master ${master}`, failures[0]);
}

function tryConnect(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, timeout: CONNECT_TIMEOUT_MS });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(Object.assign(new Error(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`), { code: 'ETIMEDOUT' }));
    });
    socket.once('error', reject);
  });
}
