/**
 * `rebuy score --engine`: the engine scores the table and writes the scores table (id, probability,
 * label, rank, model_version, scored_at) in one transaction, with the Predictor's probabilities; a
 * table missing a column, a column of the wrong type, an unreachable engine and a statement that
 * fails midway are named errors (exit 2) that leave the previous scores table as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { trainBundle } from '../../src/app/train.js';
import { createRng } from '../../src/core/random.js';
import { openDuckDb } from '../../src/engines/duckdb.js';
import { connectPostgres } from '../../src/engines/postgres.js';
import { loadPredictor } from '../../src/predict/predictor.js';
import { rebuy } from '../helpers/cli.js';
import { postgresUrl } from '../helpers/postgres.js';

const N = 400;
const COLUMNS = 'id,tenure,spend,plan,region';

interface Customer {
  id: string;
  tenure: number | null;
  spend: number | null;
  plan: string | null;
  region: string | null;
}

function customers(n: number, seed: number): Customer[] {
  const rng = createRng(seed);
  const pick = <T>(values: readonly T[]) => values[Math.floor(rng() * values.length)]!;
  return Array.from({ length: n }, (_, i) => ({
    id: `c${i}`,
    tenure: rng() < 0.1 ? null : Math.round(rng() * 3600) / 10,
    spend: rng() < 0.1 ? null : Math.round(rng() * 50000) / 100,
    plan: rng() < 0.1 ? null : pick(['basic', 'gold', 'silver']),
    region: rng() < 0.1 ? null : pick(['east', 'north', 'south', 'west']),
  }));
}

const field = (v: number | string | null) => (v === null ? '' : String(v));
const sqlValue = (v: number | string | null) => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : `'${v.replaceAll("'", "''")}'`);
const valuesSql = (rows: readonly Customer[]) => rows.map((c) => `(${[c.id, c.tenure, c.spend, c.plan, c.region].map(sqlValue).join(', ')})`).join(', ');

/**
 * The tables each engine gets: good customers, one without `spend`, one with `tenure` as text, a view
 * that fails at row c150, and one where c3's tenure is NaN (a missing value) and c7's spend is Infinity.
 */
function setupSql(double: string, text: string, rows: readonly Customer[]): string[] {
  return [
    `CREATE TABLE customers (id ${text}, tenure ${double}, spend ${double}, plan ${text}, region ${text})`,
    `INSERT INTO customers VALUES ${valuesSql(rows)}`,
    `CREATE TABLE no_spend AS SELECT id, tenure, plan, region FROM customers`,
    `CREATE TABLE text_tenure AS SELECT id, CAST(tenure AS ${text}) AS tenure, spend, plan, region FROM customers`,
    `CREATE VIEW fails_midway AS SELECT id, CASE WHEN id = 'c150' THEN CAST(id AS ${double}) ELSE tenure END AS tenure, spend, plan, region FROM customers`,
    `CREATE TABLE infinite_spend AS SELECT id, CASE WHEN id = 'c3' THEN CAST('NaN' AS ${double}) ELSE tenure END AS tenure,
       CASE WHEN id = 'c7' THEN CAST('Infinity' AS ${double}) ELSE spend END AS spend, plan, region FROM customers`,
    `CREATE TABLE scores AS SELECT 'previous' AS id`,
  ];
}

