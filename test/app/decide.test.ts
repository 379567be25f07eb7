import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { trainBundle } from '../../src/app/train.js';
import { decide } from '../../src/app/decide.js';
import { loadBundle } from '../../src/bundle/load.js';
import { loadPredictor } from '../../src/predict/predictor.js';
import type { BundleEvaluation } from '../../src/bundle/evaluation.js';
import { MANIFEST_FILE, MANIFEST_HASH_FILE, REPORT_FILE } from '../../src/bundle/layout.js';
import { objectiveInWords } from '../../src/bundle/objective.js';
import { chooseThreshold, weightsToRate, type ThresholdObjective } from '../../src/evaluate/decide.js';
import { formatDecision } from '../../src/cli/decide.js';
import { syntheticCsv } from './fixtures.js';

let dir: string;
let model: string;
beforeAll(async () => {
  const data = await syntheticCsv(4000);
  dir = data.dir;
  model = join(dir, 'model');
  await trainBundle({ data: data.csv, out: model, preset: '2x10', balance: 'random', split: [0.8, 0.1, 0.1], seed: 1 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function storedEvaluation(): Promise<BundleEvaluation> {
  return JSON.parse(await readFile(join(model, 'evaluation.json'), 'utf8')) as BundleEvaluation;
}

describe('decide', () => {
  it('by profit: contacts whoever is expected to earn more than the contact costs, and judges the list on the labels it did not look at', async () => {
    const cost = 2;
    const value = 30;
    const d = await decide({ model, objective: { kind: 'profit', contactCost: cost, valuePerReturn: value }, seed: 1, save: false });
    const { probability: p, label: y } = (await storedEvaluation()).naturalTest;
    const chosen = p.map((v, i) => ({ v, y: y[i]! })).filter(({ v }) => v * value - cost > 0);
    expect(d.rule).toBe('expected-profit');
    expect(d.choice.contacted).toBe(chosen.length);
    expect(d.choice.threshold).toBe(Math.min(...chosen.map(({ v }) => v)));
    expect(d.profit!.expected).toBeCloseTo(chosen.reduce((s, { v }) => s + v * value - cost, 0), 6);
    expect(d.profit!.bootstrap.chosen.profit).toBe(chosen.reduce((s, c) => s + c.y * value - cost, 0));
    expect(d.profit!.bootstrap.chosen.lower).toBeLessThan(d.profit!.bootstrap.chosen.profit);
    expect(d.profit!.bootstrap.chosen.upper).toBeGreaterThan(d.profit!.bootstrap.chosen.profit);
    // The best cut in hindsight is shown apart, never taken as the plan.
    expect(d.profit!.curve.best.profit).toBeGreaterThanOrEqual(d.profit!.bootstrap.chosen.profit);
    expect(d.gains).toHaveLength(10);
    expect(d.gains.at(-1)!.capturedShare).toBeCloseTo(1, 12);
    expect(formatDecision(d)).toContain('rule: the list was chosen by expected profit from the calibrated probabilities');
  });

  it('by F1: chooses on the validation part kept in the bundle, reweighted to the natural share of buyers', async () => {
    const d = await decide({ model, objective: { kind: 'f1' }, contactCost: 2, valuePerReturn: 30, seed: 1, save: false });
    const evaluation = await storedEvaluation();
    const validation = evaluation.validation!;
    const bundle = await loadBundle(model);
    const weights = weightsToRate(validation.label, bundle.manifest.data.positives / bundle.manifest.data.rows);
    expect(validation.label.filter((v) => v === 1).length * 2).toBe(validation.label.length);
    expect(d.rule).toBe('validation');
    expect(d.choice.threshold).toBe(chooseThreshold(validation.probability, validation.label, { kind: 'f1' }, weights).threshold);
    expect(d.choice.contacted).toBe(evaluation.naturalTest.probability.filter((v) => v >= d.choice.threshold).length);
    expect(formatDecision(d)).toMatch(/expected profit \(from the probabilities\)\s+\$[\d,]+\n\s+realized profit \(from these customers' labels\)\s+−?\$[\d,]+\n\s+95 % interval/);
  });

  it('saves the threshold into the bundle, which still verifies, and the Predictor uses it', async () => {
    const d = await decide({ model, objective: { kind: 'topK', k: 100 }, seed: 1 });
    expect(d.choice.contacted).toBe(100);
    const bundle = await loadBundle(model);
    expect(bundle.manifest.threshold).toBe(d.choice.threshold);
    expect(bundle.manifest.thresholdObjective).toEqual(d.objective);
    const predictor = await loadPredictor(model);
    expect(predictor.threshold).toBe(d.choice.threshold);
    await predictor.close();
  });

  it('keeps every file and rebuilds the report, which shows the new threshold and objective', async () => {
    const before = await loadBundle(model);
    expect(Object.keys(before.manifest.files)).toContain(REPORT_FILE);
    const objective: ThresholdObjective = { kind: 'profit', contactCost: 3, valuePerReturn: 40 };
    const d = await decide({ model, objective, seed: 1 });
    const bundle = await loadBundle(model);
    expect(Object.keys(bundle.manifest.files).sort()).toEqual(Object.keys(before.manifest.files).sort());
    expect((await readdir(model)).sort()).toEqual([...Object.keys(bundle.manifest.files), MANIFEST_FILE, MANIFEST_HASH_FILE].sort());
    const html = (await bundle.readVerified(REPORT_FILE)).toString('utf8');
    expect(html).toContain(`This threshold was chosen as ${objectiveInWords(objective)}.`);
    expect(html).toContain(`at least ${d.choice.threshold.toFixed(3)}`);
    expect(html).not.toContain(objectiveInWords({ kind: 'balanced' }));
  });

  it('refuses the bundle when report.html is altered by one byte', async () => {
    const path = join(model, REPORT_FILE);
    const original = await readFile(path);
    const altered = Buffer.from(original);
    altered[200] = altered[200]! ^ 1;
    await writeFile(path, altered);
    try {
      await expect(loadBundle(model)).rejects.toThrow(/report\.html was altered/);
    } finally {
      await writeFile(path, original);
    }
  });
});
