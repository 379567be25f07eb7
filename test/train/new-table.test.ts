import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/random.js';
import { mean } from '../../src/evaluate/stats.js';
import { initTraining } from '../../src/model/tf.js';
import { featureNames } from '../../src/prep/features.js';
import { calibrateModels } from '../../src/train/calibrate.js';
import { chooseCandidate } from '../../src/train/candidates.js';
import { loadDataset, type Dataset } from '../../src/train/dataset.js';
import { fitModels } from '../../src/train/models.js';
import { fitCandidate, fitCandidateFeatures, labelledRows, stackRows } from '../../src/train/fit.js';
import { trainLogistic } from '../../src/model/logistic.js';
import type { TrainProgress } from '../../src/train/progress.js';
import { syntheticCsv } from '../app/fixtures.js';

const SPLIT = { split: [0.8, 0.1, 0.1] as [number, number, number], seed: 4 };

/** A table rebuy has never seen: a categorical column, blanks in one numeric column only, about one buyer in five, a Yes/No target. */
function newTableCsv(rows: number): string {
  const random = createRng(9);
  const lines = ['customer_id,plan,tenure,calls,bought'];
  for (let i = 0; i < rows; i++) {
    const plan = ['basic', 'plus', 'family'][Math.floor(random() * 3)]!;
    const tenure = Math.floor(random() * 40);
    const calls = Math.floor(random() * 5);
    const z = -2 + (plan === 'family' ? 0.8 : 0) + 0.04 * tenure - 0.3 * calls;
    const bought = random() < 1 / (1 + Math.exp(-z));
    lines.push(`C${i},${plan},${random() < 0.15 ? '' : tenure},${calls},${bought ? 'Yes' : 'No'}`);
  }
  return lines.join('\n') + '\n';
}

let dir: string;
let audiobooks: { dir: string; csv: string };
let dataset: Dataset;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rebuy-new-table-'));
  await writeFile(join(dir, 'customers.csv'), newTableCsv(1500));
  audiobooks = await syntheticCsv(1200, 5);
  await initTraining();
  dataset = await loadDataset({ data: join(dir, 'customers.csv'), target: 'bought' }, SPLIT);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(audiobooks.dir, { recursive: true, force: true });
});

