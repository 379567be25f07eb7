import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFeatures } from '../../src/app/features.js';
import { compareModels } from '../../src/app/compare.js';
import { readTable } from '../../src/data/read.js';
import { BG_NBD_CANDIDATE, isPurchaseTable } from '../../src/train/purchase-models.js';
import { selectModel } from '../../src/train/auto.js';
import { CDNOW_CUTOFF, CDNOW_HOLDOUT_DAYS, CDNOW_SPEC, hasCdnow } from './helpers.js';

let dir: string;
let table: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rebuy-purchase-board-'));
  table = join(dir, 'cdnow.csv');
  if (hasCdnow) await buildFeatures({ ...CDNOW_SPEC, cutoff: CDNOW_CUTOFF, horizonDays: CDNOW_HOLDOUT_DAYS, out: table });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.runIf(hasCdnow)('BG/NBD beside the classifiers on the CDNOW customer table (bought again in the 39-week holdout)', () => {
  it('recognises a features table by its target and summary columns, and nothing else', async () => {
    const cdnow = await readTable(table, { target: 'bought_again', id: 'id' });
    expect(isPurchaseTable(cdnow)).toBe(true);
    const withoutAge = { ...cdnow, numeric: new Map([...cdnow.numeric].filter(([name]) => name !== 'age')) };
    expect(isPurchaseTable(withoutAge)).toBe(false);
    expect(isPurchaseTable({ ...cdnow, schema: { ...cdnow.schema, target: 'churned' } })).toBe(false);
  });

  it('compare ranks BG/NBD alone, the logistic and the 2x10 network on RFM, and both with BG/NBD features, on the same folds with intervals', async () => {
    const result = await compareModels({
      data: table,
      target: 'bought_again',
      id: 'id',
      folds: 5,
      presets: ['2x10'],
      balance: 'random',
      split: [0.8, 0.1, 0.1],
      seed: 0,
      purchaseHorizonDays: CDNOW_HOLDOUT_DAYS,
    });
    const names = result.leaderboard.rows.map((r) => r.candidate).sort();
    expect(names).toEqual([BG_NBD_CANDIDATE, '2x10', '2x10+bgnbd', 'logistic', 'logistic+bgnbd'].sort());
    expect(result.leaderboard.plans).toBe(5);
    // Every candidate ran on the same five folds.
    for (const name of names) expect(result.runs.filter((r) => r.candidate === name).map((r) => r.plan).sort()).toEqual([0, 1, 2, 3, 4]);
    for (const row of result.leaderboard.rows) {
      const auc = row.metrics.naturalRocAuc!;
      expect(auc.lower).toBeLessThanOrEqual(auc.mean);
      expect(auc.mean).toBeLessThanOrEqual(auc.upper);
      expect(auc.upper - auc.lower).toBeGreaterThan(0);
    }
    // Repeat buying is predictable from the calibration period: BG/NBD ranks customers far better than chance.
    const bgnbd = result.leaderboard.rows.find((r) => r.candidate === BG_NBD_CANDIDATE)!.metrics.naturalRocAuc!;
    expect(bgnbd.mean).toBeGreaterThan(0.6);
    expect(bgnbd.mean).toBeLessThan(0.95);
  }, 600_000);

  it('--model auto lists BG/NBD on its leaderboard but chooses a model the bundle can compute', async () => {
    const cdnow = await readTable(table, { target: 'bought_again', id: 'id' });
    const rows = Int32Array.from({ length: cdnow.nRows }, (_, i) => i);
    const selection = await selectModel(cdnow, rows, {
      balance: 'random',
      seed: 0,
      candidates: [{ name: 'logistic', kind: 'logistic' }],
      purchaseModels: { horizonDays: CDNOW_HOLDOUT_DAYS },
    });
    expect(selection.leaderboard.rows.map((r) => r.candidate).sort()).toEqual([BG_NBD_CANDIDATE, 'logistic', 'logistic+bgnbd']);
    expect(selection.chosen.name).toBe('logistic');
  }, 600_000);
});
