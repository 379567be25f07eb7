/**
 * When a read fails or delivers too few rows: the first problem in the file, in file order, as
 * an error naming its line, column and value.
 */
import { isOutOfMemory, type DuckDBConnection } from '../duckdb.js';
import { RebuyError, internalError, malformedInput } from '../../errors.js';
import { outputColumns, type Binding } from './binding.js';
import { collect } from './columns.js';
import { decodeText } from './csv-scanner.js';
import { dataRowsBefore, firstOpenQuote, readError } from './locate.js';
import type { Source } from './source.js';
import { profileSql, selectSql } from './sql.js';
import { failOnRowValues } from './validate.js';

/**
 * Runs a query to the end and returns its error, if any. With `nOutputs`, it reads `o0…` of
 * each row (so every value is converted) but keeps one row in memory.
 */
export async function errorReadingInOrder(con: DuckDBConnection, sql: string, nOutputs = 0): Promise<unknown> {
  const touched = Array.from({ length: nOutputs }, (_, i) => `o${i}`).join(', ');
  try {
    await con.run(nOutputs > 0 ? `SELECT count(*), sum(hash(${touched})) FROM (${sql})` : sql);
    return null;
  } catch (err) {
    return err;
  }
}

/**
 * DuckDB stopped on a bad line. Throws the first problem in the file: DuckDB's (re-read in order
 * when the failed read ran in parallel), or a bad value on a row from `checkRowsFrom` up to it.
 */
export async function failAtFirstProblem(
  con: DuckDBConnection,
  source: Source,
  binding: Binding | null,
  err: unknown,
  { readInOrder = source.parallel, checkRowsFrom }: { readInOrder?: boolean; checkRowsFrom?: number } = {},
): Promise<never> {
  // Memory, not the file, ran out: the caller says how to give more.
  if (err instanceof RebuyError || isOutOfMemory(err)) throw err;
  let cause = err;
  if (readInOrder && source.format === 'csv') {
    const sql = binding ? selectSql(source, binding, { parallel: false }) : profileSql({ ...source, parallel: false });
    cause = (await errorReadingInOrder(con, sql, binding ? outputColumns(binding).length : 0)) ?? err;
  }
  const problem = await readError(source, binding, cause);
  if (checkRowsFrom !== undefined && binding && problem.location.line !== undefined) {
    await failOnRowsBetween(con, source, binding, checkRowsFrom, problem.location.line);
  }
  throw problem;
}

/**
 * Checks the values of the rows from `fromRow` up to file line `line` (they parse: DuckDB failed
 * only at `line`, and skips it here), throwing their first problem.
 */
async function failOnRowsBetween(con: DuckDBConnection, source: Source, binding: Binding, fromRow: number, line: number): Promise<void> {
  await failOnRows(con, source, binding, fromRow, (await dataRowsBefore(source, line)) - fromRow);
}

/** Checks the values of `rows` data rows from `fromRow` (rows that parse), throwing their first problem. */
export async function failOnRows(con: DuckDBConnection, source: Source, binding: Binding, fromRow: number, rows: number): Promise<void> {
  if (rows <= 0) return;
  const sql = selectSql(source, binding, { parallel: false, offset: fromRow, limit: rows, skipBadRows: true });
  const result = await con.run(sql).catch(() => null);
  if (result) await failOnRowValues(source, binding, collect(binding, result, fromRow), fromRow);
}

/**
 * DuckDB delivered `rowsRead` rows of `expectedRows`: a stream stopped on an error it did not report,
 * or (one thread) DuckDB dropped a field left open by a quote. Throws the first problem.
 */
export async function failRowCountMismatch(
  con: DuckDBConnection,
  source: Source,
  binding: Binding,
  rowsRead: number,
  expectedRows: number,
): Promise<never> {
  const err = await errorReadingInOrder(con, selectSql(source, binding, { parallel: false }), outputColumns(binding).length);
  if (err) await failAtFirstProblem(con, source, binding, err, { readInOrder: false, checkRowsFrom: rowsRead });
  const open = source.format === 'csv' ? await firstOpenQuote(source) : null;
  if (open) {
    const value = decodeText(open.bytes).split('\n')[0]!;
    throw malformedInput('a quote opens a field that is not closed on this line (unbalanced quotes)', { file: source.path, line: open.line, value });
  }
  throw internalError(`${source.path}: read ${rowsRead} rows, but the file has ${expectedRows}`);
}
