/**
 * Reading customer tables (CSV, Parquet) through DuckDB, whole or in chunks, with errors that name
 * the file, line, column and value. The parts live in read/, one concern each.
 *
 * How: we read the first CSV record ourselves (header or not, column names), bind the columns to a
 * schema, and ask DuckDB for typed columns (no auto-detection, strict parsing). Missing numbers come
 * back as NaN and values that are not finite numbers as +Infinity, so one TypedArray scan finds
 * them. When something is wrong, the exact line and raw value are found by re-reading the file, in
 * order (only on that error path).
 *
 * Two DuckDB behaviours shape this: a streaming result that fails mid-way just ends, as if done, so
 * a stream is checked against the file's row count; and the parallel CSV reader mis-splits rows at
 * quoted line breaks, so a file with quotes is read by one thread.
 */
import { DuckDBInstance, type DuckDBConnection } from './duckdb.js';
import type { TableSchema } from '../core/schema.js';
import type { Table } from '../core/table.js';
import type { ColumnProfile } from './schema.js';
import type { NativeIds } from './native-ids.js';
import { bindByHeader, bindToSchema, checkTargetPresence, type Binding } from './read/binding.js';
import { ColumnBuffers, collect } from './read/columns.js';
import { STREAM_BUFFER, STREAM_CONFIG, withConnection } from './read/connection.js';
import { failAtFirstProblem, failRowCountMismatch } from './read/first-problem.js';
import { findBadRows, type BadRow } from './read/bad-rows.js';

export type { BadRow } from './read/bad-rows.js';
import { startCountingRows } from './read/row-count.js';
import { noDataRows, openSource, type CsvDialect, type Source } from './read/source.js';

export type { CsvDialect } from './read/source.js';
import { distinctValuesSql, profileSql, selectSql } from './read/sql.js';
import { targetCoding } from './read/target.js';
import { internalError, usageError } from '../errors.js';
import { failOnBadValue, failOnRepeatedId, validTable } from './read/validate.js';

export interface ReadOptions extends CsvDialect {
  /** Exact header name of the target column. */
  target?: string;
  /** Exact header name of the customer-ID column. */
  id?: string;
  /** The target's value that means 1, when it is written as two values other than yes/no, true/false, y/n or 1/0. */
  positive?: string;
  /** Fail when the file has no target column. Default: true, but false when `schema` is given. */
  requireTarget?: boolean;
  /**
   * A trained model's schema (scoring): the file must have its feature columns (and ID column);
   * the target is read when present. Other columns are ignored.
   */
  schema?: TableSchema;
  /** Keep rows whose customer ID repeats (the audit reports them) instead of refusing the file. */
  allowDuplicateIds?: boolean;
}

/** Some consecutive rows of a table, as streamTable yields them. */
export interface TableChunk {
  /** Customer IDs (empty when `nativeIds` holds them). */
  ids: string[];
  /** With the `nativeIds` option, when the file has an ID column: the IDs, kept inside DuckDB. */
  nativeIds?: NativeIds;
  numeric: Map<string, Float64Array>;
  categorical: Map<string, (string | null)[]>;
  nRows: number;
  /** 0-based index of this chunk's first row in the whole table. */
  firstRow: number;
  /** With the `withTarget` option, when the file has the schema's target column: its values (NaN = missing). */
  target?: Float64Array;
}

export interface StreamOptions extends CsvDialect {
  /** Rows per yielded chunk (the last may be shorter). Default 65,536. */
  chunkRows?: number;
  /** Keep the file's IDs inside DuckDB (`TableChunk.nativeIds`) instead of making strings of them. */
  nativeIds?: boolean;
  /**
   * Leave out the rows the model cannot take instead of failing on the first: each is handed to
   * `onBadRows` (with its line and reason) before the first chunk, never dropped unsaid.
   */
  skipBadRows?: boolean;
  onBadRows?: (rows: BadRow[]) => void;
  /** Read the target column too, when the file has it (values unchecked: the caller takes what it can). */
  withTarget?: boolean;
  /** Fail on an ID an earlier row held, as readTable does (every ID read is kept to check the next). */
  refuseDuplicateIds?: boolean;
}

const DEFAULT_CHUNK_ROWS = 65_536;

/** Reads a whole CSV or Parquet file into a Table, validated. */
export async function readTable(path: string, opts: ReadOptions = {}): Promise<Table> {
  const source = await openSource(path, opts);
  return withConnection(async (con) => {
    let profiles: Promise<ColumnProfile[]> | undefined;
    const profile = (): Promise<ColumnProfile[]> => (profiles ??= profileColumns(con, source));
    const bound = opts.schema ? bindToSchema(source, opts.schema) : await bindByHeader(source, opts, profile);
    checkTargetPresence(source, bound, opts.requireTarget ?? !opts.schema);
    const binding = opts.schema ? bound : await withTargetCoding(con, source, bound, profile, opts.positive);
    const count = await startCountingRows(con, source);
    const result = await con
      .run(selectSql(source, binding))
      .catch((err: unknown) => failAtFirstProblem(con, source, binding, err, { checkRowsFrom: 0 }));
    const columns = collect(binding, result);
    const table = await validTable(source, binding, columns, opts.allowDuplicateIds ?? false);
    const expectedRows = await count.rows;
    if (columns.length !== expectedRows) await failRowCountMismatch(con, source, binding, columns.length, expectedRows);
    if (columns.length === 0) throw noDataRows(source);
    return table;
  });
}

