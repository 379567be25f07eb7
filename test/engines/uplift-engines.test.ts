/**
 * An uplift bundle scored where the data lives: Hillstrom's women's e-mail against no e-mail,
 * predicting `visit` (categorical columns, missing values punched in), trained small with every
 * learner. The compiled SQL, run by DuckDB (in process), PostgreSQL (a real server, through
 * `rebuy score --engine postgres://…`) and Apache Spark (local mode), gives every output of the
 * bundle's ONNX graph to 1e-5 on every row — P(no contact), P(e-mail), uplift — and the best
 * treatment and put_off as `rebuy score` writes them from onnxruntime's numbers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { trainUpliftBundle } from '../../src/app/uplift.js';
import { scoreUpliftFile, upliftOf } from '../../src/predict/uplift-score.js';
import { loadBundle } from '../../src/bundle/load.js';
import { DIALECTS, quoteText } from '../../src/compile/dialect.js';
import { upliftPipelineOf } from '../../src/compile/from-bundle.js';
import { compileUpliftSql } from '../../src/compile/uplift-sql.js';
import { upliftScoreColumns } from '../../src/evaluate/uplift-decide.js';
import { featureColumns } from '../../src/core/table.js';
import { readTable } from '../../src/data/read.js';
import { openDuckDb } from '../../src/engines/duckdb.js';
import { connectPostgres } from '../../src/engines/postgres.js';
import { loadPredictor } from '../../src/predict/predictor.js';
import { rebuy } from '../helpers/cli.js';
import { realDataPresent } from '../helpers/paths.js';
import { postgresUrl } from '../helpers/postgres.js';
import { pythonEnvOrSkip, startHarness, type Harness } from '../helpers/python.js';
import { copyToPostgres } from './postgres-tables.js';
import { HILLSTROM_CSV } from './spark-fixtures.js';

const TOLERANCE = 1e-5;
const TREATMENT = 'Womens E-Mail';
const COLUMNS = upliftScoreColumns([TREATMENT], false);

type Row = Record<string, unknown>;

interface Expected {
  control: Float32Array;
  treated: Float32Array;
  uplift: Float32Array;
}

/** Every expected id against the engine's rows: the largest difference of the three outputs, and the rows whose choice differs beyond the tolerance. */
function compare(ids: readonly string[], expected: Expected, rows: readonly Row[]): { worst: number; missing: number; rows: number; choicesDiffer: number } {
  const byId = new Map(rows.map((r) => [String(r.id), r]));
  let worst = 0;
  let missing = 0;
  let choicesDiffer = 0;
  ids.forEach((id, i) => {
    const row = byId.get(id);
    if (row === undefined) return void missing++;
    const u = expected.uplift[i]!;
    worst = Math.max(
      worst,
      Math.abs(Number(row.p_no_contact) - expected.control[i]!),
      Math.abs(Number(row[`p_${TREATMENT}`]) - expected.treated[i]!),
      Math.abs(Number(row[`uplift_${TREATMENT}`]) - u),
    );
    if (Math.abs(u) > TOLERANCE && (row.best_treatment !== (u > 0 ? TREATMENT : 'none') || Number(row.put_off) !== (u < 0 ? 1 : 0))) choicesDiffer++;
  });
  return { worst, missing, rows: rows.length, choicesDiffer };
}

