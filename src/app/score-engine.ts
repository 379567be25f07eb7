/**
 * `rebuy score --engine`: the scoring runs inside the engine that holds the customers. The bundle's
 * pipeline is compiled to the engine's SQL and the engine writes the scores (id, probability, label,
 * rank, model_version, scored_at; an uplift bundle's own columns instead of the first four) in one
 * transaction; no customer row passes through this process. Also `rebuy score --path sql`, a local
 * file scored by DuckDB and written as the ONNX path writes it.
 *
 *   --engine duckdb --database FILE --in-table T [--out-table scores]   a DuckDB database file
 *   --engine duckdb --in FILE --out FILE                                  Parquet/CSV read and written by DuckDB
 *   --engine postgres://USER@HOST:PORT/DB --in-table T [--out-table scores]
 */
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { SCORING_DEFAULTS } from '../config.js';
import { DuckDBInstance } from '../data/duckdb.js';
import { withSpillDirectory } from '../data/fs.js';
import type { CsvDialect } from '../data/read/source.js';
import { scoredRows } from '../predict/score-file.js';
import type { ScoreSummary } from '../predict/types.js';
import { loadBundle } from '../bundle/load.js';
import { DIALECTS, type SqlDialect } from '../compile/dialect.js';
import { scoringPipelineOf, upliftPipelineOf } from '../compile/from-bundle.js';
import { fromClause, type RowSource } from '../compile/pipeline-sql.js';
import { compileScoringSql } from '../compile/ensemble-sql.js';
import { compileUpliftSql } from '../compile/uplift-sql.js';
import { upliftScoreColumns } from '../evaluate/uplift-decide.js';
import type { LoadedBundle } from '../bundle/load.js';
import type { FeatureState } from '../prep/features.js';
import { moneyOf } from './sql.js';
import { spreadsheetSafeSql, sqlString } from '../data/duckdb.js';
import { outputFormat, withAtomicPath } from '../data/write.js';
import { wholeFileQuery } from '../data/read/whole-file.js';
import type { TableSchema } from '../core/schema.js';
import { FLOAT32_OVERFLOW } from '../core/bounds.js';
import { badNumberProblem } from '../data/read/columns.js';
import { openDuckDb, duckDbTableEngine } from '../engines/duckdb.js';
import { connectPostgres, describePostgres, postgresTableEngine } from '../engines/postgres.js';
import { parseTableName, withTicks, type ProgressReport, type TableEngine } from '../engines/table-engine.js';
import { rawColumns } from '../prep/features.js';
import { fileNotFound, inputError, usageError } from '../errors.js';

/** The scores table written when none is named. */
export const DEFAULT_SCORES_TABLE = 'scores';

export interface EngineScoreOptions {
  model: string;
  /** `duckdb`, or a PostgreSQL connection string `postgres://…`. */
  engine: string;
  /** DuckDB: a database file holding `inTable`. */
  database?: string;
  /** The table of customers (schema.table allowed). */
  inTable?: string;
  /** The scores table to (re)place; default `scores`. */
  outTable?: string;
  /** DuckDB without a database: the Parquet/CSV file of customers, and the scores file (.parquet or .csv). */
  in?: string;
  out?: string;
  /** The id column; default: the bundle schema's. */
  id?: string;
  /** Uplift bundles: with both, the scores say which treatment to send and its expected incremental profit. */
  contactCost?: number;
  valuePerReturn?: number;
  onProgress?: (progress: ProgressReport) => void;
}

export interface EngineScoreSummary {
  rows: number;
  seconds: number;
  engine: string;
  /** The scores table, or the scores file. */
  output: string;
  modelVersion: string;
  /** The columns written, in order. */
  columns: string[];
}

/** A bundle's scoring statement for any dialect and source, and what it reads and returns. */
export interface EngineScoring {
  features: FeatureState;
  idColumn: string;
  /** The columns the statement returns, in order. */
  columns: string[];
  compile(dialect: SqlDialect, source: RowSource): string;
}

