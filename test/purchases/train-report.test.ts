import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFeatures } from '../../src/app/features.js';
import { trainBundle } from '../../src/app/train.js';
import { parseEvaluation } from '../../src/bundle/evaluation.js';
import { readTable } from '../../src/data/read.js';
import { expectedPurchases, fitBgNbd, pAtLeastOne } from '../../src/purchases/bgnbd.js';
import { splitTable } from '../../src/train/dataset.js';
import { fixed } from '../../src/report/words.js';
import { REAL_CSV } from '../helpers/paths.js';
import { CDNOW_CUTOFF, CDNOW_HOLDOUT_DAYS, CDNOW_SPEC, hasCdnow } from './helpers.js';

const SPLIT = { balance: 'random' as const, split: [0.8, 0.1, 0.1] as [number, number, number], seed: 3 };

let dir: string;
let table: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rebuy-purchase-report-'));
  table = join(dir, 'cdnow.csv');
  if (hasCdnow) await buildFeatures({ ...CDNOW_SPEC, cutoff: CDNOW_CUTOFF, horizonDays: CDNOW_HOLDOUT_DAYS, out: table });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The report's purchases section, or '' when it has none. */
function purchasesSectionOf(html: string): string {
  const start = html.indexOf('<section id="purchases"');
  return start < 0 ? '' : html.slice(start, html.indexOf('</section>', start));
}

