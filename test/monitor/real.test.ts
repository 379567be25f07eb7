/**
 * Monitoring on the real Audiobooks data: random halves raise no false alarms, planted drifts are
 * found and named, and the performance estimated without labels is honest. One small model is
 * trained once for the file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainBundle } from '../../src/app/train.js';
import { readTable } from '../../src/data/read.js';
import { featureColumns, type Table } from '../../src/core/table.js';
import { createRng, randomInt } from '../../src/core/random.js';
import { computeMetrics } from '../../src/evaluate/metrics.js';
import { loadPredictor } from '../../src/predict/predictor.js';
import type { Predictor } from '../../src/predict/types.js';
import { splitTable } from '../../src/train/dataset.js';
import { buildProfile } from '../../src/monitor/profile.js';
import { addBatch, createSketch } from '../../src/monitor/sketch.js';
import { monitorRun, type MonitorRun } from '../../src/monitor/run.js';
import { isFlagged } from '../../src/monitor/drift.js';
import type { FeatureState } from '../../src/prep/features.js';
import { readProfile } from '../../src/bundle/profile.js';
import { REAL_CSV, SHARED_DATA, realDataPresent } from '../helpers/paths.js';

const HILLSTROM = join(SHARED_DATA, 'hillstrom.csv');
const SPLITS = 20;
const SEED = 11;
const present = realDataPresent('monitor on real data', [REAL_CSV, HILLSTROM]);

let dir: string;
let table: Table;
let predictor: Predictor;

beforeAll(async () => {
  if (!present) return;
  dir = mkdtempSync(join(tmpdir(), 'rebuy-monitor-'));
  await trainBundle({ data: REAL_CSV, out: join(dir, 'model'), preset: '2x10', balance: 'random', split: [0.8, 0.1, 0.1], seed: SEED, report: false });
  predictor = await loadPredictor(join(dir, 'model'));
  table = await readTable(REAL_CSV);
}, 300_000);

afterAll(async () => {
  await predictor?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Row indices 0..n-1 in a seeded random order. */
