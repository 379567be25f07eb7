/**
 * PostgreSQL through the `pg` driver: the server runs the compiled statement; rows come back only
 * when asked (runScoringQuery), and scoring into a table moves none through this process.
 */
import pg from 'pg';
import { inputError, RebuyError } from '../errors.js';
import type { EngineScoredRow } from './duckdb.js';
import { parseTableName, stagingName, withTicks, type TableEngine } from './table-engine.js';

const POSTGRES_NUMBER = /^(smallint|integer|bigint|real|double precision|numeric|decimal)$/;

/** The connection string without its password, to name the engine in a message. */
export function describePostgres(url: string): string {
  try {
    const u = new URL(url);
    return `PostgreSQL at ${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return 'PostgreSQL';
  }
}

/** Connects; an engine that cannot be reached is the user's (or the machine's) problem, named. */
export async function connectPostgres(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 15_000 });
  // A connection the server drops later would otherwise be an unhandled 'error' event.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    const reason = err instanceof Error ? (err.message || (err as NodeJS.ErrnoException).code) : String(err);
    throw new RebuyError('SYSTEM', `cannot reach ${describePostgres(url)}: ${reason}`, {}, { cause: err });
  }
  return client;
}

/** Runs `sql` (id, probability, label[, rank]) on the server and returns its rows. */
export async function runScoringQuery(client: pg.Client, sql: string, describe = 'PostgreSQL'): Promise<EngineScoredRow[]> {
  const result = await client.query(sql).catch((err: unknown) => {
    throw explainPostgresError(err, describe);
  });
  return result.rows.map((row: Record<string, unknown>) => ({
    id: String(row.id),
    probability: Number(row.probability),
    label: Number(row.label) === 1 ? 1 : 0,
    ...(row.rank !== undefined && { rank: Number(row.rank) }),
  }));
}

/** A PostgreSQL connection as a table engine (see table-engine.ts). */
export function postgresTableEngine(client: pg.Client, describe: string): TableEngine {
  return {
    describe,
    async columnsOf(table) {
      const { schema, name } = parseTableName(table);
      const result = await client.query<{ column_name: string; data_type: string }>(
        `SELECT column_name, data_type FROM information_schema.columns
         WHERE table_name = $1 AND (($2::text IS NULL AND table_schema = ANY (current_schemas(false))) OR table_schema = $2)
         ORDER BY ordinal_position`,
        [name, schema],
      );
      if (result.rows.length === 0) return null;
      return result.rows.map((r) => ({ name: r.column_name, type: r.data_type, numeric: POSTGRES_NUMBER.test(r.data_type) }));
    },
    async replaceTable(target, select, onProgress) {
      const table = parseTableName(target);
      const qualify = (name: string) => (table.schema === null ? pg.escapeIdentifier(name) : `${pg.escapeIdentifier(table.schema)}.${pg.escapeIdentifier(name)}`);
      const staging = stagingName(table);
      const started = performance.now();
      await client.query('BEGIN');
      try {
        const tick = () => onProgress?.({ seconds: (performance.now() - started) / 1000, fraction: null });
        const created = await withTicks(client.query(`CREATE TABLE ${qualify(staging)} AS ${select}`), tick);
        await client.query(`DROP TABLE IF EXISTS ${qualify(table.name)}`);
        await client.query(`ALTER TABLE ${qualify(staging)} RENAME TO ${pg.escapeIdentifier(table.name)}`);
        await client.query('COMMIT');
        return created.rowCount ?? 0;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw explainPostgresError(err, describe);
      }
    },
    async firstRow(select) {
      const result = await client.query<unknown[]>({ text: select, rowMode: 'array' }).catch((err: unknown) => {
        throw explainPostgresError(err, describe);
      });
      return result.rows[0] ?? null;
    },
    close: () => client.end(),
  };
}

/**
 * The server's message, as the user's input error: the statement is compiled from a verified bundle,
 * so a failure comes from the scored table (a missing column, a value that is not a number).
 */
export function explainPostgresError(err: unknown, describe: string): Error {
  if (err instanceof RebuyError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = typeof err === 'object' && err !== null ? Reflect.get(err, 'code') : undefined;
  const missing = /column "((?:[^"]|"")+)" does not exist/.exec(message)?.[1];
  if (code === '42703' && missing !== undefined) return inputError(`${describe}: the scored table has no such column; the model needs it`, { column: missing }, err);
  return inputError(`${describe} could not score the table: ${message.split('\n')[0]}`, {}, err);
}