/**
 * Reads a file in chunks of `chunkRows` rows for scoring in bounded memory: the file must have the
 * schema's feature columns (and ID column). The target is not read; duplicate IDs are not checked.
 */
export async function* streamTable(
  path: string,
  schema: TableSchema,
  opts: StreamOptions = {},
): AsyncGenerator<TableChunk> {
  const chunkRows = Math.max(1, Math.floor(opts.chunkRows ?? DEFAULT_CHUNK_ROWS));
  const source = await openSource(path, opts);
  const bound = bindToSchema(source, schema);
  const binding: Binding = { ...bound, target: opts.withTarget ? bound.target : null };
  const instance = await DuckDBInstance.create(':memory:', STREAM_CONFIG);
  let con: DuckDBConnection | null = null;
  try {
    con = await instance.connect();
    const connection = con;
    let firstRow = 0;
    const fail = (err: unknown): Promise<never> =>
      failAtFirstProblem(connection, source, binding, err, { checkRowsFrom: firstRow });
    const count = await startCountingRows(connection, source);
    const skip = opts.skipBadRows ?? false;
    let skipped = 0;
    if (skip) {
      const bad = await findBadRows(connection, source, binding).catch(fail);
      skipped = bad.length;
      opts.onBadRows?.(bad);
    }
    await connection.run(STREAM_BUFFER);
    const result = await connection.stream(selectSql(source, binding, skip ? { skipBadRows: true, onlyGoodRows: true } : {})).catch(fail);
    const nativeIds = opts.nativeIds ?? false;
    if (nativeIds && opts.refuseDuplicateIds) throw internalError('streamTable: refuseDuplicateIds checks string IDs, not nativeIds');
    const seenIds = opts.refuseDuplicateIds ? new Map<string, number>() : null;
    const bufferOptions = { nativeIds };
    let buffers = new ColumnBuffers(binding, chunkRows, { ...bufferOptions, firstRow: 0 });
    for (;;) {
      const chunk = await result.fetchChunk().catch(fail);
      if (!chunk || chunk.rowCount === 0) break;
      for (let offset = 0; offset < chunk.rowCount; ) {
        offset += buffers.append(chunk, offset);
        if (buffers.full) {
          yield await finishChunk(source, buffers, firstRow, seenIds);
          firstRow += buffers.length;
          buffers = new ColumnBuffers(binding, chunkRows, { ...bufferOptions, firstRow });
        }
      }
    }
    const last = buffers.length > 0 ? await finishChunk(source, buffers, firstRow, seenIds) : null;
    const rowsRead = firstRow + buffers.length;
    const expectedRows = (await count.rows) - skipped;
    if (rowsRead !== expectedRows) await failRowCountMismatch(connection, source, binding, rowsRead, expectedRows);
    if (last) yield last;
    else if (rowsRead === 0) throw noDataRows(source);
  } finally {
    con?.closeSync();
    instance.closeSync();
  }
}

async function finishChunk(source: Source, buffers: ColumnBuffers, firstRow: number, seenIds: Map<string, number> | null): Promise<TableChunk> {
  await failOnBadValue(source, buffers, firstRow);
  const n = buffers.length;
  if (seenIds && buffers.binding.id) await failOnRepeatedId(source, buffers.binding.id, seenIds, buffers.ids.slice(0, n), firstRow);
  const numeric = new Map([...buffers.numeric].map(([k, v]) => [k, n === v.length ? v : v.subarray(0, n)]));
  const categorical = new Map([...buffers.categorical].map(([k, v]) => [k, v.length === n ? v : v.slice(0, n)]));
  const ids = buffers.ids.length === n ? buffers.ids : buffers.ids.slice(0, n);
  const target = buffers.target ? { target: buffers.target.subarray(0, n) } : {};
  return { ids, ...(buffers.nativeIds && { nativeIds: buffers.nativeIds }), numeric, categorical, nRows: n, firstRow, ...target };
}

/** Which columns hold only numbers (or nothing); also fails on a file without data rows. */
/**
 * A table's own schema with its target's coding: a 0/1 column as it is; a target written otherwise
 * (Yes/No…), or any target when `positive` names the value that means 1, read through targetCoding.
 */
async function withTargetCoding(
  con: DuckDBConnection,
  source: Source,
  binding: Binding,
  profile: () => Promise<ColumnProfile[]>,
  positive: string | undefined,
): Promise<Binding> {
  const target = binding.target;
  if (!target) {
    if (positive !== undefined) throw usageError('`positive` names a value of the target column, and this table has none');
    return binding;
  }
  if (binding.schema.name === 'audiobooks') {
    if (positive !== undefined) throw usageError("`positive` is for a table's own target; the Audiobooks target is 0/1");
    return binding;
  }
  if (positive === undefined && (await profile()).find((p) => p.name === target.label)?.numeric !== false) return binding;
  const reader = await con.runAndReadAll(distinctValuesSql(source, target.index, 3)).catch((err: unknown) => failAtFirstProblem(con, source, null, err));
  const values = reader.getRows().map((row) => String(row[0]));
  return { ...binding, schema: { ...binding.schema, targetValues: targetCoding(source.path, target.label, values, positive) } };
}

async function profileColumns(con: DuckDBConnection, source: Source): Promise<ColumnProfile[]> {
  const sql = profileSql(source);
  const reader = await con.runAndReadAll(sql).catch((err: unknown) => failAtFirstProblem(con, source, null, err));
  const row = reader.getRows()[0]!;
  if (Number(row[0]) === 0) throw noDataRows(source);
  return source.labels.map((name, i) => ({ name, numeric: row[i + 1] === true }));
}