/**
 * A response model's statement returns id, probability, label and rank, best first; an uplift
 * bundle's the columns `rebuy score` writes for it (money settings only for an uplift bundle).
 */
export async function engineScoringOf(bundle: LoadedBundle, options: { id?: string; contactCost?: number; valuePerReturn?: number }): Promise<EngineScoring> {
  const money = moneyOf(options);
  if (bundle.manifest.uplift) {
    const pipeline = await upliftPipelineOf(bundle, { idColumn: options.id });
    const columns = upliftScoreColumns(pipeline.treatments, money !== undefined);
    return { features: pipeline.features, idColumn: pipeline.idColumn, columns, compile: (dialect, source) => compileUpliftSql(pipeline, dialect, source, { money }) };
  }
  if (money !== undefined) throw usageError('--contact-cost and --value-per-return go with an uplift bundle (trained with --treatment)');
  const pipeline = await scoringPipelineOf(bundle, { idColumn: options.id });
  return {
    features: pipeline.features,
    idColumn: pipeline.idColumn,
    columns: ['id', 'probability', 'label', 'rank'],
    compile: (dialect, source) => compileScoringSql(pipeline, dialect, source, { rank: true }),
  };
}

export function isPostgresUrl(engine: string): boolean {
  return /^postgres(ql)?:\/\//i.test(engine);
}

export async function scoreInEngine(options: EngineScoreOptions): Promise<EngineScoreSummary> {
  const started = performance.now();
  const postgres = isPostgresUrl(options.engine);
  if (!postgres && options.engine !== 'duckdb') throw usageError(`--engine: expected duckdb or a postgres://… connection string, got ${JSON.stringify(options.engine)}`);
  const bundle = await loadBundle(options.model);
  const scoring = await engineScoringOf(bundle, options);
  const modelVersion = `${bundle.manifest.model.name} ${bundle.manifest.createdAt} sha256:${bundle.hash}`;
  const columns = [...scoring.columns, 'model_version', 'scored_at'];
  const done = (rows: number, engine: string, output: string): EngineScoreSummary => ({ rows, seconds: (performance.now() - started) / 1000, engine, output, modelVersion, columns });

  if (!postgres && options.in !== undefined) {
    if (options.inTable !== undefined || options.database !== undefined) throw usageError('--engine duckdb takes --in FILE with --out FILE, or --database FILE with --in-table NAME, not both');
    if (options.out === undefined) throw usageError('--engine duckdb --in FILE needs --out FILE (.parquet or .csv)');
    const rows = await scoreFileInDuckDb(scoring, bundle.manifest.schema, options.in, options.out, modelVersion, options.onProgress);
    return done(rows, 'DuckDB', options.out);
  }
  if (options.inTable === undefined) throw usageError(`--engine ${postgres ? 'postgres://…' : 'duckdb'} needs --in-table NAME${postgres ? '' : ' (with --database FILE), or --in FILE'}`);
  if (options.out !== undefined) throw usageError('--engine writes a table: name it with --out-table, not --out');
  const outTable = options.outTable ?? DEFAULT_SCORES_TABLE;
  if (parseTableName(outTable).name === parseTableName(options.inTable).name && parseTableName(outTable).schema === parseTableName(options.inTable).schema) {
    throw usageError(`--out-table ${outTable} is the table being scored: name another`);
  }
  const engine = postgres ? await openPostgresEngine(options.engine) : await openDuckDbDatabase(options.database);
  try {
    await checkColumns(engine, options.inTable, scoring);
    const dialect = postgres ? DIALECTS.postgres : DIALECTS.duckdb;
    await refuseNumbersBeyondTheModel(engine, dialect, options.inTable, scoring);
    const select = scoresSelect(scoring.compile(dialect, { table: options.inTable }), dialect, modelVersion);
    const rows = await engine.replaceTable(outTable, select, options.onProgress);
    return done(rows, engine.describe, outTable);
  } finally {
    await engine.close();
  }
}

