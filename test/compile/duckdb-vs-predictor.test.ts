/**
 * The compiled SQL, run by DuckDB over the same rows, gives what the Predictor (onnxruntime on the
 * bundle's model.onnx) gives: every row's probability to 1e-6, the same labels.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainBundle } from '../../src/app/train.js';
import { loadBundle } from '../../src/bundle/load.js';
import { scoringPipelineOf } from '../../src/compile/from-bundle.js';
import { DIALECTS } from '../../src/compile/dialect.js';
import { compilePipelineSql } from '../../src/compile/pipeline-sql.js';
import { createRng } from '../../src/core/random.js';
import { openDuckDb, runScoringSql, type EngineScoredRow } from '../../src/engines/duckdb.js';
import { loadPredictor } from '../../src/predict/predictor.js';
import type { Predictor } from '../../src/predict/types.js';
import { rebuy } from '../helpers/cli.js';

interface Customer {
  id: string;
  tenure: number | null;
  spend: number | null;
  plan: string | null;
  region: string | null;
}

const PLANS = ['basic', 'gold', 'silver'];
const REGIONS = ['east', 'north', 'south', 'west'];

function customers(n: number, seed: number, firstId: number): Customer[] {
  const rng = createRng(seed);
  const pick = <T>(values: readonly T[]) => values[Math.floor(rng() * values.length)]!;
  return Array.from({ length: n }, (_, i) => ({
    id: `c${firstId + i}`,
    tenure: rng() < 0.15 ? null : Math.round(rng() * 3600) / 10,
    spend: rng() < 0.1 ? null : Math.round(rng() * 50000) / 100,
    plan: rng() < 0.12 ? null : pick(PLANS),
    region: rng() < 0.08 ? null : pick(REGIONS),
  }));
}

function toCsv(rows: readonly Customer[], target: (c: Customer) => number): string {
  const field = (v: number | string | null) => (v === null ? '' : String(v));
  const lines = rows.map((c) => [c.id, c.tenure, c.spend, c.plan, c.region, target(c)].map(field).join(','));
  return `id,tenure,spend,plan,region,target\n${lines.join('\n')}\n`;
}

/** Buyers: long tenure, the gold plan, the north; so each kind of column matters to the model. */
function buysAgain(rng: () => number): (c: Customer) => number {
  return (c) => {
    const z = ((c.tenure ?? 100) - 180) / 90 + (c.plan === 'gold' ? 1.2 : c.plan === null ? -0.5 : 0) + (c.region === 'north' ? 0.8 : 0) + (rng() - 0.5);
    return z > 0 ? 1 : 0;
  };
}

const sqlValue = (v: number | string | null) => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : `'${v.replaceAll("'", "''")}'`);

