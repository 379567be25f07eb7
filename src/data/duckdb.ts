/**
 * DuckDB's Node API, loaded with require() from one file the build bundles it into (build/duckdb.cjs):
 * the package ships as nearly two hundred CommonJS modules, and finding and loading them one by one
 * slowed the start of every command; imported as an ES module, Node would also scan the file for its
 * export names. Tests load the package itself through the same file (vitest.config.ts).
 */
import { createRequire } from 'node:module';
import type * as DuckDBApi from '@duckdb/node-api';
import { FORMULA_START, PLAIN_NUMBER } from '../core/csv.js';

const api = createRequire(import.meta.url)('#duckdb') as typeof DuckDBApi;

export const { DuckDBDataChunk, DuckDBInstance, FLOAT, VARCHAR } = api;
export type DuckDBDataChunk = DuckDBApi.DuckDBDataChunk;
export type DuckDBInstance = DuckDBApi.DuckDBInstance;
export type { DuckDBAppender, DuckDBConnection, DuckDBVector } from '@duckdb/node-api';

/** A text as an SQL string literal: 'it''s'. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** The characters FORMULA_START matches (all ASCII), as code points for DuckDB's ascii(). */
const FORMULA_CODES = Array.from({ length: 128 }, (_, code) => code).filter((code) => new RegExp(FORMULA_START).test(String.fromCharCode(code)));

/**
 * A text column as a CSV cell a spreadsheet shows as text (named `column` again): an apostrophe before
 * a leading =, +, -, @, tab or CR, unless the text is a plain number (as the web page's contact list does).
 * The first character is tested by its code point: a regular expression per row cost a fifth of writing the file.
 */
export function spreadsheetSafeSql(column: string): string {
  return `CASE WHEN ascii(${column}) IN (${FORMULA_CODES.join(', ')}) AND NOT regexp_matches(${column}, ${sqlString(PLAIN_NUMBER)})
          THEN '''' || ${column} ELSE ${column} END AS ${column}`;
}

/** A name as an SQL identifier: "say ""hi""". */
export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Whether DuckDB failed for want of memory within its limit (it says so in two ways). */
export function isOutOfMemory(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /Out of Memory Error|could not allocate block of size|failed to pin block of size/.test(message);
}
