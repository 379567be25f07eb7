import { RebuyError, usageError } from '../errors.js';
import { isOutOfMemory } from '../data/duckdb.js';
import { SCORING_DEFAULTS } from '../config.js';
import { parseGroupSpec } from '../explain/groups.js';
import { loadPredictor } from '../predict/predictor.js';
import { scoreFile } from '../predict/score-file.js';
import { resolveOutputFile, STDOUT } from '../data/fs.js';
import { writeCsv } from '../data/write.js';
import type { BadRow } from '../data/read.js';
import type { DuplicateIds } from '../predict/types.js';
import { resolveModelOption } from './options.js';
import { chooseLocalPath } from '../app/score-path.js';
import type { SparkScoreFlags } from './score-spark.js';

export interface ScoreFlags {
  model: string;
  store?: string;
  in?: string;
  out?: string;
  reasons?: number;
  /** `name=col1,col2`: columns explained as one fact. */
  group?: string[];
  json?: boolean;
  delimiter?: string;
  decimal?: string;
  skipBadRows?: boolean;
  engine?: string;
  /** A local file: `sql` (DuckDB runs the compiled pipeline) or `onnx`; default, the faster for the model. */
  path?: string;
  /** A local file: DuckDB's memory for the scored list before it spills to disk (a size, e.g. 1GB). */
  memoryLimit?: string;
  database?: string;
  inTable?: string;
  outTable?: string;
  /** Uplift bundles: with both, the scores say which treatment to send and its expected incremental profit. */
  contactCost?: number;
  valuePerReturn?: number;
}

/** Where the skipped rows and their reasons go: beside the output, `scores.csv` → `scores.bad-rows.csv`. */
export function badRowsPath(out: string): string {
  return out.replace(/(\.[^./]*)?$/, '.bad-rows.csv');
}

