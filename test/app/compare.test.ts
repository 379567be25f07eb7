import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import { compareModels } from '../../src/app/compare.js';
import { selectModel } from '../../src/train/auto.js';
import { kFoldPlans } from '../../src/train/plans.js';
import { readTable } from '../../src/data/read.js';
import { resolveNetworkConfig } from '../../src/model/presets.js';
import { syntheticCsv } from './fixtures.js';

let dir: string;
let csv: string;
beforeAll(async () => {
  ({ dir, csv } = await syntheticCsv(3000, 4));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('compare', () => {
  it('runs every candidate on the same folds and ranks them with intervals', async () => {
    const result = await compareModels({ data: csv, folds: 3, balance: 'random', split: [0.8, 0.1, 0.1], seed: 2, presets: ['2x10'] });
    const { leaderboard, runs } = result;
    expect(leaderboard.plans).toBe(3);
    expect(leaderboard.rows.map((r) => r.candidate).sort()).toEqual(['2x10', 'logistic']);
    // Paired: each candidate ran on plans 0, 1, 2.
    for (const name of ['2x10', 'logistic']) expect(runs.filter((r) => r.candidate === name).map((r) => r.plan)).toEqual([0, 1, 2]);
    const [first, second] = leaderboard.rows;
    expect(first!.metrics.naturalRocAuc!.mean).toBeGreaterThanOrEqual(second!.metrics.naturalRocAuc!.mean);
    expect(first!.vsLeader).toBeNull();
    expect(second!.vsLeader!.meanDifference).toBeLessThanOrEqual(0);
    for (const row of leaderboard.rows) {
      const auc = row.metrics.naturalRocAuc!;
      expect(auc.lower).toBeLessThanOrEqual(auc.mean);
      expect(auc.upper).toBeGreaterThanOrEqual(auc.mean);
      expect(auc.mean).toBeGreaterThan(0.7);
    }
    expect(result.protocol).toMatch(/3-fold/);
  });
});

describe('k-fold plans', () => {
  it('test every row exactly once in the natural parts, and never train on a fold\'s test rows', async () => {
    const table = await readTable(csv);
    const plans = kFoldPlans(table, { folds: 4, balance: 'random', seed: 5 });
    const seen = new Uint8Array(table.nRows);
    for (const plan of plans) {
      const held = new Set(plan.naturalTest);
      for (const r of [...plan.train, ...plan.valid]) expect(held.has(r)).toBe(false);
      for (const r of plan.naturalTest) seen[r]! += 1;
    }
    expect(seen.every((v) => v === 1)).toBe(true);
  });

  it('given rows (a training part), use those rows only', async () => {
    const table = await readTable(csv);
    const rows = Int32Array.from({ length: 1000 }, (_, i) => 2 * i);
    const allowed = new Set(rows);
    for (const plan of kFoldPlans(table, { folds: 5, balance: 'random', seed: 6, rows })) {
      for (const part of [plan.train, plan.valid, plan.test, plan.naturalTest]) {
        for (const r of part) expect(allowed.has(r)).toBe(true);
      }
    }
  });
});

describe('--model auto', () => {
  it('chooses by cross-validation on the rows it is given only, the best mean ROC-AUC', async () => {
    const table = await readTable(csv);
    const rows = Int32Array.from({ length: 1500 }, (_, i) => i);
    const candidates = [
      { name: '2x10', kind: 'network' as const, preset: '2x10', config: resolveNetworkConfig('2x10') },
      { name: 'logistic', kind: 'logistic' as const },
    ];
    const selection = await selectModel(table, rows, { balance: 'random', seed: 1, candidates });
    expect(selection.chosen.name).toBe(selection.leaderboard.rows[0]!.candidate);
    // Each single candidate on 5 folds, and the ensemble of the two (the only size two candidates allow) from their held-out scores.
    expect(selection.runs).toHaveLength(3 * 5);
    const other = selection.single.name === '2x10' ? 'logistic' : '2x10';
    expect(selection.leaderboard.rows.map((r) => r.candidate).sort()).toEqual(['2x10', 'logistic', `mean(${selection.single.name}, ${other})`].sort());
    const means = selection.leaderboard.rows.map((r) => r.metrics.naturalRocAuc!.mean);
    expect(means[0]).toBe(Math.max(...means));
    const single = selection.leaderboard.rows.find((r) => r.candidate === selection.single.name)!;
    expect(single.metrics.naturalRocAuc!.mean).toBe(Math.max(...selection.leaderboard.rows.filter((r) => !r.candidate.startsWith('mean(')).map((r) => r.metrics.naturalRocAuc!.mean)));

    const singlesOnly = await selectModel(table, rows, { balance: 'random', seed: 1, candidates, ensembles: false });
    expect(singlesOnly.runs).toHaveLength(2 * 5);
    expect(singlesOnly.chosen).toEqual(selection.single);
  });
});
