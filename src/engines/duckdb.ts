/**
 * Runs a compiled scoring statement in DuckDB and hands back its rows. Thin on purpose: the SQL does
 * the scoring; this only moves the result into typed rows.
 */
import { DuckDBInstance, sqlIdent, sqlString, type DuckDBConnection } from '../data/duckdb.js';
import { inputError } from '../errors.js';
import { parseTableName, stagingName, withTicks, type TableEngine } from './table-engine.js';

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
function explainEngineError(err: unknown, describe = 'DuckDB'): Error {
  const message = err instanceof Error ? err.message : String(err);
  const missing = /Referenced column "((?:[^"]|"")+)" not found/.exec(message)?.[1]?.replaceAll('""', '"');
  if (missing !== undefined) return inputError(`${describe}: the scored table has no such column; the model needs it`, { column: missing }, err);
  return inputError(`${describe} could not score the table: ${message.split('\n')[0]}`, {}, err);
}

const DUCKDB_NUMBER = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/;

/** A DuckDB connection as a table engine (see table-engine.ts); `describe` names the database in messages. */
export function duckDbTableEngine(connection: DuckDBConnection, describe: string, close: () => void): TableEngine {
  return {
    describe,
    async columnsOf(table) {
      const { schema, name } = parseTableName(table);
      const reader = await connection.runAndReadAll(
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ${sqlString(name)}${schema === null ? '' : ` AND table_schema = ${sqlString(schema)}`} ORDER BY ordinal_position`,
      );
      const rows = reader.getRows();
      if (rows.length === 0) return null;
      return rows.map(([column, type]) => ({ name: String(column), type: String(type), numeric: DUCKDB_NUMBER.test(String(type)) }));
    },
    async replaceTable(target, select, onProgress) {
      const table = parseTableName(target);
      const qualify = (name: string) => (table.schema === null ? sqlIdent(name) : `${sqlIdent(table.schema)}.${sqlIdent(name)}`);
      const staging = stagingName(table);
      const started = performance.now();
      await connection.run('SET enable_progress_bar = true; SET enable_progress_bar_print = false');
      await connection.run('BEGIN TRANSACTION');
      try {
        const tick = () => {
          const { percentage } = connection.progress;
          onProgress?.({ seconds: (performance.now() - started) / 1000, fraction: percentage >= 0 ? percentage / 100 : null });
        };
        await withTicks(connection.run(`CREATE TABLE ${qualify(staging)} AS ${select}`), tick);
        const count = await connection.runAndReadAll(`SELECT count(*) FROM ${qualify(staging)}`);
        await connection.run(`DROP TABLE IF EXISTS ${qualify(table.name)}`);
        await connection.run(`ALTER TABLE ${qualify(staging)} RENAME TO ${sqlIdent(table.name)}`);
        await connection.run('COMMIT');
        return Number(count.getRows()[0]![0]);
      } catch (err) {
        await connection.run('ROLLBACK').catch(() => {});
        throw explainEngineError(err, describe);
      }
    },
    async firstRow(select) {
      const reader = await connection.runAndReadAll(select).catch((err: unknown) => {
        throw explainEngineError(err, describe);
      });
      return reader.getRowsJS()[0] ?? null;
    },
    close: async () => close(),
  };
}