describe('compiled DuckDB SQL against the Predictor', () => {
  let dir: string;
  let predictor: Predictor;
  let probe: Customer[];
  let expected: Float32Array;
  let db: Awaited<ReturnType<typeof openDuckDb>>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rebuy-sql-'));
    const train = join(dir, 'train.csv');
    await writeFile(train, toCsv(customers(800, 1, 1), buysAgain(createRng(2))));
    await trainBundle({ data: join(dir, 'train.csv'), out: join(dir, 'model'), preset: '2x10', network: { maxEpochs: 15 }, balance: 'random', split: [0.8, 0.1, 0.1], seed: 4, baseline: false, report: false });
    predictor = await loadPredictor(join(dir, 'model'));

    const twin = { tenure: 250, spend: 120.5, region: 'north' };
    probe = [
      ...customers(300, 9, 5000),
      { id: 'unseen', ...twin, plan: 'platinum' },
      { id: 'missing', ...twin, plan: null },
      { id: 'empty', ...twin, plan: '' },
      { id: 'case', ...twin, plan: 'Gold' },
      { id: 'quote', ...twin, plan: "o'brien" },
      { id: 'seen', ...twin, plan: 'gold' },
      { id: 'all-missing', tenure: null, spend: null, plan: null, region: null },
      { id: 'extreme', tenure: 1e6, spend: -1e6, plan: 'gold', region: 'south' },
    ];
    expected = await predictor.predictRecords(probe.map(({ tenure, spend, plan, region }) => ({ tenure, spend, plan, region })));

    db = await openDuckDb();
    await db.connection.run('CREATE TABLE customers (id VARCHAR, tenure DOUBLE, spend DOUBLE, plan VARCHAR, region VARCHAR)');
    const values = probe.map((c) => `(${[c.id, c.tenure, c.spend, c.plan, c.region].map(sqlValue).join(', ')})`);
    await db.connection.run(`INSERT INTO customers VALUES ${values.join(', ')}`);
  }, 300_000);

  afterAll(async () => {
    db?.close();
    await predictor?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function compiled(source: { table: string } | { query: string }): Promise<EngineScoredRow[]> {
    const pipeline = await scoringPipelineOf(await loadBundle(join(dir, 'model')));
    return runScoringSql(db.connection, compilePipelineSql(pipeline, DIALECTS.duckdb, source, { rank: true }));
  }

  it('gives every row the Predictor\'s probability to 1e-6 and the same label', async () => {
    const rows = await compiled({ table: 'customers' });
    expect(rows).toHaveLength(probe.length);
    const byId = new Map(rows.map((r) => [r.id, r]));
    let worst = 0;
    probe.forEach((c, i) => {
      const row = byId.get(c.id)!;
      worst = Math.max(worst, Math.abs(row.probability - expected[i]!));
      expect(row.label, c.id).toBe(expected[i]! >= predictor.threshold ? 1 : 0);
    });
    expect(worst).toBeLessThan(1e-6);
    // Not a constant model: the comparison means something.
    expect(Math.max(...expected) - Math.min(...expected)).toBeGreaterThan(0.2);
  });

  it('ranks best first, 1…n', async () => {
    const rows = await compiled({ table: 'customers' });
    expect(rows.map((r) => r.rank)).toEqual(rows.map((_, i) => i + 1));
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.probability).toBeLessThanOrEqual(rows[i - 1]!.probability);
  });

  it('puts unseen, missing and empty categories in the "other" slot, apart from a seen level', async () => {
    const byId = new Map((await compiled({ table: 'customers' })).map((r) => [r.id, r.probability]));
    const other = byId.get('missing')!;
    for (const id of ['unseen', 'empty', 'case', 'quote']) expect(byId.get(id), id).toBe(other);
    expect(byId.get('seen')).not.toBe(other);
  });

  it('takes a query as its source, with NaN as a missing number', async () => {
    const rows = await compiled({ query: "SELECT id, CASE WHEN id = 'all-missing' THEN CAST('NaN' AS DOUBLE) ELSE tenure END AS tenure, spend, plan, region FROM customers WHERE id IN ('all-missing', 'seen');" });
    const at = (id: string) => expected[probe.findIndex((c) => c.id === id)]!;
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(Math.abs(row.probability - at(row.id))).toBeLessThan(1e-6);
  });

  it('`rebuy sql` prints the statement, which DuckDB runs to the same probabilities', async () => {
    const run = rebuy(['sql', '--model', join(dir, 'model'), '--dialect', 'duckdb', '--query', "SELECT * FROM customers WHERE id LIKE 'c50%'", '--no-rank']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^-- rebuy scoring pipeline, duckdb dialect/);
    const rows = await runScoringSql(db.connection, run.stdout);
    expect(rows.length).toBeGreaterThan(50);
    expect(rows.every((r) => r.rank === undefined)).toBe(true);
    for (const row of rows) expect(Math.abs(row.probability - expected[probe.findIndex((c) => c.id === row.id)]!)).toBeLessThan(1e-6);
  });

  it('`rebuy sql` refuses an unknown dialect and both a table and a query, with exit 2', () => {
    const model = join(dir, 'model');
    const dialect = rebuy(['sql', '--model', model, '--dialect', 'oracle']);
    expect(dialect.code).toBe(2);
    expect(dialect.stderr).toContain('duckdb, postgres');
    const both = rebuy(['sql', '--model', model, '--dialect', 'duckdb', '--table', 't', '--query', 'SELECT 1']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('not both');
  });
});
