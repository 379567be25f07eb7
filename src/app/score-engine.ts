/**
 * `rebuy score --engine`: the scoring runs inside the engine that holds the customers. The bundle's
 * pipeline is compiled to the engine's SQL and the engine writes the scores (id, probability, label,
 * rank, model_version, scored_at) in one transaction; no customer row passes through this process.
 *
 *   --engine duckdb --database FILE --in-table T [--out-table scores]   a DuckDB database file
 *   --engine duckdb --in FILE --out FILE                                  Parquet/CSV read and written by DuckDB
 *   --engine postgres://USER@HOST:PORT/DB --in-table T [--out-table scores]
 */
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { loadBundle } from '../bundle/load.js';
import { DIALECTS, type SqlDialect } from '../compile/dialect.js';
import { scoringPipelineOf } from '../compile/from-bundle.js';
import type { ScoringPipeline } from '../compile/pipeline-sql.js';
import { compileScoringSql } from '../compile/ensemble-sql.js';
import { spreadsheetSafeSql, sqlIdent, sqlString } from '../data/duckdb.js';
import { withAtomicPath } from '../data/write.js';
import { outputColumns, bindToSchema } from '../data/read/binding.js';
import { readError } from '../data/read/locate.js';
import { openSource } from '../data/read/source.js';
import { selectSql } from '../data/read/sql.js';
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
  onProgress?: (progress: ProgressReport) => void;
}

export interface EngineScoreSummary {
  rows: number;
  seconds: number;
  engine: string;
  /** The scores table, or the scores file. */
  output: string;
  modelVersion: string;
}

export function isPostgresUrl(engine: string): boolean {
  return /^postgres(ql)?:\/\//i.test(engine);
}

export async function scoreInEngine(options: EngineScoreOptions): Promise<EngineScoreSummary> {
  const started = performance.now();
  const postgres = isPostgresUrl(options.engine);
  if (!postgres && options.engine !== 'duckdb') throw usageError(`--engine: expected duckdb or a postgres://… connection string, got ${JSON.stringify(options.engine)}`);
  const bundle = await loadBundle(options.model);
  const pipeline = await scoringPipelineOf(bundle, { idColumn: options.id });
  const modelVersion = `${bundle.manifest.model.name} ${bundle.manifest.createdAt} sha256:${bundle.hash}`;
  const done = (rows: number, engine: string, output: string): EngineScoreSummary => ({ rows, seconds: (performance.now() - started) / 1000, engine, output, modelVersion });

  if (!postgres && options.in !== undefined) {
    if (options.inTable !== undefined || options.database !== undefined) throw usageError('--engine duckdb takes --in FILE with --out FILE, or --database FILE with --in-table NAME, not both');
    if (options.out === undefined) throw usageError('--engine duckdb --in FILE needs --out FILE (.parquet or .csv)');
    const rows = await scoreFileInDuckDb(pipeline, bundle.manifest.schema, options.in, options.out, modelVersion, options.onProgress);
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
    await checkColumns(engine, options.inTable, pipeline);
    const dialect = postgres ? DIALECTS.postgres : DIALECTS.duckdb;
    const select = scoresSelect(compileScoringSql(pipeline, dialect, { table: options.inTable }, { rank: true }), dialect, modelVersion);
    const rows = await engine.replaceTable(outTable, select, options.onProgress);
    return done(rows, engine.describe, outTable);
  } finally {
    await engine.close();
  }
}

/** The compiled statement's rows, with the model's version and the time of scoring. */
function scoresSelect(scoring: string, dialect: SqlDialect, modelVersion: string): string {
  return `SELECT id, probability, label, ${dialect.quoteIdent('rank')}, CAST(${dialect.quoteText(modelVersion)} AS ${dialect.text}) AS model_version, CURRENT_TIMESTAMP AS scored_at\nFROM (\n${scoring}) AS scored`;
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
async function checkColumns(engine: TableEngine, table: string, pipeline: ScoringPipeline): Promise<void> {
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
 * A Parquet or CSV file scored by DuckDB: the project's reader binds the file's columns to the
 * bundle's schema (header spellings, types) in SQL, the compiled pipeline runs on it, and DuckDB
 * writes the scores file, which replaces `out` only when complete.
 */
async function scoreFileInDuckDb(
  pipeline: ScoringPipeline,
  schema: Parameters<typeof bindToSchema>[1],
  path: string,
  out: string,
  modelVersion: string,
  onProgress?: (progress: ProgressReport) => void,
): Promise<number> {
  const format = /\.(parquet|pq)$/i.test(out) ? 'PARQUET' : extname(out).toLowerCase() === '.csv' ? 'CSV' : null;
  if (format === null) throw usageError(`--out ${out}: give a .parquet or .csv file`);
  const source = await openSource(path);
  const binding = bindToSchema(source, schema);
  const named = outputColumns(binding).map((col, i) => `o${i} AS ${sqlIdent(col.key)}`);
  const query = `SELECT ${named.join(', ')} FROM (${selectSql(source, binding)}) AS file_rows`;
  const scoring = compileScoringSql(pipeline, DIALECTS.duckdb, { query }, { rank: true });
  const select = scoresSelect(scoring, DIALECTS.duckdb, modelVersion);
  const db = await openDuckDb();
  try {
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
      const result = await withTicks(copy, tick).catch(async (err: unknown) => {
        throw await readError(source, binding, err);
      });
      return Number(result.getRows()[0]?.[0] ?? 0);
    });
  } finally {
    db.close();
  }
}
