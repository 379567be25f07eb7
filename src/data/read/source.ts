/** The file being read: its format, column labels, whether it has a header, and its records. */
import { isUtf8 } from 'node:buffer';
import { stat } from 'node:fs/promises';
import { sqlString } from '../duckdb.js';
import { RebuyError, fileNotFound, inputError, malformedInput } from '../../errors.js';
import { headerlessNames, looksLikeHeader } from '../schema.js';
import { withConnection } from './connection.js';
import { QUOTE, decodeText, fileHasByte, firstRecord, rawRecords, splitFields, type RawRecord } from './csv-scanner.js';

export interface Source {
  path: string;
  format: 'csv' | 'parquet';
  /** Column names as the file gives them (header-less CSV: column1, column2, …). */
  labels: string[];
  hasHeader: boolean;
  /** Parquet: DuckDB type per column. */
  types: string[] | null;
  /** File line of the first data row (Parquet: 1, so "line" means row number). */
  firstDataLine: number;
  /** CSV: no quote character anywhere, so no quoted line breaks: DuckDB may read it in parallel. */
  parallel: boolean;
}

/** Checks that the file is there and not empty, then reads what it says of itself: a CSV's first record or a Parquet schema. */
export async function openSource(path: string): Promise<Source> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw fileNotFound(path);
    throw err;
  });
  if (!info.isFile()) throw inputError('not a regular file', { file: path });
  if (info.size === 0) throw malformedInput('the file is empty', { file: path, line: 1 });
  return /\.(parquet|pq)$/i.test(path) ? openParquet(path) : openCsv(path);
}

async function openCsv(path: string): Promise<Source> {
  const first = await firstRecord(path);
  if (!first) throw malformedInput('the file is empty', { file: path, line: 1 });
  if (first.line !== 1) throw malformedInput('the first line is empty (expected a header or a data row)', { file: path, line: 1 });
  if (!isUtf8(first.bytes)) throw notUtf8(path, first);
  const fields = splitFields(decodeText(first.bytes));
  const hasHeader = looksLikeHeader(fields);
  const quoted = await fileHasByte(path, QUOTE);
  return {
    path,
    format: 'csv',
    labels: hasHeader ? fields.map((f, i) => (f.trim() === '' ? `column${i + 1}` : f)) : headerlessNames(fields.length),
    hasHeader,
    types: null,
    firstDataLine: hasHeader ? 2 : 1,
    parallel: !quoted,
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
      parallel: true,
    };
  });
}

/** Records as DuckDB sees them: blank lines are skipped, except in a one-column file. */
export function recordsOf(source: Source): AsyncGenerator<RawRecord> {
  return rawRecords(source.path, source.labels.length > 1);
}

export function notUtf8(path: string, record: RawRecord, labels: readonly string[] = []): RebuyError {
  const fields = splitFields(decodeText(record.bytes));
  const bad = fields.findIndex((f) => f.includes('\uFFFD'));
  return malformedInput('bytes that are not UTF-8 text', {
    file: path,
    line: record.line,
    column: bad >= 0 ? (labels[bad] ?? `column${bad + 1}`) : undefined,
    value: bad >= 0 ? fields[bad] : decodeText(record.bytes),
  });
}

export function noDataRows(source: Source): RebuyError {
  return inputError('no data rows (only a header)', { file: source.path, line: source.firstDataLine });
}

export function firstLineOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return (message.split('\n')[0] ?? '').replace(/^[A-Za-z ]*Error: /, '');
}
