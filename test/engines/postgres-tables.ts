/** Tables the PostgreSQL tests score, copied from DuckDB over a real connection. */
import type pg from 'pg';
import { quoteIdent } from '../../src/compile/dialect.js';
import type { DuckDBConnection } from '../../src/data/duckdb.js';

/** Copies a DuckDB table into PostgreSQL, column types mapped (numbers as float8, the rest as text). */
export async function copyToPostgres(db: { connection: DuckDBConnection }, client: pg.Client, table: string): Promise<void> {
  const described = (await db.connection.runAndReadAll(`DESCRIBE ${table}`)).getRows().map(([name, type]) => ({ name: String(name), type: String(type) }));
  const pgType = (t: string) => (/^(DOUBLE|FLOAT|BIGINT|INTEGER|SMALLINT|TINYINT|DECIMAL)/.test(t) ? 'DOUBLE PRECISION' : 'TEXT');
  await client.query(`DROP TABLE IF EXISTS ${table}`);
  await client.query(`CREATE TABLE ${table} (${described.map((c) => `${quoteIdent(c.name)} ${pgType(c.type)}`).join(', ')})`);
  const rows = (await db.connection.runAndReadAll(`SELECT * FROM ${table}`)).getRowsJS();
  const width = described.length;
  for (let start = 0; start < rows.length; start += 1000) {
    const batch = rows.slice(start, start + 1000);
    const values = batch.map((_, r) => `(${described.map((__, c) => `$${r * width + c + 1}`).join(', ')})`);
    const params = batch.flatMap((row) => row.map((v) => (typeof v === 'bigint' ? Number(v) : v)));
    await client.query(`INSERT INTO ${table} VALUES ${values.join(', ')}`, params);
  }
}
