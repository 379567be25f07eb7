/**
 * Runs a compiled scoring statement in DuckDB and hands back its rows. Thin on purpose: the SQL does
 * the scoring; this only moves the result into typed rows.
 */
import { DuckDBInstance, type DuckDBConnection } from '../data/duckdb.js';
import { inputError } from '../errors.js';

export interface EngineScoredRow {
  id: string;
  probability: number;
  label: 0 | 1;
  /** Present when the statement was compiled with rank. */
  rank?: number;
}

function toNumber(value: unknown, column: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  throw inputError(`the scoring statement returned a non-number ${column}`, { column });
}

/** Runs `sql` (one statement returning id, probability, label[, rank]) on the connection. */
export async function runScoringSql(connection: DuckDBConnection, sql: string): Promise<EngineScoredRow[]> {
  const reader = await connection.runAndReadAll(sql).catch((err: unknown) => {
    throw explainEngineError(err);
  });
  return reader.getRowObjectsJS().map((row) => ({
    id: String(row.id),
    probability: toNumber(row.probability, 'probability'),
    label: toNumber(row.label, 'label') === 1 ? 1 : 0,
    ...(row.rank !== undefined && { rank: toNumber(row.rank, 'rank') }),
  }));
}

/** An in-memory DuckDB connection (or one on a database file) with its closer. */
export async function openDuckDb(path = ':memory:'): Promise<{ connection: DuckDBConnection; close: () => void }> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  return {
    connection,
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/**
 * DuckDB's message, as the user's input error: the statement is compiled from a verified bundle, so
 * a failure comes from the scored table (a missing column, a value that is not a number).
 */
function explainEngineError(err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  const missing = /Referenced column "((?:[^"]|"")+)" not found/.exec(message)?.[1]?.replaceAll('""', '"');
  if (missing !== undefined) return inputError('the scored table has no such column; the model needs it', { column: missing }, err);
  return inputError(`DuckDB could not score the table: ${message.split('\n')[0]}`, {}, err);
}