function shuffled(n: number, seed: number): Int32Array {
  const rng = createRng(seed);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

type Columns = ReturnType<typeof featureColumns>;

/** A run of `current` against a profile of `reference`, scored through the Predictor (when given). */
async function compare(
  reference: Columns,
  current: Columns,
  options: { model?: Predictor | null; features?: FeatureState; labels?: ArrayLike<number> | null; seed?: number } = {},
): Promise<MonitorRun> {
  const model = options.model === undefined ? predictor : options.model;
  const referenceScores = model ? await model.predictColumns(reference) : null;
  const profile = buildProfile({ columns: reference, source: 'reference half', scores: referenceScores && { probability: referenceScores, source: 'reference half' }, seed: options.seed ?? 0 });
  const sketch = createSketch(profile, model?.threshold ?? 0.5, options.seed ?? 0);
  addBatch(sketch, profile, current, model ? await model.predictColumns(current) : null, options.labels ?? null);
  return monitorRun(sketch, {
    profile,
    features: options.features ?? predictor.manifest.features,
    objective: model?.manifest.thresholdObjective ?? { kind: 'balanced' },
    model: { ref: 'test', hash: 'test', createdAt: '' },
    file: 'current half',
  });
}

function halves(t: Table, seed: number): [Int32Array, Int32Array] {
  const order = shuffled(t.nRows, seed);
  const half = Math.floor(t.nRows / 2);
  return [order.subarray(0, half), order.subarray(half)];
}

describe.skipIf(!present)('the training profile kept in the bundle', () => {
  it('profiles every row of the table and the held-out natural-mix scores, within its size bounds', async () => {
    const profile = await readProfile(predictor.bundle);
    const { data } = predictor.manifest;
    expect(profile.rows).toBe(data.rows);
    expect(profile.numeric.map((c) => c.name)).toEqual(predictor.manifest.schema.features.map((f) => f.name));
    for (const column of profile.numeric) {
      const values = table.numeric.get(column.name)!;
      expect(column.quantiles).toHaveLength(101);
      expect(column.quantiles[0]).toBe(Math.min(...values));
      expect(column.quantiles[100]).toBe(Math.max(...values));
      expect(column.sample).toHaveLength(5000);
      expect(column.histogram.counts.reduce((s, c) => s + c, 0)).toBe(column.rows - column.missing);
      expect(column.mean).toBeCloseTo(values.reduce((s, v) => s + v, 0) / values.length, 9);
    }
    expect(profile.numeric.find((c) => c.name === 'review')!.values).toEqual([
      { value: 0, count: table.numeric.get('review')!.filter((v) => v === 0).length },
      { value: 1, count: table.numeric.get('review')!.filter((v) => v === 1).length },
    ]);
    expect(profile.scores!.rows).toBe(data.naturalTestRows);
  });
});

describe.skipIf(!present)('no false alarms on random halves of the real data', () => {
  it('flags each feature, in each family of checks, in at most 1 of 20 splits, and the scores too', async () => {
    const families = { distribution: new Map<string, number>(), mean: new Map<string, number>(), missing: new Map<string, number>(), psi: new Map<string, number>() };
    let scoreAlarms = 0;
    let alerts = 0;
    const bump = (m: Map<string, number>, k: string): void => void m.set(k, (m.get(k) ?? 0) + 1);
    for (let s = 0; s < SPLITS; s++) {
      const [a, b] = halves(table, 1000 + s);
      const run = await compare(featureColumns(table, a), featureColumns(table, b), { seed: s });
      for (const c of run.columns) {
        if (c.drifted) bump(families.distribution, c.column);
        if (c.meanDrifted) bump(families.mean, c.column);
        if (c.missingDrifted) bump(families.missing, c.column);
        if (c.psiDrifted) bump(families.psi, c.column);
      }
      if (run.scores?.drifted || run.scores?.psiDrifted) scoreAlarms++;
      if (run.alert.alert) alerts++;
      expect(run.columns.map((c) => c.method).every((m) => m === 'wasserstein' || m === 'jensen-shannon')).toBe(true);
    }
    for (const family of Object.values(families)) for (const [, times] of family) expect(times).toBeLessThanOrEqual(1);
    expect(scoreAlarms).toBeLessThanOrEqual(1);
    expect(alerts).toBeLessThanOrEqual(1);
  }, 120_000);

  it('small lists (500 customers: Kolmogorov–Smirnov and chi-squared) are flagged at no more than the 5 % the p-value allows', async () => {
    let tests = 0;
    let flagged = 0;
    for (let s = 0; s < SPLITS; s++) {
      const [a, b] = halves(table, 2000 + s);
      const run = await compare(featureColumns(table, a), featureColumns(table, b.subarray(0, 500)), { seed: s });
      expect(run.columns.every((c) => c.method === 'ks' || c.method === 'chi-squared')).toBe(true);
      tests += run.columns.length;
      flagged += run.columns.filter((c) => c.drifted).length;
    }
    // 200 tests at 5 %: 10 expected; ties in the data make KS conservative.
    expect(flagged / tests).toBeLessThanOrEqual(0.075);
  }, 120_000);
});

/** A copy of some columns with one numeric column changed. */
function withNumeric(columns: Columns, name: string, change: (values: Float64Array) => Float64Array): Columns {
  return { ...columns, numeric: new Map([...columns.numeric].map(([k, v]) => [k, k === name ? change(Float64Array.from(v)) : v])) };
}

describe.skipIf(!present)('planted drifts are found and named', () => {
  it('minutes listened ×1.5 for 30 % of the customers', async () => {
    for (let s = 0; s < 5; s++) {
      const [a, b] = halves(table, 3000 + s);
      const rng = createRng(s);
      const current = withNumeric(featureColumns(table, b), 'minutes_listened', (v) => v.map((x) => (rng() < 0.3 ? x * 1.5 : x)));
      const run = await compare(featureColumns(table, a), current, { seed: s });
      expect(run.alert.flagged).toEqual(['minutes_listened']);
      expect(run.summary.join(' ')).toMatch(/minutes_listened averages \d+ % higher than in training/);
    }
  }, 120_000);

  it('20 % more missing values', async () => {
    const [a, b] = halves(table, 4000);
    const rng = createRng(4);
    const current = withNumeric(featureColumns(table, b), 'price_avg', (v) => v.map((x) => (rng() < 0.2 ? Number.NaN : x)));
    const run = await compare(featureColumns(table, a), current, { model: null });
    const price = run.columns.find((c) => c.column === 'price_avg')!;
    expect(price.missingDrifted).toBe(true);
    expect(run.alert.flagged).toEqual(['price_avg']);
    expect(run.summary.join(' ')).toMatch(/price_avg is missing for 2\d % of customers, against 0 % in training/);
  });

  it('a class-mix shift, without labels: half the list buys again instead of a sixth', async () => {
    const [a, b] = halves(table, 5000);
    const target = table.target!;
    const buyers = Array.from(b).filter((r) => target[r] === 1);
    const others = Array.from(b).filter((r) => target[r] === 0).slice(0, buyers.length);
    const run = await compare(featureColumns(table, a), featureColumns(table, Int32Array.from([...buyers, ...others])));
    expect(run.scores!.drifted).toBe(true);
    expect(run.alert.alert).toBe(true);
    expect(run.alert.flagged.length).toBeGreaterThanOrEqual(3);
    expect(run.summary.join(' ')).toMatch(/The predicted probabilities drifted/);
  });

  it('a category the model never saw (Hillstrom, channel "Mobile" for 10 % of customers)', async () => {
    const hillstrom = await readTable(HILLSTROM, { target: 'visit' });
    const [a, b] = halves(hillstrom, 6000);
    const current = featureColumns(hillstrom, b);
    const rng = createRng(6);
    const channel = current.categorical.get('channel')!.map((v) => (rng() < 0.1 ? 'Mobile' : v));
    const planted = { ...current, categorical: new Map([...current.categorical, ['channel', channel]]) };
    const features: FeatureState = { numeric: [], categorical: [...current.categorical.keys()].map((name) => ({ name, levels: [] })) };
    const clean = await compare(featureColumns(hillstrom, a), current, { model: null, features });
    expect(clean.alert.flagged).toEqual([]);
    const run = await compare(featureColumns(hillstrom, a), planted, { model: null, features });
    const drift = run.columns.find((c) => c.column === 'channel')!;
    expect(drift.newCategories!.drifted).toBe(true);
    expect(drift.newCategories!.values.map((v) => v.value)).toEqual(['Mobile']);
    expect(drift.newCategories!.share).toBeCloseTo(0.1, 1);
    expect(run.alert.flagged).toEqual(['channel']);
    expect(run.summary.join(' ')).toMatch(/channel has values the model never saw \("Mobile"\) in 10 % of rows/);
  }, 120_000);
});

describe.skipIf(!present)('performance estimated without labels is honest', () => {
  /** The customers the model never trained or validated on, in the data's own class mix. */
  function heldOut(): Int32Array {
    return splitTable(table, { balance: 'random', split: [0.8, 0.1, 0.1], seed: SEED }).naturalTest;
  }

  it('on held-out natural-mix customers the estimated ROC-AUC and accuracy are within 0.02 of the measured, on average over 20 splits', async () => {
    const pool = heldOut();
    const differences = { accuracy: [] as number[], rocAuc: [] as number[] };
    for (let s = 0; s < SPLITS; s++) {
      const order = shuffled(pool.length, 7000 + s);
      const rows = Int32Array.from(order.subarray(0, Math.floor(pool.length / 2)), (i) => pool[i]!);
      const columns = featureColumns(table, rows);
      const labels = Uint8Array.from(rows, (r) => table.target![r]!);
      const run = await compare(featureColumns(table), columns, { labels, seed: s });
      const { expected, realized } = run.estimate;
      // The sketch's measured figures are the metrics module's, on the same rows.
      const exact = computeMetrics(await predictor.predictColumns(columns), labels, predictor.threshold);
      expect(realized!.accuracy).toBeCloseTo(exact.accuracy, 12);
      // Binned: a positive and a negative in one score bin count as half a pair, so the AUC is near, not exact.
      expect(Math.abs(realized!.rocAuc - exact.rocAuc)).toBeLessThan(1e-3);
      differences.accuracy.push(expected.accuracy - realized!.accuracy);
      differences.rocAuc.push(expected.rocAuc - realized!.rocAuc);
    }
    const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
    expect(Math.abs(mean(differences.accuracy))).toBeLessThanOrEqual(0.02);
    expect(Math.abs(mean(differences.rocAuc))).toBeLessThanOrEqual(0.02);
  }, 120_000);

  it('when only the hard-to-call customers remain, the estimate falls with the measured value', async () => {
    const pool = heldOut();
    const columns = featureColumns(table, pool);
    const p = await predictor.predictColumns(columns);
    const labels = Uint8Array.from(pool, (r) => table.target![r]!);
    const all = await compare(featureColumns(table), columns, { labels });
    const hard = Int32Array.from(Array.from(pool).filter((_, i) => p[i]! > 0.05 && p[i]! < 0.5));
    const shifted = await compare(featureColumns(table), featureColumns(table, hard), { labels: Uint8Array.from(hard, (r) => table.target![r]!) });
    const before = all.estimate;
    const after = shifted.estimate;
    expect(after.realized!.rocAuc).toBeLessThan(before.realized!.rocAuc);
    expect(after.expected.rocAuc).toBeLessThan(before.expected.rocAuc);
    expect(Math.sign(after.expected.accuracy - before.expected.accuracy)).toBe(Math.sign(after.realized!.accuracy - before.realized!.accuracy));
  }, 120_000);
});
