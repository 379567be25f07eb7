/**
 * Reading customer tables (CSV, Parquet) through DuckDB, whole or in chunks, with errors that name
 * the file, line, column and value.
 *
 * How: we read the first CSV record ourselves (header or not, column names), bind the columns to a
 * schema, and ask DuckDB for typed columns (no auto-detection). Missing numbers come back as NaN and
 * values that are not finite numbers as +Infinity, so one TypedArray scan finds them. When DuckDB
 * rejects the file, or a value is wrong, we re-scan the raw file to find the exact line and value.
 */
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { DuckDBInstance, type DuckDBConnection, type DuckDBDataChunk, type DuckDBVector } from '@duckdb/node-api';
import { fileNotFound, inputError, RebuyError } from '../errors.js';
import {
  AUDIOBOOKS_HEADER,
  AUDIOBOOKS_SCHEMA,
  audiobooksColumnOf,
  headerlessAudiobooksColumns,
  headerlessNames,
  inferSchema,
  looksLikeHeader,
  recognizeHeader,
  resolveRoles,
  type AudiobooksColumn,
  type ColumnProfile,
  type TableSchema,
} from './schema.js';
import type { Table } from './table.js';

export interface ReadOptions {
  /** Exact header name of the target column (`--target`). */
  target?: string;
  /** Exact header name of the customer-ID column (`--id`). */
  id?: string;
  /** Fail when the file has no target column. Default: true, but false when `schema` is given. */
  requireTarget?: boolean;
  /**
   * A trained model's schema (scoring): the file must have its feature columns (and ID column);
   * the target is read when present. Other columns are ignored.
   */
  schema?: TableSchema;
}

/** Some consecutive rows of a table, as streamTable yields them. */
export interface TableChunk {
  ids: string[];
  numeric: Map<string, Float64Array>;
  categorical: Map<string, (string | null)[]>;
  nRows: number;
  /** 0-based index of this chunk's first row in the whole table. */
  firstRow: number;
}

export interface StreamOptions {
  /** Rows per yielded chunk (the last may be shorter). Default 65,536. */
  chunkRows?: number;
}

const DEFAULT_CHUNK_ROWS = 65_536;

