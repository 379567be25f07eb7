/**
 * `rebuy score --engine spark`: the bundle's pipeline compiled to Spark SQL and run as a Spark job on
 * Parquet inputs, the scores written as a Parquet directory that replaces `out` only once Spark has
 * committed every row (a failed job leaves `out` as it was).
 */
import { loadBundle } from '../bundle/load.js';
import { DIALECTS } from '../compile/dialect.js';
import { scoringPipelineOf } from '../compile/from-bundle.js';
import { compileScoringSql } from '../compile/ensemble-sql.js';
import { rawColumns } from '../prep/features.js';
import { outputError, usageError } from '../errors.js';
import { checkReplaceableDirectory, replaceDirectory } from '../data/fs.js';
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
  const sql = compileScoringSql(pipeline, DIALECTS.spark, { table: INPUT_VIEW }, { rank: true });
  const modelVersion = `${bundle.manifest.model.name}@${bundle.hash.slice(0, 12)}`;
  const scoredAt = new Date().toISOString();

  let rows = 0;
  await replaceDirectory(options.out, target, async (tmp) => {
    ({ rows } = await runSparkScoring({
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
    }));
  });
  return { rows, output: target, master: options.master, modelVersion, scoredAt, seconds: (performance.now() - started) / 1000 };
}

/** What a Spark Parquet output directory holds: parts, their checksums and the commit marker. */
const SCORES_ENTRY = /^(part-.*|\..*\.crc|_SUCCESS)$/;

/** `out` may be nothing, an empty directory or the scores of an earlier run; exit 2 otherwise. */
async function checkScoresTarget(given: string): Promise<string> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(given)) throw outputError(given, 'rebuy replaces the scores directory atomically on the local file system only: name a local directory');
  return checkReplaceableDirectory(given, 'Spark scores', (names) => names.includes('_SUCCESS') && names.every((n) => SCORES_ENTRY.test(n)));
}
