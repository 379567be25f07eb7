/**
 * The compiler's text: the PostgreSQL dialect's shape, comment safety, size for a 3x50 network, and
 * exact number literals. Whether the numbers are right is checked by running the SQL against the
 * Predictor (duckdb-vs-predictor, audiobooks-sql); here the PostgreSQL text is also run by DuckDB,
 * which reads PostgreSQL's type names, against the DuckDB text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DIALECTS, type SqlDialect } from '../../src/compile/dialect.js';
import { compilePipelineSql, float32, float64, type ScoringPipeline } from '../../src/compile/pipeline-sql.js';
import { createRng } from '../../src/core/random.js';
import type { DenseLayer } from '../../src/model/network.js';
import { inputWidth, type FeatureState } from '../../src/prep/features.js';
import { openDuckDb, runScoringSql } from '../../src/engines/duckdb.js';
import { RebuyError } from '../../src/errors.js';

const FEATURES: FeatureState = {
  numeric: [
    { name: 'tenure', mean: 120.5, std: 40.25, fill: 120.5, flagMissing: true },
    { name: 'spend', mean: -3.5, std: 2, fill: -3.5, flagMissing: false },
    { name: 'spend_per_tenure', mean: 0.1, std: 0.3, fill: 0.1, flagMissing: true },
    { name: 'log_tenure', mean: 4.2, std: 1.1, fill: 4.2, flagMissing: false },
    { name: 'has_spend', mean: 0.6, std: 0.49, fill: 0.6, flagMissing: false },
    { name: 'spend_changed', mean: 0.3, std: 0.46, fill: 0.3, flagMissing: false },
  ],
  categorical: [{ name: 'plan "tier"', levels: ['basic', "o'k"] }],
  derived: [
    { name: 'spend_per_tenure', op: 'ratio', inputs: ['spend', 'tenure'] },
    { name: 'log_tenure', op: 'log1p', inputs: ['tenure'] },
    { name: 'has_spend', op: 'positive', inputs: ['spend'] },
    { name: 'spend_changed', op: 'differs', inputs: ['spend'], value: -3.5 },
  ],
};

function randomLayers(sizes: readonly number[], output: 'softmax' | 'sigmoid', seed: number): DenseLayer[] {
  const rng = createRng(seed);
  return sizes.slice(1).map((units, k) => {
    const inputs = sizes[k]!;
    const last = k === sizes.length - 2;
    return {
      inputs,
      units,
      kernel: Float32Array.from({ length: inputs * units }, () => (rng() - 0.5) * 2),
      bias: Float32Array.from({ length: units }, () => rng() - 0.5),
      activation: last ? output : 'relu',
    };
  });
}

function pipeline(hidden: readonly number[], output: 'softmax' | 'sigmoid' = 'softmax'): ScoringPipeline {
  return {
    features: FEATURES,
    weights: { layers: randomLayers([inputWidth(FEATURES), ...hidden, 2], output, 7) },
    calibration: { slope: 0.8, intercept: -0.25 },
    threshold: 0.4,
    idColumn: 'id',
    about: ['model test-net (network)', 'bundle manifest sha256 0123abcd'],
  };
}

/** The statement without its header comment. */
const body = (sql: string) => sql.split('\n').filter((line) => !line.startsWith('-- ')).join('\n');