/** Reads a whole CSV or Parquet file into a Table, validated. */
export async function readTable(path: string, opts: ReadOptions = {}): Promise<Table> {
  const source = await openSource(path);
  return withConnection(async (con) => {
    const binding = opts.schema
      ? bindToSchema(source, opts.schema)
      : await bindByHeader(con, source, opts);
    checkTargetPresence(source, binding, opts.requireTarget ?? !opts.schema);
    const result = await runQuery(source, binding, (sql) => con.run(sql));
    if (result.rowCount === 0) throw noDataRows(source);
    const columns = new ColumnBuffers(binding, result.rowCount);
    for (let c = 0; c < result.chunkCount; c++) columns.append(result.getChunk(c));
    const target = binding.target ? await validTargets(source, binding.target, columns.target!) : null;
    await failOnBadValue(source, columns);
    if (binding.id) await failOnDuplicateIds(source, binding.id, columns.ids);
    return {
      source: path,
      schema: binding.schema,
      nRows: result.rowCount,
      ids: columns.ids,
      target,
      numeric: columns.numeric,
      categorical: columns.categorical,
      firstDataLine: source.firstDataLine,
    };
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
  const source = await openSource(path);
  const binding = { ...bindToSchema(source, schema), target: null };
  const instance = await DuckDBInstance.create(':memory:', DUCKDB_CONFIG);
  let con: DuckDBConnection | null = null;
  try {
    con = await instance.connect();
    const connection = con;
    await connection.run(STREAM_BUFFER);
    // A streaming DuckDB result that fails mid-way just ends, as if done. So bad CSV rows are
    // skipped and logged (store_rejects), and the first one is reported as soon as we notice.
    const result = await runQuery(source, binding, (sql) => connection.stream(sql), { logRejects: true });
    const finish = (buffers: ColumnBuffers, firstRow: number): Promise<TableChunk> =>
      earlierRejectFirst(connection, source, binding, () => finishChunk(source, buffers, firstRow));
    let firstRow = 0;
    let buffers = new ColumnBuffers(binding, chunkRows);
    for (;;) {
      const chunk = await fetchChunk(source, binding, () => result.fetchChunk());
      if (!chunk || chunk.rowCount === 0) break;
      for (let offset = 0; offset < chunk.rowCount; ) {
        offset += buffers.append(chunk, offset);
        if (buffers.full) {
          yield await finish(buffers, firstRow);
          firstRow += buffers.length;
          buffers = new ColumnBuffers(binding, chunkRows);
        }
      }
    }
    const last = buffers.length > 0 ? await finish(buffers, firstRow) : null;
    await failOnRejectedRow(connection, source, binding);
    if (last) yield last;
    else if (firstRow === 0) throw noDataRows(source);
  } finally {
    con?.closeSync();
    instance.closeSync();
  }
}

/**
 * Runs a chunk's checks; if one fails, a row DuckDB rejected on an earlier line wins (rows it
 * skipped shift later rows, so a reject at or before the reported line comes first in the file).
 */
async function earlierRejectFirst<T>(con: DuckDBConnection, source: Source, binding: Binding, check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (err) {
    const line = err instanceof RebuyError ? err.location.line : undefined;
    const reject = await firstReject(con, source);
    if (reject && (line === undefined || reject.line <= line)) await rethrowReadError(source, binding, reject.error);
    throw err;
  }
}

async function finishChunk(source: Source, buffers: ColumnBuffers, firstRow: number): Promise<TableChunk> {
  await failOnBadValue(source, buffers, firstRow);
  const n = buffers.length;
  const numeric = new Map([...buffers.numeric].map(([k, v]) => [k, n === v.length ? v : v.subarray(0, n)]));
  const categorical = new Map([...buffers.categorical].map(([k, v]) => [k, v.length === n ? v : v.slice(0, n)]));
  return { ids: buffers.ids.length === n ? buffers.ids : buffers.ids.slice(0, n), numeric, categorical, nRows: n, firstRow };
}

// ---------------------------------------------------------------------------------------------
// The source file: format, column labels, header or not

interface Source {
  path: string;
  format: 'csv' | 'parquet';
  /** Column names as the file gives them (header-less CSV: filled in by the binding). */
  labels: string[];
  hasHeader: boolean;
  /** Parquet: DuckDB type per column. */
  types: string[] | null;
  /** File line of the first data row (Parquet: 1, so "line" means row number). */
  firstDataLine: number;
}

async function openSource(path: string): Promise<Source> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw fileNotFound(path);
    throw err;
  });
  if (!info.isFile()) throw inputError('not a regular file', { file: path });
  if (info.size === 0) throw inputError('the file is empty', { file: path, line: 1 });
  return /\.(parquet|pq)$/i.test(path) ? openParquet(path) : openCsv(path);
}

async function openCsv(path: string): Promise<Source> {
  const first = await firstRecord(path);
  if (!first) throw inputError('the file is empty', { file: path, line: 1 });
  if (first.line !== 1) throw inputError('the first line is empty (expected a header or a data row)', { file: path, line: 1 });
  if (!isUtf8(first.bytes)) throw notUtf8(path, first);
  const fields = splitFields(decodeText(first.bytes));
  const hasHeader = looksLikeHeader(fields);
  return {
    path,
    format: 'csv',
    labels: hasHeader ? fields.map((f, i) => (f.trim() === '' ? `column${i + 1}` : f)) : headerlessNames(fields.length),
    hasHeader,
    types: null,
    firstDataLine: hasHeader ? 2 : 1,
  };
}

