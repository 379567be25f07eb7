import { scoreOnSpark } from '../app/score-spark.js';
import type { SparkProgress } from '../engines/spark.js';
import { usageError } from '../errors.js';

export interface SparkScoreFlags {
  model: string;
  in?: string;
  out: string;
  inTable?: string;
  master?: string;
  contactCost?: number;
  valuePerReturn?: number;
  id?: string;
  sparkConf?: string[];
  json?: boolean;
}

/** `rebuy score --engine spark`: progress on stderr, the summary on stdout (JSON with --json). */
export async function runSparkScore(flags: SparkScoreFlags): Promise<void> {
  if (flags.master === undefined) throw usageError('--engine spark needs --master (local[N] or spark://HOST:PORT)');
  const conf = Object.fromEntries((flags.sparkConf ?? []).map((setting) => {
    const at = setting.indexOf('=');
    if (at <= 0) throw usageError(`--spark-conf: expected KEY=VALUE, got ${JSON.stringify(setting)}`);
    return [setting.slice(0, at), setting.slice(at + 1)];
  }));
  if (flags.out === undefined) throw usageError('--engine spark writes the scores as a directory of Parquet files: give it with --out DIR');
  const summary = await scoreOnSpark({ ...flags, master: flags.master, conf, onProgress: showProgress });
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else {
    process.stdout.write(
      `scored ${summary.rows.toLocaleString('en')} customers on Spark (${summary.master}) in ${summary.seconds.toFixed(1)} s → ${summary.output}\n` +
        (summary.columns[1] === 'probability'
          ? `columns: id, probability (of buying again), label, rank (1 = most likely), model_version (${summary.modelVersion}), scored_at (${summary.scoredAt})\n`
          : `columns: ${summary.columns.join(', ')} (model version ${summary.modelVersion}, scored at ${summary.scoredAt})\n`),
    );
  }
}

function showProgress(progress: SparkProgress): void {
  if ('submitted' in progress) {
    process.stderr.write(`rebuy: starting the Spark job (master ${progress.submitted})\n`);
    return;
  }
  if ('rows' in progress) {
    process.stderr.write(`rebuy: scoring ${progress.rows.toLocaleString('en')} rows\n`);
    return;
  }
  const stages = progress.stages.map((s) => `stage ${s.stage}: ${s.done}/${s.tasks} tasks done, ${s.running} running${s.failed > 0 ? `, ${s.failed} failed` : ''}`);
  process.stderr.write(`rebuy: ${stages.join('; ')}\n`);
}
