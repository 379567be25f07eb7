import { describe, expect, it } from 'vitest';
import { permutationImportance } from '../../src/explain/importance.js';
import { rocAuc } from '../../src/evaluate/metrics.js';
import type { FeatureColumns } from '../../src/core/table.js';
import { createRng } from '../../src/core/random.js';
import { rowScore } from './fixtures.js';

/** y depends on `signal` and on the plan; `noise` is unrelated to y; `ignored` is never read by the score. */
function labelled(n: number, seed: number): { columns: FeatureColumns; y: Uint8Array } {
  const rng = createRng(seed);
  const signal = Float64Array.from({ length: n }, () => rng() * 4 - 2);
  const noise = Float64Array.from({ length: n }, () => rng() * 4 - 2);
  const ignored = Float64Array.from({ length: n }, () => rng());
  const plan = Array.from({ length: n }, () => (rng() < 0.5 ? 'gold' : 'basic'));
  const y = Uint8Array.from({ length: n }, (_, i) => (rng() < 1 / (1 + Math.exp(-2 * signal[i]! - (plan[i] === 'gold' ? 1 : -1))) ? 1 : 0));
  return {
    columns: {
      nRows: n,
      numeric: new Map([
        ['signal', signal],
        ['noise', noise],
        ['ignored', ignored],
      ]),
      categorical: new Map([['plan', plan]]),
    },
    y,
  };
}

const model = (row: (name: string) => number | string | null) =>
  1 / (1 + Math.exp(-2 * (row('signal') as number) - 0.3 * (row('noise') as number) - (row('plan') === 'gold' ? 1 : -1)));

describe('permutationImportance', () => {
  const { columns, y } = labelled(2000, 1);

  it('ranks the informative columns above noise, and gives an ignored column a drop of 0', async () => {
    const score = rowScore(model);
    const importance = await permutationImportance(score, columns, y, { seed: 4 });
    expect(importance.map((r) => r.feature).slice(0, 2)).toEqual(['signal', 'plan']);
    const by = Object.fromEntries(importance.map((r) => [r.feature, r]));
    expect(by.signal!.lower).toBeGreaterThan(by.plan!.upper);
    expect(by.plan!.lower).toBeGreaterThan(0.05);
    // The score reads the noise column, so shuffling it moves the AUC a little either way.
    expect(Math.abs(by.noise!.meanDrop)).toBeLessThan(0.02);
    expect(by.plan!.lower).toBeGreaterThan(by.noise!.upper);
    expect(by.ignored!.meanDrop).toBe(0);
    expect(by.ignored!.lower).toBeLessThanOrEqual(0);
    expect(by.ignored!.upper).toBeGreaterThanOrEqual(0);
    for (const r of importance) expect(r.lower).toBeLessThanOrEqual(r.meanDrop), expect(r.upper).toBeGreaterThanOrEqual(r.meanDrop);
    // One call for the baseline, then one per column with all its shuffled copies.
    expect(score.calls).toEqual([2000, 20_000, 20_000, 20_000, 20_000]);
  });

  it('measures the drop from the unshuffled ROC-AUC: a score of one column falls to chance when it is shuffled', async () => {
    const score = rowScore((row) => row('signal') as number);
    const baseline = rocAuc(await score(columns), y);
    const [only] = await permutationImportance(score, columns, y, { seed: 4, repeats: 5, features: ['signal'] });
    expect(only!.feature).toBe('signal');
    expect(Math.abs(only!.meanDrop - (baseline - 0.5))).toBeLessThan(0.03);
    const [once] = await permutationImportance(score, columns, y, { seed: 4, repeats: 1, features: ['signal'] });
    expect(Number.isNaN(once!.lower) && Number.isNaN(once!.upper)).toBe(true);
  });

  it('is deterministic under the seed', async () => {
    const a = await permutationImportance(rowScore(model), columns, y, { seed: 9, repeats: 3 });
    const b = await permutationImportance(rowScore(model), columns, y, { seed: 9, repeats: 3 });
    const c = await permutationImportance(rowScore(model), columns, y, { seed: 10, repeats: 3 });
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('rejects bad inputs', async () => {
    const score = rowScore(model);
    await expect(permutationImportance(score, columns, y.subarray(1), { seed: 1 })).rejects.toThrow(/label/);
    await expect(permutationImportance(score, columns, new Uint8Array(2000), { seed: 1 })).rejects.toThrow(/both classes/);
    await expect(permutationImportance(score, columns, y, { seed: 1, repeats: 0 })).rejects.toThrow(/repeats/);
    await expect(permutationImportance(score, columns, y, { seed: 1, features: ['nope'] })).rejects.toThrow(/nope/);
  });
});
