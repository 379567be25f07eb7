/**
 * `rebuy export --format mlflow` read by the real MLflow (the project's Python environment):
 * `mlflow.pyfunc.load_model(DIR).predict(df)` returns, for a pandas DataFrame of raw columns, the
 * probability rebuy gives each customer (to 1e-6), and `mlflow.pyfunc.spark_udf` scores a Spark
 * DataFrame the same. Hillstrom's table: numeric and categorical columns, missing values.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainBundle } from '../../src/app/train.js';
import { MLFLOW_ENVIRONMENT } from '../../src/app/export.js';
import { quoteText } from '../../src/compile/dialect.js';
import { rebuy } from '../helpers/cli.js';
import { realDataPresent } from '../helpers/paths.js';
import { pythonEnvOrSkip, startHarness, type Harness } from '../helpers/python.js';
import { compareScores, duckdb, HILLSTROM_CSV, hillstromTables, predictorScores } from '../engines/spark-fixtures.js';

const env = pythonEnvOrSkip('MLflow export tests');

describe.runIf(env !== null && realDataPresent('MLflow export tests', [HILLSTROM_CSV]))('the MLflow model folder, loaded by MLflow', () => {
  let dir: string;
  let harness: Harness;
  let csv: string;
  /** The customers as a warehouse would hand them over: numbers as doubles, no target. */
  let customers: string;
  const model = () => join(dir, 'model');
  const exported = () => join(dir, 'mlflow-model');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rebuy-mlflow-'));
    harness = startHarness(env!);
    const tables = await hillstromTables(dir);
    csv = tables.csv;
    customers = join(dir, 'customers.parquet');
    await duckdb([
      `COPY (SELECT id, CAST(recency AS DOUBLE) AS recency, history_segment, history, CAST(mens AS DOUBLE) AS mens, CAST(womens AS DOUBLE) AS womens, zip_code, CAST(newbie AS DOUBLE) AS newbie, channel, segment FROM read_parquet(${quoteText(tables.parquet)})) TO ${quoteText(customers)} (FORMAT parquet)`,
    ]);
    await trainBundle({ data: csv, target: 'visit', id: 'id', out: model(), preset: '2x10', network: { maxEpochs: 4 }, balance: 'random', split: [0.8, 0.1, 0.1], seed: 7, baseline: false, report: false });
    const run = rebuy(['export', '--model', model(), '--format', 'mlflow', '--out', exported(), '--json']);
    expect(run.code, run.stderr).toBe(0);
  }, 600_000);

  afterAll(async () => {
    await harness?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('holds MLmodel (ONNX flavor and pyfunc), model.onnx, a signature of the raw columns and the environment files', async () => {
    expect((await readdir(exported())).sort()).toEqual(['MLmodel', 'conda.yaml', 'model.onnx', 'python_env.yaml', 'requirements.txt']);
    const mlmodel = await readFile(join(exported(), 'MLmodel'), 'utf8');
    expect(mlmodel).toContain('loader_module: mlflow.onnx');
    expect(mlmodel).toContain('{"type":"double","name":"recency","required":true}');
    expect(mlmodel).toContain('{"type":"string","name":"channel","required":true}');
    expect(await readFile(join(exported(), 'model.onnx'))).toEqual(await readFile(join(model(), 'model.onnx')));
  });

  it('pins the versions the project tests it with', async () => {
    const pins = await readFile('scripts/python-requirements.txt', 'utf8');
    expect(pins).toContain(`onnx==${MLFLOW_ENVIRONMENT.onnx}`);
    expect(pins).toContain(`onnxruntime==${MLFLOW_ENVIRONMENT.onnxruntime}`);
    expect(pins).toContain(`mlflow-skinny==${MLFLOW_ENVIRONMENT.mlflow}`);
    expect(await readFile(join(exported(), 'requirements.txt'), 'utf8')).toBe(`mlflow==${MLFLOW_ENVIRONMENT.mlflow}\nonnx==${MLFLOW_ENVIRONMENT.onnx}\nonnxruntime==${MLFLOW_ENVIRONMENT.onnxruntime}\n`);
  });

  it('pyfunc predict(pandas DataFrame of raw columns) is the probability rebuy gives, to 1e-6, for every row', async () => {
    const answer = await harness.request<{ type: string; values: number[] }>('mlflow_predict', { model: exported(), parquet: customers, drop: ['id'] });
    expect(answer.type).toBe('DataFrame');
    const expected = await predictorScores(model(), csv);
    const ids = [...expected.byId.keys()];
    const compared = compareScores(expected, { id: ids, probability: answer.values }, 1e-6);
    expect(compared).toMatchObject({ rows: 64_000, missing: 0 });
    expect(compared.worst).toBeLessThan(1e-6);
    expect(compared.spread).toBeGreaterThan(0.1);
    // Probabilities, not labels.
    expect(answer.values.some((p) => p > 0 && p < 1 && p !== 0.5)).toBe(true);
  }, 300_000);

  it('mlflow.pyfunc.spark_udf scores a Spark DataFrame to the same probabilities', async () => {
    const answer = await harness.request<{ columns: { id: string[]; probability: number[] } }>('mlflow_spark_udf', { model: exported(), parquet: customers, id: 'id' });
    const compared = compareScores(await predictorScores(model(), csv), answer.columns, 1e-6);
    expect(compared).toMatchObject({ rows: 64_000, distinct: 64_000, missing: 0 });
    expect(compared.worst).toBeLessThan(1e-6);
  }, 600_000);

  it('replaces an earlier export; refuses a directory of other files and an unknown format, exit 2', async () => {
    const again = rebuy(['export', '--model', model(), '--format', 'mlflow', '--out', exported()]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('returns the column probability');
    const other = join(dir, 'other');
    await mkdir(other);
    await writeFile(join(other, 'notes.txt'), 'keep me');
    const refused = rebuy(['export', '--model', model(), '--format', 'mlflow', '--out', other]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('not an MLflow model folder');
    expect(await readdir(other)).toEqual(['notes.txt']);
    const format = rebuy(['export', '--model', model(), '--format', 'pmml', '--out', join(dir, 'x')]);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('--format: expected one of mlflow');
    expect((await readdir(dir)).filter((n) => n.includes('partial'))).toEqual([]);
  });
});