describe('the PostgreSQL text', () => {
  const sql = compilePipelineSql(pipeline([4, 3]), DIALECTS.postgres, { table: 'sales.customers' }, { rank: true });

  it('is float8 throughout and names PostgreSQL types only', () => {
    expect(sql).toContain('CAST("tenure" AS DOUBLE PRECISION)');
    expect(sql).toContain(`CAST("plan ""tier""" AS TEXT)`);
    expect(body(sql)).not.toMatch(/AS DOUBLE\)|VARCHAR/);
    expect(sql).toContain('FROM "sales"."customers"');
  });

  it('has one CTE per stage and per layer, in order', () => {
    const ctes = [...body(sql).matchAll(/^(?:WITH )?(\w+) AS (?:MATERIALIZED )?\($/gm)].map((m) => m[1]);
    expect(ctes).toEqual(['raw', 'derived', 'encoded', 'scaled', 'layer_1', 'layer_2', 'output', 'calibrated']);
  });

  it('clamps every exponential and never writes "--" outside the header', () => {
    const exps = body(sql).match(/EXP\(/g) ?? [];
    const clamped = body(sql).match(/EXP\(-LEAST\(GREATEST\(/g) ?? [];
    expect(exps.length).toBeGreaterThan(0);
    expect(clamped.length).toBe(exps.length);
    expect(body(sql)).not.toContain('--');
  });

  it('names the model, its hash and the columns it expects in a header comment', () => {
    const header = sql.split('\n').filter((line) => line.startsWith('-- ')).join('\n');
    expect(header).toContain('postgres dialect');
    expect(header).toContain('0123abcd');
    expect(header).toContain('numeric "tenure", "spend"; categorical "plan \\"tier\\""');
  });

  it('reads a query as a subquery, its trailing semicolon dropped', () => {
    const fromQuery = compilePipelineSql(pipeline([4]), DIALECTS.postgres, { query: 'SELECT * FROM t WHERE x > 1;  ' });
    expect(fromQuery).toContain('(\nSELECT * FROM t WHERE x > 1\n) AS source_rows');
  });
});

describe('both dialects run in DuckDB to the same rows', () => {
  let db: Awaited<ReturnType<typeof openDuckDb>>;

  beforeAll(async () => {
    db = await openDuckDb();
    await db.connection.run(`CREATE TABLE customers (id VARCHAR, tenure DOUBLE, spend DOUBLE, "plan ""tier""" VARCHAR)`);
    // Missing values, a zero denominator, a negative log input, unseen/empty/quoted levels, values far out.
    await db.connection.run(`INSERT INTO customers VALUES
      ('a', 100, -3.5, 'basic'), ('b', NULL, 2, 'o''k'), ('c', 0, 5, NULL), ('d', -4, NULL, ''),
      ('e', 'NaN', 1, 'gold'), ('f', 1e6, -1e6, 'basic'), ('g', 3, 0, 'o''k')`);
  });

  afterAll(() => db?.close());

  for (const output of ['softmax', 'sigmoid'] as const) {
    it(`${output} output`, async () => {
      const run = (dialect: SqlDialect) => runScoringSql(db.connection, compilePipelineSql(pipeline([5, 4], output), dialect, { table: 'customers' }, { rank: true }));
      const duck = await run(DIALECTS.duckdb);
      const postgres = await run(DIALECTS.postgres);
      expect(duck).toHaveLength(7);
      expect(postgres).toEqual(duck);
      for (const row of duck) expect(row.probability).toBeGreaterThan(0);
      expect(new Set(duck.map((r) => r.probability)).size).toBeGreaterThan(3);
    });
  }
});

describe('a table the model cannot read', () => {
  it("is the user's input error naming the missing column", async () => {
    const db = await openDuckDb();
    try {
      await db.connection.run(`CREATE TABLE customers (id VARCHAR, tenure DOUBLE, "plan ""tier""" VARCHAR)`);
      const sql = compilePipelineSql(pipeline([3]), DIALECTS.duckdb, { table: 'customers' });
      const failure = await runScoringSql(db.connection, sql).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(RebuyError);
      expect(failure).toMatchObject({ code: 'INPUT_INVALID', location: { column: 'spend' } });
    } finally {
      db.close();
    }
  });
});

describe('size', () => {
  it("keeps a 3x50 network's statement under 200 KB", () => {
    const sql = compilePipelineSql(pipeline([50, 50, 50]), DIALECTS.duckdb, { table: 'customers' }, { rank: true });
    expect(Buffer.byteLength(sql)).toBeLessThanOrEqual(200_000);
  });
});

describe('number literals', () => {
  it('float32: the shortest text that reads back as the same float32', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (x) => {
        // -0 may come back as 0: the same in every sum.
        expect(Math.fround(Number(float32(x))) === Math.fround(x)).toBe(true);
      }),
    );
    expect(float32(Math.fround(0.1))).toBe('0.1');
    expect(float32(Math.fround(-0.25))).toBe('-0.25');
  });

  it('float64: exact, in exponent form, negatives in parentheses', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const text = float64(x);
        expect(Number(text.replace(/^\((.*)\)$/, '$1'))).toBe(x === 0 ? 0 : x);
        expect(text.startsWith('-')).toBe(false);
      }),
    );
    expect(float64(-3)).toBe('(-3e+0)');
  });
});