describe.runIf(hasCdnow)('a bundle trained on a customer table from a purchase log (CDNOW) reports what BG/NBD expects', () => {
  it('stores the heat map and the held-out calibration in evaluation.json, from the training customers only, and the report draws those numbers', async () => {
    const out = join(dir, 'model');
    await trainBundle({ data: table, target: 'bought_again', id: 'id', out, model: 'logistic', baseline: false, purchaseHorizonDays: CDNOW_HOLDOUT_DAYS, ...SPLIT });
    const stored = parseEvaluation(await readFile(join(out, 'evaluation.json'), 'utf8'), out).purchases!;
    expect(stored).toBeDefined();
    expect(stored.horizonDays).toBe(CDNOW_HOLDOUT_DAYS);

    // The same split, recomputed: BG/NBD on every customer not held out for testing (it reads no labels, so
    // it is fitted in the shop's own class mix) gives the stored parameters.
    const cdnow = await readTable(table, { target: 'bought_again', id: 'id' });
    const parts = splitTable(cdnow, SPLIT);
    const column = (name: string, rows: Int32Array): number[] => Array.from(rows, (r) => cdnow.numeric.get(name)![r]!);
    const heldOut = new Set([...parts.test, ...parts.naturalTest]);
    const learn = Int32Array.from({ length: cdnow.nRows }, (_, r) => r).filter((r) => !heldOut.has(r));
    const fit = fitBgNbd({ frequency: Float64Array.from(column('frequency', learn)), recency: Float64Array.from(column('recency', learn)), age: Float64Array.from(column('age', learn)) });
    expect(stored.fittedCustomers).toBe(learn.length);
    expect(stored.fittedCustomers).toBeLessThan(cdnow.nRows);
    // In the table's own mix of buyers, not the classifiers' balanced one.
    const buyers = (rows: Int32Array): number => Array.from(rows).filter((r) => cdnow.target![r] === 1).length / rows.length;
    expect(Math.abs(buyers(learn) - buyers(Int32Array.from({ length: cdnow.nRows }, (_, r) => r)))).toBeLessThan(0.05);
    expect(buyers(learn)).toBeLessThan(0.4);
    for (const k of ['r', 'alpha', 'a', 'b'] as const) expect(stored.params[k]).toBeCloseTo(fit.params[k], 9);

    // The heat map: each cell is BG/NBD's expectation for its frequency and recency at the stored median age.
    const ages = column('age', learn).sort((a, b) => a - b);
    const mid = ages.length / 2;
    expect(stored.medianAge).toBe(ages.length % 2 ? ages[Math.floor(mid)] : (ages[mid - 1]! + ages[mid]!) / 2);
    stored.grid.frequencies.forEach((x, i) =>
      stored.grid.recencies.forEach((tx, j) => {
        expect(stored.grid.expected[i]![j]).toBeCloseTo(expectedPurchases(stored.params, CDNOW_HOLDOUT_DAYS, x, x === 0 ? 0 : tx, stored.medianAge), 9);
      }),
    );

    // The calibration: on the natural held-out test customers, by calibration-period repeat purchases (7 and more together).
    const holdout = stored.holdout!;
    expect(holdout).toMatchObject({ measure: 'bought-again', customers: 'held-out' });
    const test = parts.naturalTest;
    expect(holdout.groups.reduce((s, g) => s + g.customers, 0)).toBe(test.length);
    const learnSet = new Set(learn);
    expect(Array.from(test).some((r) => learnSet.has(r))).toBe(false);
    for (const g of holdout.groups) {
      const rows = Array.from(test).filter((r) => {
        const x = cdnow.numeric.get('frequency')![r]!;
        return g.label.endsWith('+') ? x >= Number.parseInt(g.label, 10) : x === Number(g.label);
      });
      expect(rows.length).toBe(g.customers);
      const share = rows.reduce((s, r) => s + cdnow.target![r]!, 0) / rows.length;
      expect(g.actual).toBeCloseTo(share, 12);
      const p = (r: number) => pAtLeastOne(stored.params, CDNOW_HOLDOUT_DAYS, cdnow.numeric.get('frequency')![r]!, cdnow.numeric.get('recency')![r]!, cdnow.numeric.get('age')![r]!);
      expect(g.predicted).toBeCloseTo(rows.reduce((s, r) => s + p(r), 0) / rows.length, 9);
      expect(g.predicted).toBeGreaterThanOrEqual(0);
      expect(g.predicted).toBeLessThanOrEqual(1);
    }

    // The report draws exactly those numbers, and says which customers and which period.
    const section = purchasesSectionOf(await readFile(join(out, 'report.html'), 'utf8'));
    expect(section).toContain(`Purchases BG/NBD expects in the next ${CDNOW_HOLDOUT_DAYS} days`);
    expect(section).toContain(`fitted on ${learn.length} customers not held out for testing`);
    expect(section).toContain('Predicted vs actual share who bought again in the holdout');
    expect(section).toContain('held-out test customers');
    const cells = [...section.matchAll(/<text [^>]*class="cell-note"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(cells).toEqual(stored.grid.expected.flat().map((v) => fixed(v, 2)));
    const rows = [...section.matchAll(/<tr><td>([^<]*)<\/td><td>(\d+)<\/td><td>([^<]*)<\/td><td>([^<]*)<\/td><\/tr>/g)].map((m) => m.slice(1));
    expect(rows.slice(0, -1)).toEqual(holdout.groups.map((g) => [g.label, String(g.customers), fixed(g.predicted, 3), fixed(g.actual, 3)]));
    const n = test.length;
    expect(rows.at(-1)).toEqual(['all', String(n), fixed(holdout.predictedTotal / n, 3), fixed(Array.from(test).reduce((s, r) => s + cdnow.target![r]!, 0) / n, 3)]);
  }, 600_000);
});

describe.runIf(existsSync(REAL_CSV))('a bundle trained on the Audiobooks table', () => {
  it('has no BG/NBD data and no purchases section', async () => {
    const out = join(dir, 'audiobooks');
    await trainBundle({ data: REAL_CSV, out, model: 'logistic', baseline: false, ...SPLIT });
    const evaluation = parseEvaluation(await readFile(join(out, 'evaluation.json'), 'utf8'), out);
    expect(evaluation).not.toHaveProperty('purchases');
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<section id="ranking"');
    expect(purchasesSectionOf(html)).toBe('');
  }, 600_000);
});
