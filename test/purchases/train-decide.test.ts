import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFeatures } from '../../src/app/features.js';
import type { Leaderboard } from '../../src/evaluate/leaderboard.js';
import { readTable } from '../../src/data/read.js';
import { rebuy } from '../helpers/cli.js';
import { CDNOW_CUTOFF, CDNOW_HOLDOUT_DAYS, CDNOW_SPEC, hasCdnow } from './helpers.js';

let dir: string;
let table: string;
let model: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rebuy-purchase-train-'));
  table = join(dir, 'cdnow.csv');
  model = join(dir, 'model');
  if (hasCdnow) await buildFeatures({ ...CDNOW_SPEC, cutoff: CDNOW_CUTOFF, horizonDays: CDNOW_HOLDOUT_DAYS, bgnbd: true, out: table });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.runIf(hasCdnow)('train and decide on a customer table from a purchase log', () => {
  it('rebuy train puts BG/NBD, the classifiers and the classifiers with BG/NBD on one leaderboard in the bundle', async () => {
    const run = rebuy(['train', '--data', table, '--target', 'bought_again', '--id', 'id', '--preset', '2x10', '--horizon', '39w', '--out', model]);
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    const evaluation = JSON.parse(await readFile(join(model, 'evaluation.json'), 'utf8')) as { leaderboard: Leaderboard };
    const names = evaluation.leaderboard.rows.map((r) => r.candidate).sort();
    expect(names).toEqual(['2x10', '2x10+bgnbd', 'bgnbd', 'logistic', 'logistic+bgnbd']);
    for (const row of evaluation.leaderboard.rows) expect(row.metrics.naturalRocAuc!.upper).toBeGreaterThan(row.metrics.naturalRocAuc!.lower);
  }, 600_000);

  it('rebuy decide --value-column contacts by each customer\'s own value, and says what the list earned', async () => {
    const run = rebuy(['decide', '--model', model, '--data', table, '--contact-cost', '5', '--value-column', 'gg_expected_spend', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const d = JSON.parse(run.stdout) as { population: { customers: number }; profit: { contacted: number; expected: number; realized: number } };
    const cdnow = await readTable(table, { target: 'bought_again', id: 'id' });
    expect(d.population.customers).toBe(cdnow.nRows);
    // Everyone contacted is expected to earn more than the contact, so the list's expected profit is positive.
    expect(d.profit.contacted).toBeGreaterThan(0);
    expect(d.profit.contacted).toBeLessThan(cdnow.nRows);
    expect(d.profit.expected).toBeGreaterThan(0);
  }, 600_000);

  it('rebuy decide --value-column names the column a file lacks, and exits 2', () => {
    const run = rebuy(['decide', '--model', model, '--data', table, '--contact-cost', '5', '--value-column', 'nope']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--value-column "nope" is not in the file');
  }, 600_000);
});