describe('the default on a table rebuy has never seen', () => {
  it('trains on every row, the classes weighted in the loss', () => {
    expect(dataset.options.balance).toBe('weights');
    expect(Math.abs(dataset.train.length + dataset.valid.length - 0.9 * dataset.table.nRows)).toBeLessThanOrEqual(2);
    // The balanced test part is a balanced sample of the held-out rows.
    const target = dataset.table.target!;
    const buyers = Array.from(dataset.test, (r) => target[r]!).filter((v) => v === 1).length;
    expect(buyers * 2).toBe(dataset.test.length);
    expect(dataset.naturalTest.length).toBeGreaterThan(dataset.test.length);
    const [w0, w1] = dataset.classWeights!;
    expect(w1).toBeGreaterThan(w0);
  });

  it('keeps the notebooks\' undersampling on the Audiobooks table, and a balance asked for', async () => {
    const own = await loadDataset({ data: audiobooks.csv }, SPLIT);
    expect(own.options.balance).toBe('random');
    expect(own.classWeights).toBeUndefined();
    expect((await loadDataset({ data: join(dir, 'customers.csv'), target: 'bought' }, { ...SPLIT, balance: 'random' })).options.balance).toBe('random');
  });

  it('chooses among the default preset, the logistic regression and their mean by cross-validation on the training part', async () => {
    const events: TrainProgress[] = [];
    const choice = await chooseCandidate(dataset, {}, (e) => void events.push(e));
    const names = choice.leaderboard!.rows.map((r) => r.candidate).sort();
    const means = names.filter((n) => n.startsWith('mean('));
    expect(names.filter((n) => !n.startsWith('mean('))).toEqual(['2x50', 'logistic']);
    expect(means).toHaveLength(1);
    expect(means[0]!.slice(5, -1).split(', ').sort()).toEqual(['2x50', 'logistic']);
    expect(choice.candidate.name).toBe(choice.leaderboard!.rows[0]!.candidate);
    expect(events.some((e) => e.kind === 'selected')).toBe(true);
    expect(events.filter((e) => e.kind === 'select').length).toBe(10);
  });

  it('also considers the logistic regression given the logs of long-tailed columns, when the training part has one', async () => {
    const random = createRng(12);
    const lines = ['spend,calls,bought'];
    for (let i = 0; i < 1200; i++) {
      const spend = Math.exp(3 + 1.2 * (random() + random() + random() - 1.5));
      const calls = Math.floor(random() * 5);
      lines.push(`${spend.toFixed(2)},${calls},${random() < 1 / (1 + Math.exp(-(-3 + 0.8 * Math.log1p(spend) - 0.3 * calls))) ? 'Yes' : 'No'}`);
    }
    await writeFile(join(dir, 'spenders.csv'), lines.join('\n') + '\n');
    const spenders = await loadDataset({ data: join(dir, 'spenders.csv'), target: 'bought' }, SPLIT);
    const choice = await chooseCandidate(spenders, {}, () => {});
    const names = choice.leaderboard!.rows.map((r) => r.candidate);
    expect(names.filter((n) => !n.startsWith('mean(')).sort()).toEqual(['2x50', 'logistic', 'logistic+derived']);
    expect(choice.candidate.name).toBe(choice.leaderboard!.rows[0]!.candidate);
  });

  it('trains what was asked for without choosing: a preset, or the Audiobooks table', async () => {
    expect((await chooseCandidate(dataset, { preset: '2x50' }, () => {})).leaderboard).toBeNull();
    const own = await loadDataset({ data: audiobooks.csv }, SPLIT);
    const choice = await chooseCandidate(own, {}, () => {});
    expect(choice.leaderboard).toBeNull();
    expect(choice.candidate.name).toBe('2x50');
  });

  it('calibrates a weighted fit to the natural class mix, flagging missing values only in the column that has them', async () => {
    const fitted = await fitModels(dataset, { name: 'logistic', kind: 'logistic' }, { baseline: false }, () => {});
    expect(featureNames(fitted.features)).toEqual(['tenure', 'calls', 'tenure_missing', 'plan=basic', 'plan=family', 'plan=plus', 'plan=other']);
    const calibrated = (await calibrateModels(dataset, fitted, 'prior')).network;
    const target = dataset.table.target!;
    const naturalRate = mean(Array.from(dataset.naturalTest, (r) => target[r]!));
    expect(naturalRate).toBeLessThan(0.35);
    // Raw probabilities of a weighted fit centre near one half; calibrated ones near the natural share of buyers.
    expect(mean(calibrated.naturalRaw)).toBeGreaterThan(naturalRate + 0.15);
    expect(Math.abs(mean(calibrated.natural) - naturalRate)).toBeLessThan(0.06);
  });

  it('fits the logistic regression on the validation rows too: nothing stops it early, so it learns from every training row', async () => {
    const logistic = { name: 'logistic', kind: 'logistic' } as const;
    const features = fitCandidateFeatures(dataset.table, dataset.train, logistic);
    const train = labelledRows(dataset.table, features, dataset.train);
    const valid = labelledRows(dataset.table, features, dataset.valid);
    const options = { seed: 3, classWeights: dataset.classWeights };
    const fitted = await fitCandidate(logistic, features, train, valid, options);
    const everyRow = await trainLogistic(stackRows(train, valid), valid, options);
    const trainOnly = await trainLogistic(train, valid, options);
    expect(stackRows(train, valid).y.length).toBe(dataset.train.length + dataset.valid.length);
    expect(fitted.trained.weights.layers[0]!.kernel).toEqual(everyRow.weights.layers[0]!.kernel);
    expect(fitted.trained.weights.layers[0]!.kernel).not.toEqual(trainOnly.weights.layers[0]!.kernel);
  });
});