describe.runIf(realDataPresent('uplift SQL on engines', [HILLSTROM_CSV]))('an uplift bundle compiled to SQL, in DuckDB, PostgreSQL and Spark, against onnxruntime', () => {
  const url = postgresUrl('uplift SQL in PostgreSQL');
  const env = pythonEnvOrSkip('uplift SQL in Spark');
  let dir: string;
  let db: Awaited<ReturnType<typeof openDuckDb>>;
  let ids: string[];
  let expected: Expected;
  const model = () => join(dir, 'uplift');
  const csv = () => join(dir, 'hillstrom-women.csv');
  const parquet = () => join(dir, 'hillstrom-women.parquet');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rebuy-uplift-sql-'));
    db = await openDuckDb();
    await db.connection.run(`CREATE TABLE women AS SELECT 'h' || n AS id,
        CASE WHEN n % 7 = 0 THEN NULL ELSE recency END AS recency, history_segment,
        CASE WHEN n % 13 = 0 THEN NULL ELSE history END AS history, mens, womens, zip_code, newbie,
        CASE WHEN n % 11 = 0 THEN NULL ELSE channel END AS channel, segment, visit
      FROM (SELECT *, row_number() OVER () AS n FROM read_csv(${quoteText(HILLSTROM_CSV)}, header = true))
      WHERE segment IN ('Womens E-Mail', 'No E-Mail') AND n <= 15000 ORDER BY n`);
    await db.connection.run(`COPY women TO ${quoteText(csv())} (HEADER true)`);
    await db.connection.run(`COPY women TO ${quoteText(parquet())} (FORMAT parquet)`);
    await trainUpliftBundle({ data: csv(), target: 'visit', treatment: 'segment', control: 'No E-Mail', id: 'id', out: model(), seed: 3, folds: 2 });
    const predictor = await loadPredictor(model());
    try {
      const table = await readTable(csv(), { schema: predictor.manifest.schema });
      ids = table.ids;
      const scores = await upliftOf(predictor, featureColumns(table));
      expected = { control: scores.control, treated: scores.treated[0]!, uplift: scores.uplift[0]! };
    } finally {
      await predictor.close();
    }
    // Not a constant model: the customers' uplifts differ, some positive, some negative.
    expect(Math.max(...expected.uplift) - Math.min(...expected.uplift)).toBeGreaterThan(0.02);
  }, 900_000);

  afterAll(async () => {
    db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const compiled = async (dialect: 'duckdb' | 'postgres' | 'spark', table: string) =>
    compileUpliftSql(await upliftPipelineOf(await loadBundle(model())), DIALECTS[dialect], { table });

  it('compiles the graph of the learner chosen: a head per arm at least, on the table\'s categorical columns', async () => {
    const pipeline = await upliftPipelineOf(await loadBundle(model()));
    expect(pipeline.treatments).toEqual([TREATMENT]);
    expect(pipeline.graph.heads.length).toBeGreaterThanOrEqual(2);
    expect(pipeline.features.categorical.map((c) => c.name).sort()).toEqual(['channel', 'history_segment', 'zip_code']);
  });

  it('DuckDB: every row, every output to 1e-5; the same choices', async () => {
    const rows = (await db.connection.runAndReadAll(await compiled('duckdb', 'women'))).getRowObjectsJS();
    expect(Object.keys(rows[0]!)).toEqual(COLUMNS);
    const result = compare(ids, expected, rows);
    expect(result).toMatchObject({ missing: 0, rows: ids.length, choicesDiffer: 0 });
    expect(result.worst).toBeLessThan(TOLERANCE);
  });

  it('`rebuy score --engine duckdb` writes the columns `rebuy score` writes for the file, with the same values', async () => {
    // A contact cost at the median uplift (value 1) sends about half the customers, so both choices are compared.
    const uplifts = Array.from(expected.uplift).sort((a, b) => a - b);
    const cost = String(Math.max(uplifts[Math.floor(uplifts.length / 2)]!, 0.001));
    const file = rebuy(['score', '--model', model(), '--in', csv(), '--out', join(dir, 'onnx.csv'), '--contact-cost', cost, '--value-per-return', '1']);
    expect(file.code, file.stderr).toBe(0);
    const engine = rebuy(['score', '--model', model(), '--engine', 'duckdb', '--in', csv(), '--out', join(dir, 'sql.csv'), '--contact-cost', cost, '--value-per-return', '1']);
    expect(engine.code, engine.stderr).toBe(0);
    const header = async (name: string) => (await readFile(join(dir, name), 'utf8')).split('\n')[0]!.split(',');
    expect(await header('sql.csv')).toEqual([...(await header('onnx.csv')), 'model_version', 'scored_at']);
    const read = async (name: string) => (await db.connection.runAndReadAll(`SELECT id, send, expected_incremental_profit AS gain FROM read_csv(${quoteText(join(dir, name))}) ORDER BY id`)).getRowObjectsJS();
    const [viaOnnx, viaSql] = [await read('onnx.csv'), await read('sql.csv')];
    expect(viaSql.map((r) => r.id)).toEqual(viaOnnx.map((r) => r.id));
    const differ = viaSql.filter((r, i) => r.send !== viaOnnx[i]!.send && Math.abs(Number(viaOnnx[i]!.gain)) > TOLERANCE);
    expect(differ).toEqual([]);
    expect(new Set(viaSql.map((r) => r.send))).toEqual(new Set([TREATMENT, 'none']));
  });

  it('a list naming one customer on two rows is refused naming both lines, in whichever chunk the repeat comes; nothing is written', async () => {
    const lines = (await readFile(csv(), 'utf8')).trimEnd().split('\n');
    // Data row 200 (line 202) repeats the ID of data row 10 (line 12), chunks of 64 rows apart.
    lines[201] = lines[201]!.replace(/^[^,]+,/, `${ids[10]},`);
    const list = join(dir, 'repeated.csv');
    await writeFile(list, `${lines.slice(0, 301).join('\n')}\n`);
    const out = join(dir, 'repeated-scores.csv');
    const predictor = await loadPredictor(model());
    try {
      await expect(scoreUpliftFile(predictor, list, out, undefined, { batchRows: 64 })).rejects.toThrow(`repeated.csv:202, column "id": duplicate customer ID (also on line 12) (value "${ids[10]}")`);
    } finally {
      await predictor.close();
    }
    const cli = rebuy(['score', '--model', model(), '--in', list, '--out', out]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/duplicate customer ID \(also on line 12\)/);
    await expect(readFile(out)).rejects.toThrow(/ENOENT/);
  });

  it.runIf(url !== null)('PostgreSQL: `rebuy score --engine postgres://…` writes every row, every output to 1e-5', async () => {
    const client = await connectPostgres(url!);
    try {
      await copyToPostgres(db, client as pg.Client, 'women');
      const run = rebuy(['score', '--model', model(), '--engine', url!, '--in-table', 'women', '--out-table', 'women_uplift', '--json']);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ rows: ids.length, columns: [...COLUMNS, 'model_version', 'scored_at'] });
      const rows = (await client.query('SELECT * FROM women_uplift')).rows as Row[];
      const result = compare(ids, expected, rows);
      expect(result).toMatchObject({ missing: 0, rows: ids.length, choicesDiffer: 0 });
      expect(result.worst).toBeLessThan(TOLERANCE);
    } finally {
      await client.end();
    }
  }, 300_000);

  describe.runIf(env !== null)('Apache Spark (local mode)', () => {
    let harness: Harness;
    beforeAll(() => {
      harness = startHarness(env!);
    });
    afterAll(async () => harness?.close());

    it('Spark SQL: every row, every output to 1e-5; the same choices', async () => {
      const answer = await harness.request<{ columns: Record<string, unknown[]> }>('sql', { views: { women: parquet() }, sql: await compiled('spark', 'women') });
      const names = Object.keys(answer.columns);
      expect(names).toEqual(COLUMNS);
      const rows = answer.columns.id!.map((_, i) => Object.fromEntries(names.map((n) => [n, answer.columns[n]![i]])));
      const result = compare(ids, expected, rows);
      expect(result).toMatchObject({ missing: 0, rows: ids.length, choicesDiffer: 0 });
      expect(result.worst).toBeLessThan(TOLERANCE);
    }, 300_000);

    it('`rebuy score --engine spark` writes every row once with every output, names with spaces included', async () => {
      const out = join(dir, 'spark-scores');
      const run = rebuy(['score', '--model', model(), '--engine', 'spark', '--master', 'local[2]', '--in', parquet(), '--out', out, '--json']);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ rows: ids.length, columns: [...COLUMNS, 'model_version', 'scored_at'] });
      const rows = (await db.connection.runAndReadAll(`SELECT * FROM read_parquet(${quoteText(join(out, '*.parquet'))})`)).getRowObjectsJS();
      expect(Object.keys(rows[0]!)).toEqual([...COLUMNS, 'model_version', 'scored_at']);
      const result = compare(ids, expected, rows);
      expect(result).toMatchObject({ missing: 0, rows: ids.length, choicesDiffer: 0 });
      expect(result.worst).toBeLessThan(TOLERANCE);
    }, 600_000);
  });
});
