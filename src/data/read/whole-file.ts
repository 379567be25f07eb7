/**
 * A file's rows as one DuckDB query, for SQL that DuckDB runs over the whole file (`rebuy score
 * --path sql`, `--engine duckdb --in`), refusing what streamTable refuses: a value the model cannot
 * take stops the query (DuckDB's error()), and the rows DuckDB read are checked against the file's.
 * Every failure becomes the error streamTable gives, naming the line, column and value.
 */
import { RebuyError, internalError } from '../../errors.js';
import type { TableSchema } from '../../core/schema.js';
import { isOutOfMemory, sqlIdent, sqlString, type DuckDBConnection } from '../duckdb.js';
import { bindToSchema, outputColumns, type Binding } from './binding.js';
import { errorReadingInOrder, failAtFirstProblem, failOnRows, failRowCountMismatch } from './first-problem.js';
import { startCountingRows } from './row-count.js';
import { noDataRows, openSource, type CsvDialect, type Source } from './source.js';
import { rowIsGood, selectSql } from './sql.js';

export interface WholeFileQuery {
  source: Source;
  /** The rows under the schema's column names, in file order. */
  query: string;
  /** Throws the input error behind a failed query: the first problem in the file, in file order. */
  fail(err: unknown): Promise<never>;
  /** Throws unless `rows`, what the query delivered, are all of the file's data rows (and there are some). */
  verify(rows: number): Promise<void>;
}

const BAD_VALUE = 'rebuy: a value the model cannot take';

function guarded(source: Source, binding: Binding, parallel?: boolean): string {
  return `SELECT * FROM (${selectSql(source, binding, { parallel })}) WHERE CASE WHEN ${rowIsGood(binding)} THEN true ELSE error(${sqlString(BAD_VALUE)}) END`;
}

export async function wholeFileQuery(con: DuckDBConnection, path: string, schema: TableSchema, dialect: CsvDialect = {}): Promise<WholeFileQuery> {
  const source = await openSource(path, dialect);
  // The target column, where the file has one, is not read: scoring does not need it.
  const binding: Binding = { ...bindToSchema(source, schema), target: null };
  const outputs = outputColumns(binding);
  const named = outputs.map((col, i) => `o${i} AS ${sqlIdent(col.key)}`);
  const count = await startCountingRows(con, source);
  return {
    source,
    query: `SELECT ${named.join(', ')} FROM (${guarded(source, binding)}) AS file_rows`,
    async fail(err) {
      if (err instanceof RebuyError || isOutOfMemory(err)) throw err;
      // A parallel read stops at whichever problem a thread met first: one thread finds the file's first.
      const first = (await errorReadingInOrder(con, guarded(source, binding, false), outputs.length)) ?? err;
      if (!String(first instanceof Error ? first.message : first).includes(BAD_VALUE)) {
        return failAtFirstProblem(con, source, binding, first, { readInOrder: false });
      }
      const numbered = `SELECT r FROM (SELECT row_number() OVER () - 1 AS r, * FROM (${selectSql(source, binding, { parallel: false })})) WHERE NOT (${rowIsGood(binding)}) LIMIT 1`;
      const row = Number((await con.runAndReadAll(numbered)).getRows()[0]?.[0] ?? Number.NaN);
      if (Number.isInteger(row)) await failOnRows(con, source, binding, row, 1);
      throw internalError(`${source.path}: DuckDB refused a value the model cannot take, but the row holding it was not found`, err);
    },
    async verify(rows) {
      const expected = await count.rows;
      if (rows !== expected) await failRowCountMismatch(con, source, binding, rows, expected);
      if (rows === 0) throw noDataRows(source);
    },
  };
}
