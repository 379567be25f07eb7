/**
 * DuckDB's Node API, loaded with require() from one file the build bundles it into (build/duckdb.cjs):
 * the package ships as nearly two hundred CommonJS modules, and finding and loading them one by one
 * slowed the start of every command; imported as an ES module, Node would also scan the file for its
 * export names. Tests load the package itself through the same file (vitest.config.ts).
 */
import { createRequire } from 'node:module';
import type * as DuckDBApi from '@duckdb/node-api';

const api = createRequire(import.meta.url)('#duckdb') as typeof DuckDBApi;

export const { DuckDBDataChunk, DuckDBInstance, FLOAT, VARCHAR } = api;
export type DuckDBDataChunk = DuckDBApi.DuckDBDataChunk;
export type DuckDBInstance = DuckDBApi.DuckDBInstance;
export type { DuckDBAppender, DuckDBConnection, DuckDBVector } from '@duckdb/node-api';

/** A text as an SQL string literal: 'it''s'. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A name as an SQL identifier: "say ""hi""". */
export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
