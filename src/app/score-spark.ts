/**
 * `rebuy score --engine spark`: the bundle's pipeline compiled to Spark SQL and run as a Spark job on
 * Parquet inputs, the scores written as a Parquet directory that replaces `out` only once Spark has
 * committed every row (a failed job leaves `out` as it was).
 */
import { readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { loadBundle } from '../bundle/load.js';
import { DIALECTS } from '../compile/dialect.js';
import { scoringPipelineOf } from '../compile/from-bundle.js';
import { compilePipelineSql } from '../compile/pipeline-sql.js';
import { rawColumns } from '../prep/features.js';
import { outputError, systemError, usageError } from '../errors.js';
import { checkWritableDirectory, followOutputPath, onInterrupt, removeSync, STDOUT, swapDirectory, sweepStale, temporaryNaming, temporaryTag, writeFailure } from '../data/fs.js';
import { runSparkScoring, type SparkProgress } from '../engines/spark.js';

/** The name the statement reads the input by, inside the job's own Spark session. */
const INPUT_VIEW = 'rebuy_input';

export interface SparkScoreOptions {
  model: string;
  /** Parquet file, directory or glob, as Spark reads it. */
  in: string;
  /** Local directory the scores go to (Parquet parts, one `_SUCCESS`). */
  out: string;
  master: string;
  /** The id column; default: the bundle schema's. */
  id?: string;
  conf?: Readonly<Record<string, string>>;
  onProgress?: (progress: SparkProgress) => void;
}

export interface SparkScoreSummary {
  rows: number;
  output: string;
  master: string;
  modelVersion: string;
  scoredAt: string;
  seconds: number;
}

export async function scoreOnSpark(options: SparkScoreOptions): Promise<SparkScoreSummary> {
  const started = performance.now();
  if (!/^(local(\[[0-9*]+(,[0-9]+)?\])?|spark:\/\/.+|yarn|k8s:\/\/.+)$/.test(options.master)) {
    throw usageError(`--master: expected local[N], spark://HOST:PORT, yarn or k8s://URL, got ${JSON.stringify(options.master)}`);
  }
  const target = await checkScoresTarget(options.out);
  const bundle = await loadBundle(options.model);
  const pipeline = await scoringPipelineOf(bundle, { idColumn: options.id });
  const raw = rawColumns(pipeline.features);
  const sql = compilePipelineSql(pipeline, DIALECTS.spark, { table: INPUT_VIEW }, { rank: true });
  const modelVersion = `${bundle.manifest.model.name}@${bundle.hash.slice(0, 12)}`;
  const scoredAt = new Date().toISOString();

  const parent = dirname(target);
  const naming = temporaryNaming(target, 'partial');
  await sweepStale(parent, naming.pattern);
  const tmp = join(parent, naming.name(temporaryTag()));
  const forget = onInterrupt(() => removeSync(tmp));
  try {
    const { rows } = await runSparkScoring({
      master: options.master,
      sql,
      view: INPUT_VIEW,
      inputs: [options.in],
      table: options.in,
      output: tmp,
      columns: { id: pipeline.idColumn, numeric: raw.numeric, categorical: raw.categorical },
      modelVersion,
      scoredAt,
      conf: options.conf,
      onProgress: options.onProgress,
    });
    await swapDirectory(tmp, target, '.previous');
    return { rows, output: target, master: options.master, modelVersion, scoredAt, seconds: (performance.now() - started) / 1000 };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw writeFailure(options.out, err);
  } finally {
    forget();
  }
}

/** What a Spark Parquet output directory holds: parts, their checksums and the commit marker. */
const SCORES_ENTRY = /^(part-.*|\..*\.crc|_SUCCESS)$/;

/**
 * `out` may be nothing, an empty directory or the scores of an earlier run (a Parquet directory with
 * `_SUCCESS`); anything else is refused before the job starts, exit 2 naming it.
 */
async function checkScoresTarget(given: string): Promise<string> {
  if (given === STDOUT || given === '') throw outputError(given || '""', 'Spark writes the scores as a directory of Parquet files: name a local directory');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(given)) throw outputError(given, 'rebuy replaces the scores directory atomically on the local file system only: name a local directory');
  const target = await followOutputPath(given);
  const names = await readdir(target).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    if (err.code === 'ENOTDIR') throw outputError(given, 'it is a file, not a scores directory');
    throw systemError(given, err);
  });
  if (names !== null && names.length > 0 && !(names.includes('_SUCCESS') && names.every((n) => SCORES_ENTRY.test(n)))) {
    throw outputError(given, `the directory holds files that are not Spark scores (e.g. ${JSON.stringify(names.find((n) => !SCORES_ENTRY.test(n)) ?? names[0])}); name a new or empty directory`);
  }
  await checkWritableDirectory(given, dirname(target));
  if (basename(target) === '') throw outputError(given, 'name a directory');
  return target;
}