/** The compiled statement's rows, with the model's version and the time of scoring. */
function scoresSelect(scoring: string, dialect: SqlDialect, modelVersion: string): string {
  return `SELECT scored.*, CAST(${dialect.quoteText(modelVersion)} AS ${dialect.text}) AS model_version, CURRENT_TIMESTAMP AS scored_at\nFROM (\n${scoring}) AS scored`;
}

async function openPostgresEngine(url: string): Promise<TableEngine> {
  const describe = describePostgres(url);
  return postgresTableEngine(await connectPostgres(url), describe);
}

async function openDuckDbDatabase(database: string | undefined): Promise<TableEngine> {
  if (database === undefined) throw usageError('--engine duckdb --in-table NAME needs --database FILE (a DuckDB database file)');
  // DuckDB would create a missing file: an empty database has no customers.
  await stat(database).catch(() => {
    throw fileNotFound(database);
  });
  const db = await openDuckDb(database).catch((err: unknown) => {
    throw inputError(`not a DuckDB database: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`, { file: database }, err);
  });
  return duckDbTableEngine(db.connection, `DuckDB database ${database}`, db.close);
}

/** Every column the model reads is in the table, and each numeric one has a number type. */
async function checkColumns(engine: TableEngine, table: string, pipeline: { features: FeatureState; idColumn: string }): Promise<void> {
  const columns = await engine.columnsOf(table);
  if (columns === null) throw inputError(`${engine.describe} has no table ${table}`, {});
  const byName = new Map(columns.map((c) => [c.name, c]));
  const raw = rawColumns(pipeline.features);
  for (const name of [pipeline.idColumn, ...raw.numeric, ...raw.categorical]) {
    if (!byName.has(name)) throw inputError(`${engine.describe}: table ${table} has no column ${JSON.stringify(name)}, which the model needs (it has ${columns.map((c) => c.name).join(', ')})`, { column: name });
  }
  for (const name of raw.numeric) {
    const column = byName.get(name)!;
    if (!column.numeric) throw inputError(`${engine.describe}: table ${table}, column ${JSON.stringify(name)} is ${column.type}; the model reads it as a number`, { column: name });
  }
}

/**
 * A number the model cannot take (±Infinity, or beyond float32's range) stops the scoring before
 * anything is written, as it does in a file; NaN is a missing value, as the compiled statement reads it.
 */
async function refuseNumbersBeyondTheModel(engine: TableEngine, dialect: SqlDialect, table: string, pipeline: { features: FeatureState; idColumn: string }): Promise<void> {
  const numeric = rawColumns(pipeline.features).numeric;
  if (numeric.length === 0) return;
  const number = (name: string) => `CAST(${dialect.quoteIdent(name)} AS ${dialect.double})`;
  const beyond = numeric.map((name) => `abs(${dialect.nanToNull(number(name))}) >= ${FLOAT32_OVERFLOW}`);
  const row = await engine.firstRow(
    `SELECT ${[pipeline.idColumn, ...numeric].map((name) => dialect.quoteIdent(name)).join(', ')} FROM ${fromClause({ table }, dialect)} WHERE ${beyond.join(' OR ')} LIMIT 1`,
  );
  if (row === null) return;
  const at = numeric.findIndex((_, j) => {
    const value = Number(row[j + 1]);
    return !Number.isNaN(value) && !(Math.abs(value) < FLOAT32_OVERFLOW);
  });
  const value = String(row[at + 1]);
  throw inputError(`${engine.describe}: table ${table}, customer ${String(row[0])}: ${badNumberProblem(value)}`, { column: numeric[at], value });
}

/**
 * A Parquet or CSV file scored by DuckDB: the project's reader binds the file's columns to the
 * bundle's schema (header spellings, types) in SQL and refuses what `rebuy score` refuses, the
 * compiled pipeline runs on it, and DuckDB writes the scores file, which replaces `out` only when
 * complete.
 */