async function openParquet(path: string): Promise<Source> {
  return withConnection(async (con) => {
    const described = await con
      .runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(path)})`)
      .catch((err: unknown) => {
        throw inputError(`not a readable Parquet file: ${firstLineOf(err)}`, { file: path }, err);
      });
    const rows = described.getRows();
    return {
      path,
      format: 'parquet' as const,
      labels: rows.map((r) => String(r[0])),
      hasHeader: true,
      types: rows.map((r) => String(r[1])),
      firstDataLine: 1,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Binding the file's columns to a schema

type Role = 'id' | 'target' | 'numeric' | 'categorical';

interface BoundColumn {
  /** Position in the file. */
  index: number;
  /** The name to show the user: the file's header name. */
  label: string;
  /** The name in the Table (canonical for Audiobooks). */
  key: string;
  role: Role;
}

interface Binding {
  schema: TableSchema;
  id: BoundColumn | null;
  target: BoundColumn | null;
  features: BoundColumn[];
}

function bindToSchema(source: Source, schema: TableSchema): Binding {
  const keys = fileKeys(source, schema);
  const find = (key: string): BoundColumn | null => {
    const index = keys.indexOf(key);
    return index < 0 ? null : { index, label: source.labels[index]!, key, role: 'numeric' };
  };
  const require = (key: string, role: Role): BoundColumn => {
    const col = find(key);
    if (!col) throw missingColumn(source, schema, key);
    return { ...col, role };
  };
  const target = schema.target ? find(schema.target) : null;
  return {
    schema,
    id: schema.id ? require(schema.id, 'id') : null,
    target: target ? { ...target, role: 'target' } : null,
    features: schema.features.map((f) => require(f.name, f.kind)),
  };
}

/** The schema key each file column stands for (Audiobooks: canonical names from the aliases). */
function fileKeys(source: Source, schema: TableSchema): (string | null)[] {
  if (schema.name !== 'audiobooks') return source.labels;
  if (source.hasHeader) return source.labels.map(audiobooksColumnOf);
  return headerlessAudiobooksColumns(source.labels.length) ?? source.labels.map(() => null);
}

async function bindByHeader(con: DuckDBConnection, source: Source, opts: ReadOptions): Promise<Binding> {
  const decision = source.hasHeader
    ? recognizeHeader(source.labels, opts)
    : audiobooksIfOriginalLayout(source.labels.length);
  if (decision.kind === 'audiobooks') return bindAudiobooks(source, decision.columns);
  checkCustomHeader(source, opts);
  const roles = resolveRoles(source.labels, opts);
  const profiles = await profileColumns(con, source, roles);
  return bindToSchema(source, inferSchema(profiles, { target: opts.target, id: opts.id }));
}

function audiobooksIfOriginalLayout(nColumns: number): ReturnType<typeof recognizeHeader> {
  return nColumns === AUDIOBOOKS_HEADER.length
    ? { kind: 'audiobooks', columns: headerlessAudiobooksColumns(nColumns)! }
    : { kind: 'custom' };
}

function bindAudiobooks(source: Source, columns: AudiobooksColumn[]): Binding {
  const schema: TableSchema = {
    ...AUDIOBOOKS_SCHEMA,
    id: columns.includes('id') ? 'id' : null,
    target: columns.includes('target') ? 'target' : null,
  };
  return bindToSchema({ ...source, labels: source.hasHeader ? source.labels : columns }, schema);
}

function checkCustomHeader(source: Source, opts: ReadOptions): void {
  const seen = new Map<string, number>();
  source.labels.forEach((label, i) => {
    const before = seen.get(label);
    if (before !== undefined) {
      throw inputError(`column name appears twice (columns ${before + 1} and ${i + 1})`, { file: source.path, line: 1, column: label });
    }
    seen.set(label, i);
  });
  for (const [flag, name] of [['--target', opts.target], ['--id', opts.id]] as const) {
    if (name !== undefined && !seen.has(name)) {
      throw inputError(`no column named ${JSON.stringify(name)} (given by ${flag}); columns found: ${listColumns(source)}`, {
        file: source.path,
        line: 1,
        column: name,
      });
    }
  }
}

function checkTargetPresence(source: Source, binding: Binding, required: boolean): void {
  if (!required || binding.target) return;
  const name = binding.schema.target;
  const problem =
    binding.schema.name === 'audiobooks' || name
      ? `missing required column ${JSON.stringify(name ?? 'target')}`
      : 'no target column: name it with --target COLUMN';
  throw inputError(`${problem}; columns found: ${listColumns(source)}`, { file: source.path, line: 1, column: name ?? 'target' });
}

function missingColumn(source: Source, schema: TableSchema, key: string): RebuyError {
  const spelled = schema.name === 'audiobooks' ? audiobooksSpelling(key) : '';
  return inputError(`missing required column ${JSON.stringify(key)}${spelled}; columns found: ${listColumns(source)}`, {
    file: source.path,
    line: 1,
    column: key,
  });
}

function audiobooksSpelling(key: string): string {
  const header = AUDIOBOOKS_HEADER.find((h) => audiobooksColumnOf(h) === key);
  return header ? ` (e.g. ${JSON.stringify(header)})` : '';
}

function listColumns(source: Source): string {
  const shown = source.labels.map((l) => JSON.stringify(l)).join(', ');
  return source.hasHeader ? shown : `${source.labels.length} unnamed columns (no header row)`;
}

/** Which of the non-ID, non-target columns hold only numbers (and how many rows there are). */
async function profileColumns(
  con: DuckDBConnection,
  source: Source,
  roles: { id: string | null; target: string | null },
): Promise<ColumnProfile[]> {
  const checks = source.labels.map((label, i) => {
    const text = source.format === 'csv' ? `c${i}` : `CAST(${sqlIdent(label)} AS VARCHAR)`;
    const isNumericType = source.types !== null && NUMERIC_TYPE.test(source.types[i]!);
    return isNumericType ? 'true' : `coalesce(bool_and(${text} IS NULL OR coalesce(isfinite(TRY_CAST(${text} AS DOUBLE)), false)), true)`;
  });
  const from = source.format === 'csv' ? csvReader(source, () => 'VARCHAR') : parquetReader(source);
  const sql = `SELECT count(*)::DOUBLE, ${checks.join(', ')} FROM ${from}`;
  const reader = await con.runAndReadAll(sql).catch((err: unknown) => rethrowReadError(source, null, err));
  const row = reader.getRows()[0]!;
  if (Number(row[0]) === 0) throw noDataRows(source);
  return source.labels.map((name, i) => ({ name, numeric: name !== roles.target && name !== roles.id && row[i + 1] === true }));
}

// ---------------------------------------------------------------------------------------------
// SQL

const DUCKDB_CONFIG: Record<string, string> = { preserve_insertion_order: 'true' };

/** Lets DuckDB parse ahead (a few MB) while JavaScript copies the previous chunks. */
const STREAM_BUFFER = `SET streaming_buffer_size = '${process.env.SBS ?? '16MB'}'`;

const NUMERIC_TYPE = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL|BOOLEAN)/;

/** Output columns, in this order: id, target, then the features in schema order. */
function outputColumns(binding: Binding): BoundColumn[] {
  return [binding.id, binding.target, ...binding.features].filter((c): c is BoundColumn => c !== null);
}

function selectSql(source: Source, binding: Binding, logRejects: boolean): string {
  const outputs = outputColumns(binding);
  const exprs = outputs.map((col, i) => `${valueExpr(source, col)} AS o${i}`);
  const from =
    source.format === 'csv'
      ? csvReader(source, (i) => csvType(outputs.find((c) => c.index === i)?.role), logRejects)
      : parquetReader(source);
  return `SELECT ${exprs.join(', ')} FROM ${from}`;
}

function csvType(role: Role | undefined): string {
  return role === 'numeric' || role === 'target' ? 'DOUBLE' : 'VARCHAR';
}

/** DuckDB's CSV reader with our column types; `logRejects`: skip bad rows into `reject_errors`. */
function csvReader(source: Source, typeOf: (index: number) => string, logRejects = false): string {
  const columns = source.labels.map((_, i) => `'c${i}': '${typeOf(i)}'`).join(', ');
  return (
    `read_csv(${sqlString(source.path)}, columns = {${columns}}, header = ${source.hasHeader}, ` +
    `auto_detect = false, strict_mode = true, delim = ',', quote = '"', escape = '"', compression = 'none'` +
    `${logRejects ? ', ignore_errors = true, store_rejects = true' : ''})`
  );
}

/** Throws the first CSV row DuckDB rejected while streaming, as if it had failed on it. */
async function failOnRejectedRow(con: DuckDBConnection, source: Source, binding: Binding): Promise<void> {
  const reject = await firstReject(con, source);
  if (reject) await rethrowReadError(source, binding, reject.error);
}

async function firstReject(con: DuckDBConnection, source: Source): Promise<{ line: number; error: Error } | null> {
  if (source.format !== 'csv') return null;
  const reader = await con.runAndReadAll('SELECT line, error_message FROM reject_errors ORDER BY line LIMIT 1');
  const row = reader.getRows()[0];
  if (!row) return null;
  return { line: Number(row[0]), error: new Error(`CSV Error on Line: ${String(row[0])}\n${String(row[1])}`) };
}

async function withConnection<T>(work: (con: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:', DUCKDB_CONFIG);
  try {
    const con = await instance.connect();
    try {
      return await work(con);
    } finally {
      con.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

async function runQuery<T>(
  source: Source,
  binding: Binding,
  run: (sql: string) => Promise<T>,
  { logRejects = false } = {},
): Promise<T> {
  try {
    return await run(selectSql(source, binding, logRejects));
  } catch (err) {
    return rethrowReadError(source, binding, err);
  }
}

async function fetchChunk(
  source: Source,
  binding: Binding,
  fetch: () => Promise<DuckDBDataChunk | null>,
): Promise<DuckDBDataChunk | null> {
  try {
    return await fetch();
  } catch (err) {
    return rethrowReadError(source, binding, err);
  }
}

// ---------------------------------------------------------------------------------------------
// From DuckDB vectors to typed columns

/** Column arrays being filled, with capacity for `capacity` rows. */
class ColumnBuffers {
  readonly ids: string[];
  readonly target: Float64Array | null;
  readonly numeric = new Map<string, Float64Array>();
  readonly categorical = new Map<string, (string | null)[]>();
  readonly labels = new Map<string, BoundColumn>();
  length = 0;
  private readonly outputs: BoundColumn[];
  private readonly hasId: boolean;

  constructor(
    private readonly binding: Binding,
    private readonly capacity: number,
  ) {
    this.outputs = outputColumns(binding);
    this.hasId = binding.id !== null;
    this.ids = new Array<string>(capacity);
    this.target = binding.target ? new Float64Array(capacity) : null;
    for (const col of binding.features) {
      this.labels.set(col.key, col);
      if (col.role === 'numeric') this.numeric.set(col.key, new Float64Array(capacity));
      else this.categorical.set(col.key, new Array<string | null>(capacity));
    }
  }

  get full(): boolean {
    return this.length === this.capacity;
  }

  /** Copies rows from `chunk` starting at `from`, as many as fit; returns how many. */
  append(chunk: DuckDBDataChunk, from = 0): number {
    const n = Math.min(chunk.rowCount - from, this.capacity - this.length);
    const at = this.length;
    this.outputs.forEach((col, i) => {
      const vector = chunk.getColumnVector(i);
      if (col.role === 'id') readStrings(vector, from, n, this.ids, at);
      else if (col.role === 'target') this.target!.set(readDoubles(vector, chunk.rowCount).subarray(from, from + n), at);
      else if (col.role === 'numeric') this.numeric.get(col.key)!.set(readDoubles(vector, chunk.rowCount).subarray(from, from + n), at);
      else readNullableStrings(vector, from, n, this.categorical.get(col.key)!, at);
    });
    if (!this.hasId) for (let r = 0; r < n; r++) this.ids[at + r] = '';
    this.length += n;
    return n;
  }

  get idColumn(): BoundColumn | null {
    return this.binding.id;
  }
}

/** The vector's Float64Array (zero-copy when the DuckDB binding exposes it). */
function readDoubles(vector: DuckDBVector, n: number): Float64Array {
  const items = (vector as unknown as { items?: unknown }).items;
  if (items instanceof Float64Array && items.length >= n) return items;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Number(vector.getItem(i) ?? NaN);
  return out;
}

/** Non-null strings; short ASCII strings are decoded straight from the vector's bytes. */
function readStrings(vector: DuckDBVector, from: number, n: number, out: string[], at: number): void {
  const view = (vector as unknown as { dataView?: unknown }).dataView;
  if (!(view instanceof DataView)) {
    for (let i = 0; i < n; i++) out[at + i] = String(vector.getItem(from + i) ?? '');
    return;
  }
  for (let i = 0; i < n; i++) {
    out[at + i] = inlineAscii(view, (from + i) * 16) ?? String(vector.getItem(from + i) ?? '');
  }
}

/** A DuckDB string of at most 12 ASCII bytes is stored inline: length (4 bytes) then the bytes. */
function inlineAscii(view: DataView, offset: number): string | null {
  const length = view.getUint32(offset, true);
  if (length > 12) return null;
  let text = '';
  for (let k = 0; k < length; k++) {
    const byte = view.getUint8(offset + 4 + k);
    if (byte > 127) return null;
    text += String.fromCharCode(byte);
  }
  return text;
}

function readNullableStrings(vector: DuckDBVector, from: number, n: number, out: (string | null)[], at: number): void {
  for (let i = 0; i < n; i++) {
    const value = vector.getItem(from + i);
    out[at + i] = value === null ? null : String(value);
  }
}

// ---------------------------------------------------------------------------------------------
// Validation of values (after reading)

async function failOnBadValue(source: Source, buffers: ColumnBuffers, firstRow = 0): Promise<void> {
  const idColumn = buffers.idColumn;
  if (idColumn) {
    const row = buffers.ids.indexOf('');
    if (row >= 0 && row < buffers.length) {
      throw inputError('missing customer ID', { file: source.path, line: await lineOf(source, firstRow + row), column: idColumn.label, value: '' });
    }
  } else {
    for (let r = 0; r < buffers.length; r++) buffers.ids[r] = String(firstRow + r + 1);
  }
  for (const [key, values] of buffers.numeric) {
    const row = values.indexOf(Infinity);
    if (row < 0 || row >= buffers.length) continue;
    const col = buffers.labels.get(key)!;
    const at = await locateValue(source, firstRow + row, col);
    throw inputError('not a number', { file: source.path, line: at.line, column: col.label, value: at.value });
  }
}

async function validTargets(source: Source, col: BoundColumn, values: Float64Array): Promise<Uint8Array> {
  const out = new Uint8Array(values.length);
  for (let row = 0; row < values.length; row++) {
    const v = values[row]!;
    if (v === 0 || v === 1) {
      out[row] = v;
      continue;
    }
    const at = await locateValue(source, row, col);
    const problem = Number.isNaN(v) ? 'missing target value (must be 0 or 1)' : 'target must be 0 or 1';
    throw inputError(problem, { file: source.path, line: at.line, column: col.label, value: at.value });
  }
  return out;
}

async function failOnDuplicateIds(source: Source, col: BoundColumn, ids: string[]): Promise<void> {
  const firstSeen = new Map<string, number>();
  for (let row = 0; row < ids.length; row++) {
    const before = firstSeen.get(ids[row]!);
    if (before === undefined) {
      firstSeen.set(ids[row]!, row);
      continue;
    }
    const [first, second] = await Promise.all([lineOf(source, before), lineOf(source, row)]);
    throw inputError(`duplicate customer ID (also on line ${first})`, {
      file: source.path,
      line: second,
      column: col.label,
      value: ids[row]!,
    });
  }
}

function noDataRows(source: Source): RebuyError {
  return inputError('no data rows (only a header)', { file: source.path, line: source.firstDataLine });
}

// ---------------------------------------------------------------------------------------------
// Finding the exact line and raw value of a problem

/** A CSV record as raw bytes (line terminators removed) and the file line it starts on. */
interface RawRecord {
  line: number;
  bytes: Buffer;
}

async function lineOf(source: Source, row: number): Promise<number> {
  if (source.format === 'parquet') return row + 1;
  return (await recordOfRow(source, row))?.line ?? source.firstDataLine + row;
}

async function locateValue(source: Source, row: number, col: BoundColumn): Promise<{ line: number; value: string }> {
  if (source.format === 'parquet') return { line: row + 1, value: await parquetValue(source, row, col) };
  const record = await recordOfRow(source, row);
  if (!record) return { line: source.firstDataLine + row, value: '' };
  return { line: record.line, value: splitFields(decodeText(record.bytes))[col.index] ?? '' };
}

async function recordOfRow(source: Source, row: number): Promise<RawRecord | null> {
  let index = source.hasHeader ? -1 : 0;
  for await (const record of rawRecords(source.path)) {
    if (index === row) return record;
    index++;
  }
  return null;
}

async function parquetValue(source: Source, row: number, col: BoundColumn): Promise<string> {
  return withConnection(async (con) => {
    const sql = `SELECT CAST(${sqlIdent(col.label)} AS VARCHAR) FROM ${parquetReader(source)} LIMIT 1 OFFSET ${row}`;
    const value = (await con.runAndReadAll(sql)).getRows()[0]?.[0];
    return value === null || value === undefined ? '' : String(value);
  });
}

/** Maps a DuckDB read error to an InputError at the exact line, column and value. */
async function rethrowReadError(source: Source, binding: Binding | null, err: unknown): Promise<never> {
  if (err instanceof RebuyError) throw err;
  const message = err instanceof Error ? err.message : String(err);
  if (source.format === 'parquet') throw inputError(`could not read: ${firstLineOf(err)}`, { file: source.path }, err);
  const duckLine = Number(/CSV Error on Line: (\d+)/.exec(message)?.[1] ?? NaN);
  const ragged = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(message);
  const conversion = /Error when converting column "c(\d+)"\. Could not convert string "([\s\S]*)" to '/.exec(message);
  const found = await findRecord(source, (fields, valid) => {
    if (!valid) return true;
    if (ragged) return fields.length !== source.labels.length;
    if (conversion) return fields[Number(conversion[1])] === conversion[2];
    return false;
  });
  if (found && !found.valid) throw notUtf8(source.path, found.record, labelsOf(source, binding));
  const loc = { file: source.path, line: found?.record.line ?? (Number.isNaN(duckLine) ? undefined : duckLine) };
  if (ragged) {
    const expected = source.labels.length;
    const fields = found?.fields ?? [];
    const count = found ? fields.length : Number(ragged[2]);
    const column = count < expected ? labelsOf(source, binding)[count] : undefined;
    const value = count > expected ? fields.slice(expected).join(',') : fields.join(',');
    throw inputError(`${count > expected ? 'too many' : 'too few'} fields: ${count}, expected ${expected}`, { ...loc, column, value }, err);
  }
  if (conversion) {
    const col = labelsOf(source, binding)[Number(conversion[1])]!;
    const isTarget = binding?.target?.index === Number(conversion[1]);
    throw inputError(isTarget ? 'target must be 0 or 1' : 'not a number', { ...loc, column: col, value: conversion[2]! }, err);
  }
  const changed = /invalid state/.test(message) ? await lineEndingChange(source.path) : null;
  if (changed !== null) throw inputError('mixed line endings (LF and CRLF) in one file', { file: source.path, line: changed }, err);
  throw inputError(`could not parse the CSV: ${duckdbReason(message)}`, loc, err);
}

/** The sentence in a DuckDB CSV error that says what is wrong (after the echoed line). */
function duckdbReason(message: string): string {
  const body = message.split(/\n\s*(?:Possible (?:fixes|Solution)|file = )/)[0] ?? message;
  const lines = body.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('Original Line'));
  return (lines[lines.length - 1] ?? message).replace(/^[A-Za-z ]*Error: /, '');
}

/** Column names for messages: the bound ones (canonical for a header-less Audiobooks file), else the file's. */
function labelsOf(source: Source, binding: Binding | null): string[] {
  const labels = [...source.labels];
  if (binding) for (const col of outputColumns(binding)) labels[col.index] = col.label;
  return labels;
}

function notUtf8(path: string, record: RawRecord, labels: readonly string[] = []): RebuyError {
  const fields = splitFields(decodeText(record.bytes));
  const bad = fields.findIndex((f) => f.includes('\uFFFD'));
  return inputError('bytes that are not UTF-8 text', {
    file: path,
    line: record.line,
    column: bad >= 0 ? (labels[bad] ?? `column${bad + 1}`) : undefined,
    value: bad >= 0 ? fields[bad] : decodeText(record.bytes),
  });
}

/** The first data record (or any record with bad bytes) that matches. */
async function findRecord(
  source: Source,
  matches: (fields: string[], valid: boolean) => boolean,
): Promise<{ record: RawRecord; fields: string[]; valid: boolean } | null> {
  let isHeader = source.hasHeader;
  for await (const record of rawRecords(source.path)) {
    const valid = isUtf8(record.bytes);
    const fields = splitFields(decodeText(record.bytes));
    if ((!isHeader || !valid) && matches(fields, valid)) return { record, fields, valid };
    isHeader = false;
  }
  return null;
}

function firstLineOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return (message.split('\n')[0] ?? '').replace(/^[A-Za-z ]*Error: /, '');
}

// ---------------------------------------------------------------------------------------------
// A minimal CSV record scanner (for the header and for locating problems)

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const NEWLINE = Buffer.from('\n');
const decoder = new TextDecoder('utf-8');

async function firstRecord(path: string): Promise<RawRecord | null> {
  for await (const record of rawRecords(path)) return record;
  return null;
}

/** Physical lines, without the LF; `crlf` tells whether the line ended in CRLF (null: no line end). */
async function* physicalLines(path: string): AsyncGenerator<{ bytes: Buffer; crlf: boolean | null }> {
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const data = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let nl = data.indexOf(LF, start); nl >= 0; nl = data.indexOf(LF, start)) {
      const crlf = nl > start && data[nl - 1] === CR;
      yield { bytes: data.subarray(start, crlf ? nl - 1 : nl), crlf };
      start = nl + 1;
    }
    rest = Buffer.from(data.subarray(start));
  }
  if (rest.length > 0) yield { bytes: rest, crlf: null };
}

/** The first line that ends differently (LF vs CRLF) from line 1, or null. */
async function lineEndingChange(path: string): Promise<number | null> {
  let line = 0;
  let first: boolean | null = null;
  for await (const { crlf } of physicalLines(path)) {
    line++;
    if (crlf === null) continue;
    if (first === null) first = crlf;
    else if (crlf !== first) return line;
  }
  return null;
}

/** Records: physical lines joined while a quoted field is open; blank lines skipped (as DuckDB does). */
async function* rawRecords(path: string): AsyncGenerator<RawRecord> {
  let line = 0;
  let parts: Buffer[] = [];
  let startLine = 0;
  let quotes = 0;
  for await (const { bytes: physical } of physicalLines(path)) {
    line++;
    if (parts.length === 0) {
      if (physical.length === 0) continue;
      startLine = line;
    } else {
      parts.push(NEWLINE);
    }
    parts.push(physical);
    quotes += countByte(physical, QUOTE);
    if (quotes % 2 === 0) {
      yield { line: startLine, bytes: stripBom(Buffer.concat(parts), startLine) };
      parts = [];
      quotes = 0;
    }
  }
  if (parts.length > 0) yield { line: startLine, bytes: stripBom(Buffer.concat(parts), startLine) };
}

function stripBom(bytes: Buffer, line: number): Buffer {
  return line === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
}

function countByte(bytes: Buffer, byte: number): number {
  let n = 0;
  for (let i = bytes.indexOf(byte); i >= 0; i = bytes.indexOf(byte, i + 1)) n++;
  return n;
}

function decodeText(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Splits one CSV record into fields (RFC 4180 quoting, `""` inside quotes is a quote). */
export function splitFields(text: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let value = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const close = text.indexOf('"', i);
        if (close < 0) {
          value += text.slice(i);
          i = text.length;
          break;
        }
        value += text.slice(i, close);
        if (text[close + 1] === '"') {
          value += '"';
          i = close + 2;
        } else {
          i = close + 1;
          break;
        }
      }
    }
    const comma = text.indexOf(',', i);
    fields.push(value + text.slice(i, comma < 0 ? text.length : comma));
    if (comma < 0) return fields;
    i = comma + 1;
  }
}
