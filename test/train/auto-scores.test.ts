/**
 * selectModel's out-of-fold scores (keepScores): every learning row is held out by exactly one fold,
 * and each single candidate's run keeps its raw probabilities on that fold's parts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import type { Table } from '../../src/core/table.js';
import { readTable } from '../../src/data/read.js';
import { resolveNetworkConfig } from '../../src/model/presets.js';
import { AUTO_FOLDS, selectModel } from '../../src/train/auto.js';
import type { SingleCandidate } from '../../src/train/fit.js';
import { learningRows, randomSplitPlans } from '../../src/train/plans.js';
import { syntheticCsv } from '../app/fixtures.js';

const CANDIDATES: SingleCandidate[] = [
  { name: 'logistic', kind: 'logistic' },
  { name: '2x10', kind: 'network', preset: '2x10', config: resolveNetworkConfig('2x10', { maxEpochs: 2 }) },
];

let dir: string;
let table: Table;
let rows: Int32Array;
beforeAll(async () => {
  const data = await syntheticCsv(600, 5);
  dir = data.dir;
  table = await readTable(data.csv);
  rows = learningRows(randomSplitPlans(table, { repeats: 1, balance: 'random', split: [0.8, 0.1, 0.1], seed: 1 })[0]!);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('selectModel with keepScores', () => {
  it('keeps each single candidate fold run’s probabilities, and the folds hold out every learning row once', async () => {
    const selection = await selectModel(table, rows, { balance: 'random', seed: 2, candidates: CANDIDATES, purchaseModels: false, keepScores: true });
    expect(selection.plans).toHaveLength(AUTO_FOLDS);
    const heldOut = selection.plans.flatMap((plan) => [...plan.test]).sort((a, b) => a - b);
    expect(heldOut).toEqual([...rows].sort((a, b) => a - b));
    const singles = selection.runs.filter((run) => CANDIDATES.some((c) => c.name === run.candidate));
    expect(singles).toHaveLength(CANDIDATES.length * AUTO_FOLDS);
    for (const run of singles) {
      const plan = selection.plans[run.plan]!;
      expect(run.scores?.test).toHaveLength(plan.test.length);
      expect(run.scores?.natural).toHaveLength(plan.naturalTest.length);
      expect(run.scores?.valid).toHaveLength(plan.valid.length);
    }
  }, 300_000);

  it('drops the probabilities by default', async () => {
    const selection = await selectModel(table, rows, { balance: 'random', seed: 2, candidates: CANDIDATES, purchaseModels: false });
    expect(selection.runs.every((run) => run.scores === undefined)).toBe(true);
  }, 300_000);
});
