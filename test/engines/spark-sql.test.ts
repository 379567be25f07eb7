/**
 * The compiled Spark SQL, run by Apache Spark (pyspark's local mode, from the project's Python
 * environment), gives every row the probability onnxruntime gives through the Predictor, to 1e-5:
 * the real Audiobooks file (with and without derived features) and Hillstrom's table predicting
 * `visit` (categorical columns, missing values), also by an ensemble of a network and the logistic model. Then `rebuy score --engine spark` end to end, and
 * its refusals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainBundle } from '../../src/app/train.js';
import { loadBundle } from '../../src/bundle/load.js';
import { DIALECTS } from '../../src/compile/dialect.js';
import { scoringPipelineOf } from '../../src/compile/from-bundle.js';
import { compileScoringSql } from '../../src/compile/ensemble-sql.js';
import { compilePipelineSql } from '../../src/compile/pipeline-sql.js';
import { resolveNetworkConfig } from '../../src/model/presets.js';
import { quoteText } from '../../src/compile/dialect.js';
import { rebuy } from '../helpers/cli.js';
import { trainEnsembleBundle } from '../helpers/ensemble.js';
import { REAL_CSV, realDataPresent } from '../helpers/paths.js';
import { pythonEnvOrSkip, startHarness, type Harness } from '../helpers/python.js';
import { audiobooksParquet, compareScores, duckdb, HILLSTROM_CSV, hillstromTables, predictorScores, readScoresDirectory } from './spark-fixtures.js';

const env = pythonEnvOrSkip('Spark SQL tests');
const TOLERANCE = 1e-5;
const TRAINING = { network: { maxEpochs: 6 }, balance: 'random' as const, split: [0.8, 0.1, 0.1] as [number, number, number], seed: 3, baseline: false, report: false };

interface SqlAnswer {
  columns: { id: string[]; probability: number[]; label: number[]; rank?: number[] };
}

describe.runIf(env !== null && realDataPresent('Spark SQL tests', [REAL_CSV, HILLSTROM_CSV]))('compiled Spark SQL on Apache Spark (local mode)', () => {
  let dir: string;
  let harness: Harness;
  let audiobooks: string;
  let hillstrom: { csv: string; parquet: string };
  const model = (name: string) => join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rebuy-spark-sql-'));
    harness = startHarness(env!);
    audiobooks = await audiobooksParquet(dir);
    hillstrom = await hillstromTables(dir);
    await trainBundle({ data: REAL_CSV, out: model('plain'), preset: '2x10', ...TRAINING });
    await trainBundle({ data: REAL_CSV, out: model('derived'), preset: '2x10', derived: true, ...TRAINING });
    await trainBundle({ data: hillstrom.csv, target: 'visit', id: 'id', out: model('hillstrom'), preset: '2x10', ...TRAINING });
    await trainEnsembleBundle({
      data: hillstrom.csv,
      target: 'visit',
      id: 'id',
      out: model('ensemble'),
      members: [
        { name: '2x10', kind: 'network', preset: '2x10', config: resolveNetworkConfig('2x10', { maxEpochs: 4 }) },
        { name: 'logistic', kind: 'logistic' },
      ],
      calibration: 'prior',
      seed: TRAINING.seed,
    });
  }, 600_000);

  afterAll(async () => {
    await harness?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function sparkSql(bundle: string, parquet: string): Promise<SqlAnswer['columns']> {
    const pipeline = await scoringPipelineOf(await loadBundle(model(bundle)));
    const sql = compileScoringSql(pipeline, DIALECTS.spark, { table: 'customers' }, { rank: true });
    return (await harness.request<SqlAnswer>('sql', { views: { customers: parquet }, sql })).columns;
  }

  for (const bundle of ['plain', 'derived'] as const) {
    it(`Audiobooks (${bundle}): every customer's probability to 1e-5, the same labels, ranked 1…n`, async () => {
      const expected = await predictorScores(model(bundle), REAL_CSV);
      const got = await sparkSql(bundle, audiobooks);
      const compared = compareScores(expected, got, TOLERANCE);
      expect(compared).toMatchObject({ rows: expected.byId.size, distinct: expected.byId.size, missing: 0, labelsDiffer: 0 });
      expect(compared.worst).toBeLessThan(TOLERANCE);
      expect(compared.spread).toBeGreaterThan(0.5);
      expect(got.rank).toEqual(got.id.map((_, i) => i + 1));
    }, 300_000);
  }

  it('Hillstrom predicting visit, with categorical columns and missing values: every row to 1e-5', async () => {
    const pipeline = await scoringPipelineOf(await loadBundle(model('hillstrom')));
    expect(pipeline.features.categorical.map((c) => c.name).sort()).toEqual(['channel', 'history_segment', 'segment', 'zip_code']);
    expect(pipeline.features.numeric.find((c) => c.name === 'recency')).toBeDefined();
    const expected = await predictorScores(model('hillstrom'), hillstrom.csv);
    const got = await sparkSql('hillstrom', hillstrom.parquet);
    const compared = compareScores(expected, got, TOLERANCE);
    expect(compared).toMatchObject({ rows: 64_000, distinct: 64_000, missing: 0, labelsDiffer: 0 });
    expect(compared.worst).toBeLessThan(TOLERANCE);
    expect(compared.spread).toBeGreaterThan(0.1);
  }, 300_000);

  it('an ensemble (a 2x10 network and the logistic model) on Hillstrom: its averaged probability for every row to 1e-5, ranked 1…n', async () => {
    const pipeline = await scoringPipelineOf(await loadBundle(model('ensemble')));
    expect(pipeline.members).toHaveLength(2);
    const expected = await predictorScores(model('ensemble'), hillstrom.csv);
    const got = await sparkSql('ensemble', hillstrom.parquet);
    const compared = compareScores(expected, got, TOLERANCE);
    expect(compared).toMatchObject({ rows: 64_000, distinct: 64_000, missing: 0, labelsDiffer: 0 });
    expect(compared.worst).toBeLessThan(TOLERANCE);
    expect(compared.spread).toBeGreaterThan(0.1);
    expect(got.rank).toEqual(got.id.map((_, i) => i + 1));
  }, 300_000);

  it('quotes names and texts as Spark reads them: a backtick in a name, a quote and a backslash in a level', async () => {
    const pipeline = await scoringPipelineOf(await loadBundle(model('hillstrom')));
    const channel = pipeline.features.categorical.find((c) => c.name === 'channel')!;
    // The same model with a column renamed and a level respelled: only the quoting differs from the real run.
    const odd = { ...pipeline, features: { ...pipeline.features, categorical: pipeline.features.categorical.map((c) => (c === channel ? { ...c, name: 'chan`nel', levels: c.levels.map((l) => (l === 'Web' ? "W'e\\b" : l)) } : c)) } };
    const table = join(dir, 'odd.parquet');
    await duckdb([`COPY (SELECT * EXCLUDE (channel), CASE WHEN channel = 'Web' THEN 'W''e\\b' ELSE channel END AS "chan\`nel" FROM read_parquet(${quoteText(hillstrom.parquet)})) TO ${quoteText(table)} (FORMAT parquet)`]);
    const sql = compilePipelineSql(odd, DIALECTS.spark, { table: 'customers' }, { rank: false });
    const got = (await harness.request<SqlAnswer>('sql', { views: { customers: table }, sql })).columns;
    const compared = compareScores(await predictorScores(model('hillstrom'), hillstrom.csv), got, TOLERANCE);
    expect(compared).toMatchObject({ rows: 64_000, missing: 0, labelsDiffer: 0 });
    expect(compared.worst).toBeLessThan(TOLERANCE);
  }, 300_000);

  it('`rebuy sql --dialect spark` prints the statement Spark runs, names in backticks', async () => {
    const run = rebuy(['sql', '--model', model('plain'), '--dialect', 'spark', '--table', 'customers', '--no-rank']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^-- rebuy scoring pipeline, spark dialect/);
    expect(run.stdout).toContain('CAST(`book_length_overall` AS DOUBLE)');
    const got = (await harness.request<SqlAnswer>('sql', { views: { customers: audiobooks }, sql: run.stdout })).columns;
    const compared = compareScores(await predictorScores(model('plain'), REAL_CSV), got, TOLERANCE);
    expect(compared.missing).toBe(0);
    expect(compared.worst).toBeLessThan(TOLERANCE);
  }, 300_000);

  it('`rebuy score --engine spark --master local[2]` writes every row once, with the model version, replacing the output of an earlier run', async () => {
    const out = join(dir, 'scores');
    // An earlier run's output, which this run replaces whole.
    await mkdir(out);
    await writeFile(join(out, '_SUCCESS'), '');
    await writeFile(join(out, 'part-00099-earlier.snappy.parquet'), 'not read');
    const score = rebuy(['score', '--engine', 'spark', '--master', 'local[2]', '--model', model('hillstrom'), '--in', hillstrom.parquet, '--out', out, '--json']);
    expect(score.code, score.stderr).toBe(0);
    expect(score.stderr).toContain('rebuy: scoring 64,000 rows');
    expect(score.stderr).toMatch(/rebuy: stage \d+: \d+\/\d+ tasks done/);
    expect(JSON.parse(score.stdout)).toMatchObject({ rows: 64_000, output: out, master: 'local[2]' });
    expect(await readdir(out)).not.toContain('part-00099-earlier.snappy.parquet');
    expect((await readdir(out)).filter((n) => n.endsWith('.parquet')).length).toBeGreaterThan(0);
    const got = await readScoresDirectory(out);
    const compared = compareScores(await predictorScores(model('hillstrom'), hillstrom.csv), got, TOLERANCE);
    expect(compared).toMatchObject({ rows: 64_000, distinct: 64_000, missing: 0, labelsDiffer: 0 });
    expect(compared.worst).toBeLessThan(TOLERANCE);
    expect([...got.rank].sort((a, b) => a - b)).toEqual(got.rank.map((_, i) => i + 1));
    expect(new Set(got.model_version)).toEqual(new Set([expect.stringMatching(/@[0-9a-f]{12}$/)]));
    expect((await readdir(dir)).filter((n) => n.includes('partial'))).toEqual([]);
  }, 600_000);

  it('a table without a column the model needs, with text where it needs a number, or with a number it cannot take: exit 2 naming the table and column, nothing written', async () => {
    const missing = join(dir, 'missing.parquet');
    const text = join(dir, 'text.parquet');
    const infinite = join(dir, 'infinite.parquet');
    await duckdb([
      `COPY (SELECT * EXCLUDE (recency) FROM read_parquet(${quoteText(hillstrom.parquet)})) TO ${quoteText(missing)} (FORMAT parquet)`,
      `COPY (SELECT * REPLACE (CAST(history AS VARCHAR) AS history) FROM read_parquet(${quoteText(hillstrom.parquet)})) TO ${quoteText(text)} (FORMAT parquet)`,
      // The 3rd row's history is NaN (a missing value, taken); the 8th's is -Infinity (refused).
      `COPY (SELECT * EXCLUDE (n) REPLACE (CASE WHEN n = 3 THEN 'NaN'::DOUBLE WHEN n = 8 THEN '-Infinity'::DOUBLE ELSE history END AS history)
             FROM (SELECT *, row_number() OVER () AS n FROM read_parquet(${quoteText(hillstrom.parquet)}))) TO ${quoteText(infinite)} (FORMAT parquet)`,
    ]);
    const out = join(dir, 'refused');
    const noColumn = rebuy(['score', '--engine', 'spark', '--master', 'local[1]', '--model', model('hillstrom'), '--in', missing, '--out', out]);
    expect(noColumn.code, noColumn.stderr).toBe(2);
    expect(noColumn.stderr).toContain(`rebuy: ${missing}, column "recency": the table has no column "recency"`);
    const wrongType = rebuy(['score', '--engine', 'spark', '--master', 'local[1]', '--model', model('hillstrom'), '--in', text, '--out', out]);
    expect(wrongType.code, wrongType.stderr).toBe(2);
    expect(wrongType.stderr).toContain(`column "history": column "history" is string; the model needs a number`);
    const beyond = rebuy(['score', '--engine', 'spark', '--master', 'local[1]', '--model', model('hillstrom'), '--in', infinite, '--out', out]);
    expect(beyond.code, beyond.stderr).toBe(2);
    expect(beyond.stderr).toMatch(/column "history": customer \S+: not a finite number \(value "-Infinity"\)/);
    expect(existsSync(out)).toBe(false);
    expect((await readdir(dir)).filter((n) => n.includes('partial'))).toEqual([]);
  }, 600_000);

  it('`--in-table` scores a table of the Spark catalog (a local Hive warehouse): every row once, the same probabilities; a table that is not there is exit 2 naming it', async () => {
    // The warehouse a cluster would configure in spark-defaults.conf: Hive's catalog in an embedded Derby database.
    const conf = {
      'spark.sql.catalogImplementation': 'hive',
      'spark.sql.warehouse.dir': join(dir, 'warehouse'),
      'spark.hadoop.javax.jdo.option.ConnectionURL': `jdbc:derby:;databaseName=${join(dir, 'metastore_db')};create=true`,
      'spark.driver.extraJavaOptions': `-Dderby.stream.error.file=${join(dir, 'derby.log')}`,
    };
    const create = `
import json, sys
from pyspark.sql import SparkSession
job = json.loads(sys.argv[1])
builder = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false")
for key, value in job["conf"].items():
    builder = builder.config(key, value)
spark = builder.enableHiveSupport().getOrCreate()
spark.sql("CREATE DATABASE shop")
spark.read.parquet(job["parquet"]).write.saveAsTable("shop.customers")
spark.stop()`;
    const made = spawnSync(env!.python, ['-c', create, JSON.stringify({ conf, parquet: hillstrom.parquet })], { cwd: dir, encoding: 'utf8', env: { ...process.env, PYSPARK_PYTHON: env!.python } });
    expect(made.status, made.stderr.slice(-2000)).toBe(0);
    const sparkConf = Object.entries(conf).flatMap(([key, value]) => ['--spark-conf', `${key}=${value}`]);
    const out = join(dir, 'table-scores');
    const score = rebuy(['score', '--engine', 'spark', '--master', 'local[2]', '--model', model('hillstrom'), '--in-table', 'shop.customers', '--out', out, ...sparkConf, '--json']);
    expect(score.code, score.stderr).toBe(0);
    expect(JSON.parse(score.stdout)).toMatchObject({ rows: 64_000, output: out });
    const got = await readScoresDirectory(out);
    const compared = compareScores(await predictorScores(model('hillstrom'), hillstrom.csv), got, TOLERANCE);
    expect(compared).toMatchObject({ rows: 64_000, distinct: 64_000, missing: 0, labelsDiffer: 0 });
    expect(compared.worst).toBeLessThan(TOLERANCE);
    const absent = rebuy(['score', '--engine', 'spark', '--master', 'local[1]', '--model', model('hillstrom'), '--in-table', 'shop.nobody', '--out', join(dir, 'absent'), ...sparkConf]);
    expect(absent.code, absent.stderr).toBe(2);
    expect(absent.stderr).toMatch(/rebuy: table shop\.nobody: Spark cannot read the input: .*nobody/);
    expect(existsSync(join(dir, 'absent'))).toBe(false);
  }, 900_000);

  it('refuses before starting Spark: a directory of other files as --out, a model that does not exist, no --master', async () => {
    const other = join(dir, 'other');
    await mkdir(other);
    await writeFile(join(other, 'notes.txt'), 'keep me');
    const args = (over: Record<string, string>) => {
      const flags = { '--engine': 'spark', '--master': 'local[1]', '--model': model('hillstrom'), '--in': hillstrom.parquet, '--out': join(dir, 'x'), ...over };
      return Object.entries(flags).flatMap(([k, v]) => (v === '' ? [] : [k, v]));
    };
    const occupied = rebuy(['score', ...args({ '--out': other })]);
    expect(occupied.code).toBe(2);
    expect(occupied.stderr).toContain('"notes.txt"');
    expect(existsSync(join(other, 'notes.txt'))).toBe(true);
    const noModel = rebuy(['score', ...args({ '--model': join(dir, 'no-such-model') })]);
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toContain('no-such-model');
    const noMaster = rebuy(['score', ...args({ '--master': '' })]);
    expect(noMaster.code).toBe(2);
    expect(noMaster.stderr).toContain('--engine spark needs --master');
    for (const run of [occupied, noModel, noMaster]) expect(run.stderr).not.toContain('starting the Spark job');
  });
});