describe('rebuy score --engine', () => {
  const url = postgresUrl('rebuy score --engine postgres');
  let dir: string;
  let model: string;
  let rows: Customer[];
  let expected: Map<string, number>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rebuy-score-engine-'));
    model = join(dir, 'model');
    const train = customers(800, 1).map((c, i) => ({ ...c, id: `t${i}`, target: ((c.tenure ?? 100) > 180 ? 1 : 0) ^ (c.plan === 'gold' ? 1 : 0) }));
    await writeFile(join(dir, 'train.csv'), `${COLUMNS},target\n${train.map((c) => [c.id, c.tenure, c.spend, c.plan, c.region, c.target].map(field).join(',')).join('\n')}\n`);
    await trainBundle({ data: join(dir, 'train.csv'), out: model, preset: '2x10', network: { maxEpochs: 5 }, balance: 'random', split: [0.8, 0.1, 0.1], seed: 2, baseline: false, report: false });
    rows = customers(N, 7);
    await writeFile(join(dir, 'customers.csv'), `${COLUMNS}\n${rows.map((c) => [c.id, c.tenure, c.spend, c.plan, c.region].map(field).join(',')).join('\n')}\n`);
    const predictor = await loadPredictor(model);
    try {
      const p = await predictor.predictRecords(rows.map(({ tenure, spend, plan, region }) => ({ tenure, spend, plan, region })));
      expected = new Map(rows.map((c, i) => [c.id, p[i]!]));
    } finally {
      await predictor.close();
    }
  }, 300_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** The scores table's rows checked against the Predictor: every customer once, to 1e-5, ranks 1…n by probability. */
  function expectScores(table: Record<string, unknown>[]): void {
    expect(table).toHaveLength(N);
    expect(Object.keys(table[0]!)).toEqual(['id', 'probability', 'label', 'rank', 'model_version', 'scored_at']);
    let worst = 0;
    for (const row of table) worst = Math.max(worst, Math.abs(Number(row.probability) - expected.get(String(row.id))!));
    expect(worst).toBeLessThan(1e-5);
    const ranked = [...table].sort((a, b) => Number(a.rank) - Number(b.rank));
    expect(ranked.map((r) => Number(r.rank))).toEqual(ranked.map((_, i) => i + 1));
    for (let i = 1; i < N; i++) expect(Number(ranked[i]!.probability)).toBeLessThanOrEqual(Number(ranked[i - 1]!.probability));
    expect(String(table[0]!.model_version)).toMatch(/sha256:[0-9a-f]{64}$/);
  }

  describe('DuckDB', () => {
    let database: string;

    beforeAll(async () => {
      database = join(dir, 'shop.duckdb');
      const db = await openDuckDb(database);
      try {
        for (const statement of setupSql('DOUBLE', 'VARCHAR', rows)) await db.connection.run(statement);
      } finally {
        db.close();
      }
    });

    async function scoresTable(): Promise<Record<string, unknown>[]> {
      const db = await openDuckDb(database);
      try {
        return (await db.connection.runAndReadAll('SELECT * FROM scores')).getRowObjectsJS();
      } finally {
        db.close();
      }
    }

    async function leftovers(): Promise<string[]> {
      const db = await openDuckDb(database);
      try {
        return (await db.connection.runAndReadAll("SELECT table_name FROM information_schema.tables WHERE table_name LIKE '%rebuy%'")).getRows().map((r) => String(r[0]));
      } finally {
        db.close();
      }
    }

    it('refuses a table missing a column, naming the table and the column, and keeps the old scores', async () => {
      const run = rebuy(['score', '--model', model, '--engine', 'duckdb', '--database', database, '--in-table', 'no_spend']);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain('no_spend');
      expect(run.stderr).toContain('"spend"');
      expect(await scoresTable()).toEqual([{ id: 'previous' }]);
    });

    it('refuses a numeric column of text type, naming it and its type', async () => {
      const run = rebuy(['score', '--model', model, '--engine', 'duckdb', '--database', database, '--in-table', 'text_tenure']);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(/text_tenure, column "tenure" is VARCHAR/);
      expect(await scoresTable()).toEqual([{ id: 'previous' }]);
    });

    it('refuses a customer whose number the model cannot take (Infinity), naming the table, customer, column and value; NaN is missing', async () => {
      const run = rebuy(['score', '--model', model, '--engine', 'duckdb', '--database', database, '--in-table', 'infinite_spend']);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain('column "spend"');
      expect(run.stderr).toContain('table infinite_spend, customer c7: not a finite number (value "Infinity")');
      expect(await scoresTable()).toEqual([{ id: 'previous' }]);
    });

    it('leaves the old scores and no half-written table when the statement fails midway', async () => {
      const run = rebuy(['score', '--model', model, '--engine', 'duckdb', '--database', database, '--in-table', 'fails_midway']);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain('c150');
      expect(await scoresTable()).toEqual([{ id: 'previous' }]);
      expect(await leftovers()).toEqual([]);
    });

    it('refuses a database file that does not exist, rather than creating an empty one', () => {
      const run = rebuy(['score', '--model', model, '--engine', 'duckdb', '--database', join(dir, 'nowhere.duckdb'), '--in-table', 'customers']);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('nowhere.duckdb: no such file');
    });

    it('scores a table of a database file into the scores table, replacing it', async () => {
      const run = rebuy(['score', '--model', model, '--engine', 'duckdb', '--database', database, '--in-table', 'customers', '--json']);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ rows: N, output: 'scores' });
      expectScores(await scoresTable());
      expect(await leftovers()).toEqual([]);
    });

    it('scores a CSV file into a Parquet file, DuckDB reading and writing', async () => {
      const out = join(dir, 'scores.parquet');
      const run = rebuy(['score', '--model', model, '--engine', 'duckdb', '--in', join(dir, 'customers.csv'), '--out', out]);
      expect(run.code, run.stderr).toBe(0);
      const db = await openDuckDb();
      try {
        expectScores((await db.connection.runAndReadAll(`SELECT * FROM read_parquet('${out}')`)).getRowObjectsJS());
      } finally {
        db.close();
      }
    });

    it('refuses a file row DuckDB would read but the model cannot take, naming its line, column and value; no scores file', async () => {
      const input = join(dir, 'customers-infinite.csv');
      // Row 3 of the file (line 5): DuckDB parses "inf" as a number; rebuy score refuses it.
      const lines = `${COLUMNS}\n${rows.map((c) => [c.id, c.tenure, c.spend, c.plan, c.region].map(field).join(',')).join('\n')}\n`.split('\n');
      lines[4] = lines[4]!.replace(/^([^,]*),[^,]*,/, '$1,inf,');
      await writeFile(input, lines.join('\n'));
      const out = join(dir, 'scores-infinite.csv');
      const run = rebuy(['score', '--model', model, '--engine', 'duckdb', '--in', input, '--out', out]);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain(`${input}:5, column "tenure": not a finite number (value "inf")`);
      expect(existsSync(out)).toBe(false);
    });
  });

  describe.runIf(url !== null)('PostgreSQL over a connection', () => {
    let client: pg.Client;
    const schema = `rebuy_score_${process.pid}`;

    beforeAll(async () => {
      client = await connectPostgres(url!);
      await client.query(`CREATE SCHEMA ${schema}`);
      await client.query(`SET search_path TO ${schema}`);
      for (const statement of setupSql('DOUBLE PRECISION', 'TEXT', rows)) await client.query(statement);
    });

    afterAll(async () => {
      await client?.query(`DROP SCHEMA ${schema} CASCADE`);
      await client?.end();
    });

    const score = (table: string, ...more: string[]) =>
      rebuy(['score', '--model', model, '--engine', url!, '--in-table', `${schema}.${table}`, '--out-table', `${schema}.scores`, ...more]);
    const scoresTable = async () => (await client.query(`SELECT * FROM ${schema}.scores`)).rows as Record<string, unknown>[];
    const leftovers = async () => (await client.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name LIKE '%rebuy%'`, [schema])).rows;

    it('refuses a table missing a column, naming the engine, the table and the column, and keeps the old scores', async () => {
      const run = score('no_spend');
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(/PostgreSQL at 127\.0\.0\.1:\d+\/postgres: table .*no_spend has no column "spend"/);
      expect(await scoresTable()).toEqual([{ id: 'previous' }]);
    });

    it('refuses a numeric column of text type', async () => {
      const run = score('text_tenure');
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(/column "tenure" is text; the model reads it as a number/);
      expect(await scoresTable()).toEqual([{ id: 'previous' }]);
    });

    it('refuses a customer whose number the model cannot take (Infinity); NaN is missing', async () => {
      const run = score('infinite_spend');
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain('column "spend"');
      expect(run.stderr).toMatch(/table .*infinite_spend, customer c7: not a finite number \(value "Infinity"\)/);
      expect(await scoresTable()).toEqual([{ id: 'previous' }]);
    });

    it('leaves the old scores and no half-written table when the statement fails midway', async () => {
      const run = score('fails_midway');
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain('c150');
      expect(await scoresTable()).toEqual([{ id: 'previous' }]);
      expect(await leftovers()).toEqual([]);
    });

    it('names an engine it cannot reach, exit 2', () => {
      const run = rebuy(['score', '--model', model, '--engine', 'postgres://postgres@127.0.0.1:1/shop', '--in-table', 'customers']);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/cannot reach PostgreSQL at 127\.0\.0\.1:1\/shop/);
    });

    it('scores the table on the server into the scores table, replacing it', async () => {
      const run = score('customers', '--json');
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ rows: N, output: `${schema}.scores` });
      expectScores(await scoresTable());
      expect(await leftovers()).toEqual([]);
    });
  });
});