export async function runScore(given: ScoreFlags & SparkScoreFlags): Promise<void> {
  if (given.engine === 'spark') return (await import('./score-spark.js')).runSparkScore(given);
  if (given.engine !== undefined && given.path !== undefined) throw usageError('`path` chooses how a local file is scored; `engine` scores inside an engine: give one of them');
  if (given.engine !== undefined) return runEngineScore(given);
  if (given.in === undefined || given.out === undefined) throw usageError(`give the customers with \`in\` and the scores file with \`out\` (or score inside an engine with \`engine\`)`);
  if (given.database !== undefined || given.inTable !== undefined || given.outTable !== undefined) throw usageError('`database`, `inTable` and `outTable` go with `engine`');
  const flags = { ...given, in: given.in, out: given.out };
  const toStdout = flags.out === STDOUT;
  if (toStdout && flags.skipBadRows) throw usageError('`skipBadRows` writes the skipped rows beside the scores: give `out` a file name, not -');
  // A bad --out is said before the work, not after it.
  if (!toStdout) await resolveOutputFile(flags.out);
  // With the scores on standard output, what the command says goes to stderr.
  const say = (text: string): boolean => (toStdout ? process.stderr : process.stdout).write(text);
  const groups = (flags.group ?? []).map(parseGroupSpec);
  if (groups.length > 0 && !flags.reasons) throw usageError('--group shapes the reasons: give --reasons N too');
  const { dir } = await resolveModelOption(flags.model, flags.store);
  const predictor = await loadPredictor(dir, { threads: 2 });
  const path = chooseLocalPath(predictor.manifest, flags.path, flags);
  if (predictor.manifest.uplift && flags.memoryLimit !== undefined) throw usageError('`memoryLimit` bounds the ranking of a response model\'s scores; an uplift bundle\'s list streams');
  if (predictor.manifest.uplift) return (await import('./uplift.js')).runUpliftScore(predictor, flags);
  let badRows: BadRow[] = [];
  try {
    const interactive = process.stderr.isTTY && !flags.json;
    // Explanations load only when asked for: most scoring runs want none.
    const explainer = flags.reasons ? (await import('../explain/explainer.js')).explainerFor(predictor, groups) : null;
    const dialect = { delimiter: flags.delimiter, decimal: flags.decimal };
    const memoryLimit = flags.memoryLimit;
    const scoring = path === 'sql' ? (await import('../app/score-engine.js')).scoreFileWithSql(dir, flags.in, flags.out, { ...dialect, memoryLimit }) : scoreFile(predictor, flags.in, flags.out, {
      reasons: flags.reasons,
      dialect,
      memoryLimit,
      skipBadRows: flags.skipBadRows,
      onBadRows: (rows) => (badRows = rows),
      explain: explainer?.reasonTexts,
      onProgress: interactive ? (rows) => process.stderr.write(`\rscored ${rows.toLocaleString('en')} customers`) : undefined,
    });
    const summary = await scoring.catch((err: unknown) => {
      if (!isOutOfMemory(err)) throw err;
      const limit = memoryLimit === undefined ? `its default limits (${SCORING_DEFAULTS.appendMemoryLimit} while reading, ${SCORING_DEFAULTS.memoryLimit} to rank)` : `--memory-limit ${memoryLimit}`;
      throw new RebuyError('MEMORY_LIMIT', `${flags.in}: scoring needed more memory than ${limit}: give DuckDB more with --memory-limit, e.g. --memory-limit 2GB`, { file: flags.in }, { cause: err });
    });
    if (interactive) process.stderr.write('\n');
    const sideFile = flags.skipBadRows && badRows.length > 0 ? badRowsPath(flags.out) : null;
    if (sideFile) await writeBadRows(sideFile, badRows);
    const skipped = flags.skipBadRows ? { skippedRows: badRows.length, badRowsFile: sideFile } : {};
    const reference = explainer && summary.rows > 0 ? (await explainer.explainer()).reference : null;
    if (flags.json) {
      say(`${JSON.stringify({ ...summary, ...skipped, path, model: flags.model, threshold: predictor.threshold, ...(reference ? { reference } : {}) }, null, 2)}\n`);
    } else {
      say(
        `scored ${summary.rows} customers in ${summary.seconds.toFixed(2)} s → ${toStdout ? 'standard output' : summary.output}\n` +
          duplicateLine(summary.duplicateIds) +
          (flags.skipBadRows ? `skipped ${badRows.length} bad rows${sideFile ? ` (line, column, value and reason of each in ${sideFile})` : ''}\n` : '') +
          `columns: id, probability (of buying again), label (1 when probability ≥ ${predictor.threshold.toFixed(4)}), rank (1 = most likely)${flags.reasons ? `, reason_1…reason_${flags.reasons}` : ''}\n` +
          (reference ? `reasons: each fact's push in percentage points, ${reference.text}\n` : ''),
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

/** `--engine`: the engine scores and writes; this prints progress and the summary. */
async function runEngineScore(flags: ScoreFlags): Promise<void> {
  if (flags.reasons || flags.skipBadRows || flags.delimiter !== undefined || flags.decimal !== undefined || flags.memoryLimit !== undefined) {
    throw usageError('`engine` scores inside the engine: `reasons`, `skipBadRows`, `delimiter`, `decimal` and `memoryLimit` go with the file path only');
  }
  const { scoreInEngine } = await import('../app/score-engine.js');
  const { dir } = await resolveModelOption(flags.model, flags.store);
  const interactive = process.stderr.isTTY && !flags.json;
  const summary = await scoreInEngine({
    model: dir,
    engine: flags.engine!,
    database: flags.database,
    inTable: flags.inTable,
    outTable: flags.outTable,
    in: flags.in,
    out: flags.out,
    contactCost: flags.contactCost,
    valuePerReturn: flags.valuePerReturn,
    onProgress: interactive
      ? ({ seconds, fraction }) => process.stderr.write(`\rscoring in the engine: ${fraction === null ? '' : `${(fraction * 100).toFixed(0)} %, `}${seconds.toFixed(0)} s`)
      : undefined,
  });
  if (interactive) process.stderr.write('\n');
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ ...summary, model: flags.model }, null, 2)}\n`);
  } else {
    process.stdout.write(
      `scored ${summary.rows} customers in ${summary.seconds.toFixed(2)} s inside ${summary.engine} → ${summary.output}\n` +
        (summary.columns[1] === 'probability'
          ? 'columns: id, probability (of buying again), label, rank (1 = most likely; equal probabilities by id), model_version, scored_at\n'
          : `columns: ${summary.columns.join(', ')}\n`),
    );
  }
}
