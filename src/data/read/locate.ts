/**
 * Finding the exact file line, column and raw value of a problem: by re-reading the file's records
 * in order (only on an error path), and turning a DuckDB read error into an error that names them.
 * DuckDB's reject tables (store_rejects) cannot stand in: after a quoted line break their line is
 * a record number, not the file's line, and they record neither bad UTF-8 nor mixed line endings.
 */
import { isUtf8 } from 'node:buffer';
import { RebuyError, inputError, malformedInput } from '../../errors.js';
import { sqlIdent } from '../duckdb.js';
import { outputColumns, separatorHint, type Binding, type BoundColumn } from './binding.js';
import { badNumberProblem } from './columns.js';
import { withConnection } from './connection.js';
import { MAX_RECORD_BYTES, QUOTE, countByte, decodeText, endsInsideQuotes, lineEndingChange, splitFields, type RawRecord } from './csv-scanner.js';
import { firstLineOf, notUtf8, recordTooLong, recordsOf, type Source } from './source.js';
import { parquetReader } from './sql.js';

export async function lineOf(source: Source, row: number): Promise<number> {
  if (source.format === 'parquet') return row + 1;
  return (await recordOfRow(source, row))?.line ?? source.firstDataLine + row;
}

export async function locateValue(source: Source, row: number, col: BoundColumn): Promise<{ line: number; value: string }> {
  if (source.format === 'parquet') return { line: row + 1, value: await parquetValue(source, row, col) };
  const record = await recordOfRow(source, row);
  if (!record) return { line: source.firstDataLine + row, value: '' };
  return { line: record.line, value: splitFields(decodeText(record.bytes), source.delimiter)[col.index] ?? '' };
}

async function recordOfRow(source: Source, row: number): Promise<RawRecord | null> {
  let index = source.hasHeader ? -1 : 0;
  for await (const record of recordsOf(source)) {
    if (index === row) return record;
    index++;
  }
  return null;
}

/** The first record whose quotes do not balance: it ran to the end of the file. */
export async function firstOpenQuote(source: Source): Promise<RawRecord | null> {
  for await (const record of recordsOf(source)) {
    if (countByte(record.bytes, QUOTE) % 2 === 1 || endsInsideQuotes(record.bytes, source.delimiter)) return record;
  }
  return null;
}

/** How many data records start before file line `line`. */
export async function dataRowsBefore(source: Source, line: number): Promise<number> {
  if (source.format === 'parquet') return line - 1;
  let rows = source.hasHeader ? -1 : 0;
  for await (const record of recordsOf(source)) {
    if (record.line >= line) break;
    rows++;
  }
  return Math.max(0, rows);
}

async function parquetValue(source: Source, row: number, col: BoundColumn): Promise<string> {
  return withConnection(async (con) => {
    const sql = `SELECT CAST(${sqlIdent(col.label)} AS VARCHAR) FROM ${parquetReader(source)} LIMIT 1 OFFSET ${row}`;
    const value = (await con.runAndReadAll(sql)).getRows()[0]?.[0];
    return value === null || value === undefined ? '' : String(value);
  });
}

/** An InputError for a DuckDB read error, at the exact line, column and value. */
export async function readError(source: Source, binding: Binding | null, err: unknown): Promise<RebuyError> {
  if (err instanceof RebuyError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (source.format === 'parquet') return inputError(`could not read: ${firstLineOf(err)}`, { file: source.path }, err);
  const labels = labelsOf(source, binding);
  if (/Maximum line size/.test(message)) {
    const long = await findRecord(source, (_fields, valid, record) => !valid || record.length > MAX_RECORD_BYTES);
    if (long && !long.valid) return notUtf8(source.path, long.record, labels, source.delimiter);
    if (long) return recordTooLong(source.path, long.record, source.delimiter, labels);
  }
  const duckLine = Number(/CSV Error on Line: (\d+)/.exec(message)?.[1] ?? NaN);
  const ragged = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(message);
  const conversion = /Error when converting column "c(\d+)"\. Could not convert string "([\s\S]*)" to '/.exec(message);
  // A record past the line limit comes first whatever DuckDB said: its cut fields would miscount.
  const found = await findRecord(source, (fields, valid, record) => {
    if (!valid || record.length > MAX_RECORD_BYTES) return true;
    if (ragged) return fields.length !== source.labels.length;
    if (conversion) return fields[Number(conversion[1])] === conversion[2];
    return false;
  });
  if (found && !found.valid) return notUtf8(source.path, found.record, labels, source.delimiter);
  if (found && found.record.length > MAX_RECORD_BYTES) return recordTooLong(source.path, found.record, source.delimiter, labels);
  const loc = { file: source.path, line: found?.record.line ?? (Number.isNaN(duckLine) ? undefined : duckLine) };
  if (ragged) {
    const expected = source.labels.length;
    const fields = found?.fields ?? [];
    const count = found ? fields.length : Number(ragged[2]);
    const column = count < expected ? labels[count] : undefined;
    const value = count > expected ? fields.slice(expected).join(source.delimiter) : fields.join(source.delimiter);
    const problem = `${count > expected ? 'too many' : 'too few'} fields: ${count}, expected ${expected}${separatorHint(source)}`;
    return malformedInput(problem, { ...loc, column, value }, err);
  }
  if (conversion) {
    const index = Number(conversion[1]);
    const problem = binding?.target?.index === index ? 'target must be 0 or 1' : badNumberProblem(conversion[2]!, source.decimal);
    return inputError(problem, { ...loc, column: labels[index]!, value: conversion[2]! }, err);
  }
  const changed = /invalid state/.test(message) ? await lineEndingChange(source.path) : null;
  if (changed !== null) return inputError('mixed line endings (LF and CRLF) in one file', { file: source.path, line: changed }, err);
  return malformedInput(`could not parse the CSV: ${duckdbReason(message)}`, loc, err);
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

/** The first data record (or any record with bad bytes) that matches. */
async function findRecord(
  source: Source,
  matches: (fields: string[], valid: boolean, record: RawRecord) => boolean,
): Promise<{ record: RawRecord; fields: string[]; valid: boolean } | null> {
  let isHeader = source.hasHeader;
  for await (const record of recordsOf(source)) {
    const valid = isUtf8(record.bytes);
    const fields = splitFields(decodeText(record.bytes), source.delimiter);
    if ((!isHeader || !valid) && matches(fields, valid, record)) return { record, fields, valid };
    isHeader = false;
  }
  return null;
}
