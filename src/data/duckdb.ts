/**
 * DuckDB's Node API, loaded with require(). Imported as an ES module, Node would first scan its many
 * CommonJS files for their export names, at the start of every command.
 */
import { createRequire } from 'node:module';
import type * as DuckDBApi from '@duckdb/node-api';

const api = createRequire(import.meta.url)('@duckdb/node-api') as typeof DuckDBApi;

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
