/**
 * An uplift graph of every kind of head rebuy writes (softmax networks with hidden layers, a
 * sigmoid-output network, a logistic one, linear X-learner heads; terms with coefficients and
 * constants, two treatments) read back from its ONNX bytes, compiled to SQL, and run by DuckDB: every
 * output within 1e-5 of onnxruntime on the same rows, missing and unseen values included; the best
 * treatment, the decision in money and put_off as `rebuy score` computes them. The DuckDB and
 * PostgreSQL texts give the same rows; the warehouse dialects' texts parse.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { DIALECTS } from '../../src/compile/dialect.js';
import { upliftFromOnnx } from '../../src/compile/onnx-weights.js';
import { compileUpliftSql, type UpliftPipeline } from '../../src/compile/uplift-sql.js';
import { upliftScoreColumns } from '../../src/evaluate/uplift-decide.js';
import { createRng } from '../../src/core/random.js';
import { openDuckDb } from '../../src/engines/duckdb.js';
import { chooseTreatments } from '../../src/evaluate/uplift-decide.js';
import type { DenseLayer, HiddenActivation } from '../../src/model/network.js';
import { buildUpliftOnnxModel, type UpliftGraph } from '../../src/model/onnx-build.js';
import { scoreUplift } from '../../src/model/uplift.js';
import { inputWidth, type FeatureState } from '../../src/prep/features.js';

const { Parser } = createRequire(import.meta.url)('node-sql-parser') as typeof import('node-sql-parser');

const FEATURES: FeatureState = {
  numeric: [
    { name: 'tenure', mean: 120.5, std: 40.25, fill: 120.5, flagMissing: true },
    { name: 'spend', mean: -3.5, std: 2, fill: -3.5, flagMissing: false },
    { name: 'log_tenure', mean: 4.2, std: 1.1, fill: 4.2, flagMissing: false },
  ],
  categorical: [{ name: 'plan', levels: ['basic', "o'k"] }],
  derived: [{ name: 'log_tenure', op: 'log1p', inputs: ['tenure'] }],
};
const WIDTH = inputWidth(FEATURES);
const TREATMENTS = ['mail', "sms 'b'"];
const TOLERANCE = 1e-5;

function layers(sizes: readonly number[], hidden: HiddenActivation[], output: 'softmax' | 'sigmoid', seed: number): DenseLayer[] {
  const rng = createRng(seed);
  return sizes.slice(1).map((units, k) => ({
    inputs: sizes[k]!,
    units,
    kernel: Float32Array.from({ length: sizes[k]! * units }, () => (rng() - 0.5) * 2),
    bias: Float32Array.from({ length: units }, () => rng() - 0.5),
    activation: k === sizes.length - 2 ? output : hidden[k]!,
  }));
}

const rng = createRng(11);
const GRAPH: UpliftGraph = {
  heads: [
    { kind: 'network', weights: { layers: layers([WIDTH, 5, 4, 2], ['relu', 'tanh'], 'softmax', 1) } },
    { kind: 'network', weights: { layers: layers([WIDTH, 3, 2], ['sigmoid'], 'sigmoid', 2) } },
    { kind: 'network', weights: { layers: layers([WIDTH, 2], [], 'softmax', 3) } },
    { kind: 'network', weights: { layers: layers([WIDTH, 4, 2], ['linear'], 'softmax', 4) } },
    { kind: 'linear', weights: Float32Array.from({ length: WIDTH }, () => (rng() - 0.5) * 0.2), bias: 0.03 },
  ],
  control: 0,
  treatments: [
    { name: 'mail', terms: [{ head: 1, coefficient: 0.5 }, { head: 0, coefficient: -0.5 }, { head: 4, coefficient: 0.5 }], constant: 0 },
    { name: "sms 'b'", terms: [{ head: 2, coefficient: 2 / 3 }, { head: 3, coefficient: 1 / 3 }], constant: -0.5 },
  ],
};

function pipeline(graph: UpliftGraph): UpliftPipeline {
  return { features: FEATURES, graph, treatments: TREATMENTS, idColumn: 'id', about: ['uplift model test'] };
}

describe('an uplift graph read back from its ONNX bytes', () => {
  const { onnx } = buildUpliftOnnxModel(FEATURES, GRAPH);
  const read = upliftFromOnnx(onnx, TREATMENTS);

  it('has every head, its layers and activations, and every term', () => {
    expect(read.heads.map((h) => h.kind)).toEqual(['network', 'network', 'linear', 'network', 'network']);
    const shape = (h: UpliftGraph['heads'][number]) => (h.kind === 'network' ? h.weights.layers.map((l) => `${l.inputs}→${l.units} ${l.activation}`) : [`linear ${h.weights.length}`]);
    // Heads are numbered as the outputs first use them: control, then mail's terms, then sms's.
    const order = [0, 1, 4, 2, 3];
    expect(read.heads.map(shape)).toEqual(order.map((k) => shape(GRAPH.heads[k]!)));
    const linear = read.heads[2]!;
    expect(linear.kind === 'linear' && [...linear.weights]).toEqual([...(GRAPH.heads[4] as { weights: Float32Array }).weights]);
    expect(read.treatments.map((t) => t.terms.map((term) => [order[term.head], term.coefficient]))).toEqual(
      GRAPH.treatments.map((t) => t.terms.map((term) => [term.head, Math.fround(term.coefficient)])),
    );
    expect(read.treatments.map((t) => t.constant)).toEqual([0, -0.5]);
  });
});

describe('the compiled uplift SQL in DuckDB against onnxruntime', () => {
  let db: Awaited<ReturnType<typeof openDuckDb>>;
  const { onnx } = buildUpliftOnnxModel(FEATURES, GRAPH);
  const compiled = pipeline(upliftFromOnnx(onnx, TREATMENTS));
  const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  const columns = {
    nRows: ids.length,
    numeric: new Map<string, number[]>([
      ['tenure', [100, Number.NaN, 0, -4, 30, 1e6, 3, 250]],
      ['spend', [-3.5, 2, 5, Number.NaN, 1, -1e6, 0, -7]],
    ]),
    categorical: new Map<string, (string | null)[]>([['plan', ['basic', "o'k", null, '', 'gold', 'basic', "o'k", 'basic']]]),
  };
  const values = (v: number) => (Number.isNaN(v) ? 'NULL' : String(v));
  const text = (v: string | null) => (v === null ? 'NULL' : `'${v.replaceAll("'", "''")}'`);

  beforeAll(async () => {
    db = await openDuckDb();
    await db.connection.run('CREATE TABLE customers (id VARCHAR, tenure DOUBLE, spend DOUBLE, plan VARCHAR)');
    const rows = ids.map((id, i) => `('${id}', ${values(columns.numeric.get('tenure')![i]!)}, ${values(columns.numeric.get('spend')![i]!)}, ${text(columns.categorical.get('plan')![i]!)})`);
    await db.connection.run(`INSERT INTO customers VALUES ${rows.join(', ')}`);
  });

  afterAll(() => db?.close());

  const run = async (sql: string) => (await db.connection.runAndReadAll(sql)).getRowObjectsJS();

  it('gives every output of the graph to 1e-5 on every row, and the best treatment, the decision and put_off as rebuy score does', async () => {
    const money = { contactCost: 0.05, valuePerReturn: 1 };
    const expected = await scoreUplift(onnx, FEATURES, columns);
    const rows = await run(compileUpliftSql(compiled, DIALECTS.duckdb, { table: 'customers' }, { money }));
    expect(Object.keys(rows[0]!)).toEqual(upliftScoreColumns(TREATMENTS, true));
    expect(rows.map((r) => r.id)).toEqual(ids);
    const choice = chooseTreatments(expected.uplift, money);
    let worst = 0;
    rows.forEach((row, i) => {
      worst = Math.max(worst, Math.abs(Number(row.p_no_contact) - expected.control[i]!));
      TREATMENTS.forEach((t, k) => {
        worst = Math.max(worst, Math.abs(Number(row[`p_${t}`]) - expected.treated[k]![i]!), Math.abs(Number(row[`uplift_${t}`]) - expected.uplift[k]![i]!));
      });
      const best = expected.uplift[0]![i]! >= expected.uplift[1]![i]! ? 0 : 1;
      expect(row.best_treatment).toBe(expected.uplift[best]![i]! > 0 ? TREATMENTS[best] : 'none');
      expect(row.send).toBe(choice.treatment[i]! >= 0 ? TREATMENTS[choice.treatment[i]!] : 'none');
      expect(Number(row.expected_incremental_profit)).toBeCloseTo(choice.gain[i]!, 5);
      expect(Number(row.put_off)).toBe(choice.putOff[i]);
    });
    expect(worst).toBeLessThan(TOLERANCE);
    // Not a trivial case: treatments differ, some customers are put off, some are sent one.
    expect(new Set(rows.map((r) => r.best_treatment)).size).toBeGreaterThan(1);
    expect(new Set(rows.map((r) => r.send)).size).toBeGreaterThan(1);
  });

  it('the PostgreSQL text gives the same rows (DuckDB reads its types)', async () => {
    const duck = await run(compileUpliftSql(compiled, DIALECTS.duckdb, { table: 'customers' }));
    const postgres = await run(compileUpliftSql(compiled, DIALECTS.postgres, { table: 'customers' }));
    expect(postgres).toEqual(duck);
    expect(Object.keys(duck[0]!)).toEqual(upliftScoreColumns(TREATMENTS, false));
  });

  it('the Trino, BigQuery and Snowflake texts parse, Snowflake names upper-case', () => {
    const parser = new Parser();
    for (const name of ['trino', 'bigquery', 'snowflake'] as const) {
      const sql = compileUpliftSql(compiled, DIALECTS[name], { table: 'customers' }, { money: { contactCost: 1, valuePerReturn: 10 } });
      expect(() => parser.astify(sql, { database: name })).not.toThrow();
    }
    const snowflake = compileUpliftSql(compiled, DIALECTS.snowflake, { table: 'customers' });
    expect(snowflake).toContain(`AS "P_SMS 'B'"`);
    expect(snowflake).toContain('AS "BEST_TREATMENT"');
  });
});
