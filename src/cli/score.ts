import { usageError } from '../errors.js';
import { loadPredictor } from '../predict/predictor.js';
import { scoreFile } from '../predict/score-file.js';
import { resolveOutputFile, STDOUT } from '../data/fs.js';
import { writeCsv } from '../data/write.js';
import type { BadRow } from '../data/read.js';
import type { DuplicateIds } from '../predict/types.js';
import type { SparkScoreFlags } from './score-spark.js';

export interface ScoreFlags {
  model: string;
  in: string;
  out: string;
  reasons?: number;
  json?: boolean;
  delimiter?: string;
  decimal?: string;
  skipBadRows?: boolean;
}

/** Where the skipped rows and their reasons go: beside the output, `scores.csv` → `scores.bad-rows.csv`. */
export function badRowsPath(out: string): string {
  return out.replace(/(\.[^./]*)?$/, '.bad-rows.csv');
}

export async function runScore(flags: ScoreFlags & SparkScoreFlags & { engine?: string }): Promise<void> {
  if (flags.engine === 'spark') return (await import('./score-spark.js')).runSparkScore(flags);
  if (flags.engine !== undefined) throw usageError(`--engine: expected spark, got ${JSON.stringify(flags.engine)}`);
  const toStdout = flags.out === STDOUT;
  if (toStdout && flags.skipBadRows) throw usageError('`skipBadRows` writes the skipped rows beside the scores: give `out` a file name, not -');
  // A bad --out is said before the work, not after it.
  if (!toStdout) await resolveOutputFile(flags.out);
  // With the scores on standard output, what the command says goes to stderr.
  const say = (text: string): boolean => (toStdout ? process.stderr : process.stdout).write(text);
  const predictor = await loadPredictor(flags.model, { threads: 2 });
  let badRows: BadRow[] = [];
  try {
    const interactive = process.stderr.isTTY && !flags.json;
    const summary = await scoreFile(predictor, flags.in, flags.out, {
      reasons: flags.reasons,
      dialect: { delimiter: flags.delimiter, decimal: flags.decimal },
      skipBadRows: flags.skipBadRows,
      onBadRows: (rows) => (badRows = rows),
      // Explanations load only when asked for: most scoring runs want none.
      explain: flags.reasons ? (await import('../explain/explainer.js')).explainerFor(predictor).reasonTexts : undefined,
      onProgress: interactive ? (rows) => process.stderr.write(`\rscored ${rows.toLocaleString('en')} customers`) : undefined,
    });
    if (interactive) process.stderr.write('\n');
    const sideFile = flags.skipBadRows && badRows.length > 0 ? badRowsPath(flags.out) : null;
    if (sideFile) await writeBadRows(sideFile, badRows);
    const skipped = flags.skipBadRows ? { skippedRows: badRows.length, badRowsFile: sideFile } : {};
    if (flags.json) {
      say(`${JSON.stringify({ ...summary, ...skipped, model: flags.model, threshold: predictor.threshold }, null, 2)}\n`);
    } else {
      say(
        `scored ${summary.rows} customers in ${summary.seconds.toFixed(2)} s → ${toStdout ? 'standard output' : summary.output}\n` +
          duplicateLine(summary.duplicateIds) +
          (flags.skipBadRows ? `skipped ${badRows.length} bad rows${sideFile ? ` (line, column, value and reason of each in ${sideFile})` : ''}\n` : '') +
          `columns: id, probability (of buying again), label (1 when probability ≥ ${predictor.threshold.toFixed(4)}), rank (1 = most likely)${flags.reasons ? `, reason_1…reason_${flags.reasons}` : ''}\n`,
      );
    }
  } finally {
    await predictor.close();
  }
}

async function writeBadRows(path: string, rows: readonly BadRow[]): Promise<void> {
  await writeCsv(path, [
    { name: 'line', values: rows.map((r) => r.line) },
    { name: 'column', values: rows.map((r) => r.column) },
    { name: 'value', values: rows.map((r) => r.value) },
    { name: 'reason', values: rows.map((r) => r.reason) },
  ]);
}

function duplicateLine(d: DuplicateIds): string {
  if (d.ids === 0) return '';
  const examples = d.examples.map((id) => JSON.stringify(id)).join(', ');
  return `${d.ids} customer IDs appear on more than one row (${d.rows} rows, e.g. ${examples}): marked 1 in the column duplicate_id\n`;
}