async function scoreFileInDuckDb(
  scoring: EngineScoring,
  schema: TableSchema,
  path: string,
  out: string,
  modelVersion: string,
  onProgress?: (progress: ProgressReport) => void,
): Promise<number> {
  const format = outputFormat(out) === 'parquet' ? 'PARQUET' : extname(out).toLowerCase() === '.csv' ? 'CSV' : null;
  if (format === null) throw usageError(`--out ${out}: give a .parquet or .csv file`);
  const db = await openDuckDb();
  try {
    const file = await wholeFileQuery(db.connection, path, schema);
    const select = scoresSelect(scoring.compile(DIALECTS.duckdb, { query: file.query }), DIALECTS.duckdb, modelVersion);
    await db.connection.run('SET enable_progress_bar = true; SET enable_progress_bar_print = false');
    const started = performance.now();
    const tick = () => {
      const { percentage } = db.connection.progress;
      onProgress?.({ seconds: (performance.now() - started) / 1000, fraction: percentage >= 0 ? percentage / 100 : null });
    };
    // CSV files are opened in spreadsheets: an id a spreadsheet would run as a formula gets an apostrophe, as `rebuy score` writes it.
    const rows = format === 'CSV'
      ? `SELECT * REPLACE (${spreadsheetSafeSql('id')}) FROM (${select})`
      : select;
    return await withAtomicPath(out, async (tmp: string) => {
      const copy = db.connection.runAndReadAll(`COPY (${rows}) TO ${sqlString(tmp)} (FORMAT ${format}${format === 'CSV' ? ', HEADER true' : ''})`);
      const result = await withTicks(copy, tick).catch((err: unknown) => file.fail(err));
      const written = Number(result.getRows()[0]?.[0] ?? 0);
      await file.verify(written);
      return written;
    });
  } finally {
    db.close();
  }
}

/**
 * `rebuy score --path sql`: the file scored by the compiled statement in DuckDB, the probabilities
 * rounded to float32 as the ONNX path holds them, then ranked and written by the ONNX path's own
 * writer (predict/score-file.ts): the same columns, order and ties (file order), CSV or Parquet.
 */
export async function scoreFileWithSql(model: string, input: string, output: string, options: CsvDialect & { memoryLimit?: string } = {}): Promise<ScoreSummary> {
  const { memoryLimit, ...dialect } = options;
  const started = performance.now();
  const bundle = await loadBundle(model);
  const pipeline = await scoringPipelineOf(bundle);
  // DuckDB spills the scores past the ONNX path's memory bound into a directory of its own.
  return withSpillDirectory(async (spill) => {
    const instance = await DuckDBInstance.create(':memory:', { memory_limit: memoryLimit ?? SCORING_DEFAULTS.memoryLimit, temp_directory: spill });
    const connection = await instance.connect();
    let open = true;
    const close = (): void => {
      if (!open) return;
      open = false;
      connection.closeSync();
      instance.closeSync();
    };
    try {
      const file = await wholeFileQuery(connection, input, bundle.manifest.schema, dialect);
      const statement = compileScoringSql(pipeline, DIALECTS.duckdb, { query: file.query });
      // No ORDER BY: the stages only project, so the rows keep the file's order, which rowid then keeps.
      await connection.run(`CREATE TEMP TABLE scores AS SELECT id, CAST(probability AS FLOAT) AS probability FROM (${statement}) AS scored`).catch((err: unknown) => file.fail(err));
      const rows = Number((await connection.runAndReadAll('SELECT count(*) FROM scores')).getRows()[0]![0]);
      await file.verify(rows);
      // One thread sorts within the memory bound, as the ONNX path ranks.
      await connection.run('SET threads = 1');
      const duplicateCheck = { rowsPerPass: SCORING_DEFAULTS.duplicateCheckRows, memoryLimit: memoryLimit ?? SCORING_DEFAULTS.duplicateCheckMemoryLimit };
      const scored = scoredRows(connection, pipeline.threshold, rows, (performance.now() - started) / 1000, [], [], duplicateCheck, close);
      await scored.write(output);
      return { rows, seconds: (performance.now() - started) / 1000, output, duplicateIds: await scored.duplicateIds() };
    } finally {
      close();
    }
  });
}
