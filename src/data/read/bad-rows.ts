/**
 * Skipping bad rows (scoring with `skipBadRows`): every row the model cannot take, with its line,
 * column, value and the reason in the words a failed read would use, found in passes of their own
 * before the good rows stream. DuckDB records the rows it cannot parse in its reject table; rows
 * that parse but hold values the model cannot take are found by a query, and their lines by one
 * re-read of the file.
 */
import type { DuckDBConnection } from '../duckdb.js';
import { outputColumns, type Binding } from './binding.js';
import { badNumberProblem } from './columns.js';
import { decodeText, splitFields } from './csv-scanner.js';
import { recordsOf, type Source } from './source.js';
import { goodValueSql, selectSql } from './sql.js';

export interface BadRow {
  /** File line (Parquet: row number). */
  line: number;
  /** The column's name as the file gives it, when one column is to blame. */
  column: string | null;
  value: string | null;
  reason: string;
}

/** DuckDB's reject types in the words rebuy's messages use. */
function rejectReason(type: string, message: string, value: string | null, source: Source, expected: number): string {
  if (type === 'CAST') return badNumberProblem(value ?? '', source.decimal);
  if (type === 'MISSING COLUMNS' || type === 'TOO MANY COLUMNS') {
    const found = /Found: (\d+)/.exec(message)?.[1] ?? '?';
    return `${type === 'MISSING COLUMNS' ? 'too few' : 'too many'} fields: ${found}, expected ${expected}`;
  }
  if (type === 'INVALID ENCODING' || type === 'INVALID UNICODE') return 'bytes that are not UTF-8 text';
  if (type === 'LINE SIZE OVER MAXIMUM') return 'field too long: the line is longer than a line may be';
  return message.split('\n')[0] ?? type;
}

export async function findBadRows(con: DuckDBConnection, source: Source, binding: Binding): Promise<BadRow[]> {
  const outputs = outputColumns(binding);
  const rejected = source.format === 'csv' ? await rejectedRows(con, source, binding) : [];
  const skippedLines = new Set(rejected.map((r) => r.line));
  const good = goodValueSql(binding);
  const checks = good.map((ok, i) => `NOT (${ok}) AS bad${i}`).join(', ');
  const values = outputs.map((_, i) => `CAST(o${i} AS VARCHAR) AS v${i}`).join(', ');
  const scan = source.format === 'csv' ? { parallel: false, skipBadRows: true } : {};
  const reader = await con.runAndReadAll(
    `SELECT r, ${checks}, ${values} FROM (SELECT row_number() OVER () AS r, * FROM (${selectSql(source, binding, scan)})) ` +
      `WHERE NOT (${good.join(' AND ')}) ORDER BY r`,
  );
  const found: { row: number; column: number }[] = reader.getRows().map((row) => ({
    row: Number(row[0]),
    column: outputs.findIndex((_, i) => row[1 + i] === true),
  }));
  const lines = source.format === 'csv' ? await linesOfAcceptedRows(source, found.map((f) => f.row), skippedLines) : null;
  const bad = found.map(({ row, column }, k): BadRow => {
    const col = outputs[column]!;
    const at = lines?.get(row);
    const value = at ? (at.fields[col.index] ?? '') : String(reader.getRows()[k]![1 + outputs.length + column] ?? '');
    const reason = col.role === 'id' ? 'missing customer ID' : badNumberProblem(value, source.decimal);
    return { line: at?.line ?? row, column: col.label, value, reason };
  });
  return [...rejected, ...bad].sort((a, b) => a.line - b.line);
}

/** Rows DuckDB could not parse, one per line (its first error there). */
async function rejectedRows(con: DuckDBConnection, source: Source, binding: Binding): Promise<BadRow[]> {
  const outputs = outputColumns(binding);
  const touched = outputs.map((_, i) => `o${i}`).join(', ');
  // Every column is read (hashed), or DuckDB would skip converting the ones a count does not need.
  await con.run(`SELECT count(*), sum(hash(${touched})) FROM (${selectSql(source, binding, { parallel: false, skipBadRows: true, storeRejects: true })})`);
  const reader = await con.runAndReadAll(
    'SELECT line, column_name, error_type, csv_line, error_message FROM reject_errors ORDER BY line, column_idx',
  );
  const labels = [...source.labels];
  for (const col of outputs) labels[col.index] = col.label;
  const byLine = new Map<number, BadRow>();
  for (const [line, columnName, type, csvLine, message] of reader.getRows()) {
    const n = Number(line);
    if (byLine.has(n)) continue;
    const index = typeof columnName === 'string' && /^c\d+$/.test(columnName) ? Number(columnName.slice(1)) : -1;
    const fields = typeof csvLine === 'string' ? splitFields(csvLine, source.delimiter) : [];
    const value = index >= 0 ? (fields[index] ?? null) : typeof csvLine === 'string' ? csvLine : null;
    const reason = rejectReason(String(type), String(message), value, source, source.labels.length);
    const column = String(type) === 'TOO MANY COLUMNS' ? null : index >= 0 ? (labels[index] ?? null) : null;
    byLine.set(n, { line: n, column, value: String(type) === 'MISSING COLUMNS' ? null : value, reason });
  }
  return [...byLine.values()];
}

/** File line and fields of the accepted rows numbered `rows` (1-based, counting only rows not skipped). */
async function linesOfAcceptedRows(
  source: Source,
  rows: readonly number[],
  skippedLines: ReadonlySet<number>,
): Promise<Map<number, { line: number; fields: string[] }>> {
  const wanted = new Set(rows);
  const out = new Map<number, { line: number; fields: string[] }>();
  if (wanted.size === 0) return out;
  let accepted = 0;
  let isHeader = source.hasHeader;
  for await (const record of recordsOf(source)) {
    if (isHeader) {
      isHeader = false;
      continue;
    }
    if (skippedLines.has(record.line)) continue;
    accepted++;
    if (wanted.has(accepted)) {
      out.set(accepted, { line: record.line, fields: splitFields(decodeText(record.bytes), source.delimiter) });
      if (out.size === wanted.size) break;
    }
  }
  return out;
}
