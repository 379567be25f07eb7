import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createExplainer, pairsPerCustomer, sampleShapley } from '../../src/explain/shapley.js';
import type { CustomerExplanation } from '../../src/explain/types.js';
import { isRebuyError } from '../../src/errors.js';
import type { FeatureColumns } from '../../src/core/table.js';
import {
  NUMERIC,
  SCHEMA,
  WEIGHTS,
  additive,
  cat,
  nonAdditive,
  num,
  planEffect,
  randomColumns,
  rowScore,
  sliceRows,
} from './fixtures.js';

const background = randomColumns(40, 1);
const customers = randomColumns(60, 2);

function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s / values.length;
}

function sumOf(e: CustomerExplanation): number {
  return e.contributions.reduce((s, c) => s + c.contribution, 0);
}

function contributionOf(e: CustomerExplanation, feature: string): number {
  return e.contributions.find((c) => c.feature === feature)!.contribution;
}

/** Exact interventional Shapley values by enumerating every coalition (small d only). */
function exactShapley(f: (row: (name: string) => number | string | null) => number, x: FeatureColumns, i: number): number[] {
  const names = SCHEMA.features.map((c) => c.name);
  const d = names.length;
  const factorial = (k: number): number => (k <= 1 ? 1 : k * factorial(k - 1));
  const phi = new Array<number>(d).fill(0);
  for (let b = 0; b < background.nRows; b++) {
    const value = (mask: number) =>
      f((name) => {
        const j = names.indexOf(name);
        const from = mask & (1 << j) ? x : background;
        const row = from === x ? i : b;
        return from.numeric.get(name)?.[row] ?? from.categorical.get(name)![row] ?? null;
      });
    for (let j = 0; j < d; j++) {
      for (let mask = 0; mask < 1 << d; mask++) {
        if (mask & (1 << j)) continue;
        let size = 0;
        for (let k = 0; k < d; k++) if (mask & (1 << k)) size++;
        const weight = (factorial(size) * factorial(d - size - 1)) / factorial(d);
        phi[j]! += (weight * (value(mask | (1 << j)) - value(mask))) / background.nRows;
      }
    }
  }
  return phi;
}

describe('createExplainer', () => {
  it('the average is the mean score over the background', async () => {
    const score = rowScore(additive);
    const explainer = await createExplainer({ score, schema: SCHEMA, background, seed: 1 });
    expect(explainer.average).toBeCloseTo(mean(await score(background)), 12);
    expect(explainer.features).toEqual(['a', 'b', 'c', 'd', 'plan']);
    expect(explainer.pairsPerCustomer).toBe(40);
  });

  it('recovers the closed-form values of an additive score: g_j(x_j) − mean over the background of g_j', async () => {
    const explainer = await createExplainer({ score: rowScore(additive), schema: SCHEMA, background, seed: 7 });
    const explained = await explainer.explain(customers, 3);
    const g = (name: string, v: number | string | null): number =>
      name === 'plan' ? planEffect(v) : WEIGHTS[name]! * (v as number) + (name === 'c' ? 0.01 * (v as number) ** 2 : 0);
    for (const name of [...NUMERIC, 'plan']) {
      const values = name === 'plan' ? cat(background, name) : num(background, name);
      const backgroundMean = mean(Array.from({ length: background.nRows }, (_, b) => g(name, values[b]!)));
      const own = name === 'plan' ? cat(customers, name) : num(customers, name);
      explained.forEach((e, i) => {
        // Float32 scores: agreement to float rounding.
        expect(Math.abs(contributionOf(e, name) - (g(name, own[i] ?? null) - backgroundMean))).toBeLessThan(2e-7);
      });
    }
    // An unused feature gets nothing.
    for (const e of explained) expect(Math.abs(contributionOf(e, 'd'))).toBeLessThan(1e-7);
  });

  it('contributions add up to probability − average for every customer, on a non-additive score', async () => {
    const score = rowScore(nonAdditive);
    const explainer = await createExplainer({ score, schema: SCHEMA, background, seed: 3 });
    const explained = await explainer.explain(customers, 2);
    const direct = await score(customers);
    explained.forEach((e, i) => {
      expect(e.probability).toBe(direct[i]);
      expect(e.average).toBe(explainer.average);
      expect(Math.abs(sumOf(e) - (e.probability - e.average))).toBeLessThan(1e-12);
    });
  });

  it('efficiency holds for any weights, data and seed (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 4, maxLength: 4 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.integer({ min: 1, max: 12 }),
        async (w, seed, backgroundRows) => {
          const f = (row: (name: string) => number | string | null) => {
            const z = NUMERIC.reduce((s, k, j) => s + w[j]! * (row(k) as number), 0) * (row('plan') === null ? 0.5 : 1);
            return 1 / (1 + Math.exp(-z * (row('a') as number)));
          };
          const explainer = await createExplainer({
            score: rowScore(f),
            schema: SCHEMA,
            background: sliceRows(background, 0, backgroundRows),
            permutations: 5,
            seed,
          });
          for (const e of await explainer.explain(sliceRows(customers, 0, 8), 5)) {
            expect(Math.abs(sumOf(e) - (e.probability - e.average))).toBeLessThan(1e-6);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('matches the exact Shapley values of a non-additive score, within sampling error', async () => {
    const explainer = await createExplainer({ score: rowScore(nonAdditive), schema: SCHEMA, background, permutations: 40 * 50, seed: 5 });
    const few = sliceRows(customers, 0, 6);
    const explained = await explainer.explain(few, 5);
    let worst = 0;
    explained.forEach((e, i) => {
      const exact = exactShapley(nonAdditive, few, i);
      e.contributions.forEach((c, j) => (worst = Math.max(worst, Math.abs(c.contribution - exact[j]!))));
    });
    expect(worst).toBeLessThan(0.01);
  });

  it('is deterministic under the seed, and a customer gets the same answer alone or in a batch', async () => {
    const make = (seed: number) => createExplainer({ score: rowScore(nonAdditive), schema: SCHEMA, background, permutations: 40, seed });
    const first = await (await make(11)).explain(customers, 3);
    const again = await (await make(11)).explain(customers, 3);
    expect(again).toEqual(first);
    const other = await (await make(12)).explain(customers, 3);
    expect(other).not.toEqual(first);
    const alone = await (await make(11)).explain(sliceRows(customers, 17, 18), 3);
    expect(alone[0]).toEqual(first[17]);
  });

  it('scores hybrid rows in large batches, and the batch size does not change the result', async () => {
    const big = randomColumns(500, 9);
    const score = rowScore(nonAdditive);
    const explainer = await createExplainer({ score, schema: SCHEMA, background, seed: 2 });
    const explained = await explainer.explain(big, 1);
    // 500 customers × 40 pairs × 4 steps = 80,000 hybrid rows: the background, the customers, then two batches.
    expect(score.calls).toEqual([40, 500, 65_440, 14_560]);
    const smallBatches = await createExplainer({ score: rowScore(nonAdditive), schema: SCHEMA, background, seed: 2, batchRows: 1000 });
    expect(await smallBatches.explain(big, 1)).toEqual(explained);
  });

  it('reports values as given (missing as null), every feature in schema order, and the top reasons by magnitude', async () => {
    const withMissing = sliceRows(customers, 0, 3);
    (withMissing.numeric.get('b') as Float64Array)[1] = Number.NaN;
    (withMissing.categorical.get('plan') as (string | null)[])[1] = null;
    const explainer = await createExplainer({ score: rowScore(nonAdditive), schema: SCHEMA, background, seed: 4 });
    const [, e] = await explainer.explain(withMissing, 2);
    expect(e!.contributions.map((c) => c.feature)).toEqual(['a', 'b', 'c', 'd', 'plan']);
    expect(e!.contributions[1]!.value).toBeNull();
    expect(e!.contributions[4]!.value).toBeNull();
    expect(e!.contributions[0]!.value).toBe(num(withMissing, 'a')[1]);
    const byMagnitude = [...e!.contributions].sort((x, y) => Math.abs(y.contribution) - Math.abs(x.contribution));
    expect(e!.reasons.map((r) => r.feature)).toEqual(byMagnitude.slice(0, 2).map((c) => c.feature));
    expect(Math.abs(sumOf(e!) - (e!.probability - e!.average))).toBeLessThan(1e-12);
  });

  it('handles no customers, one feature, and a single background row', async () => {
    const explainer = await createExplainer({ score: rowScore(nonAdditive), schema: SCHEMA, background, seed: 1 });
    expect(await explainer.explain(sliceRows(customers, 0, 0), 3)).toEqual([]);

    const one = { ...SCHEMA, features: [{ name: 'a', kind: 'numeric' as const }] };
    const f = (row: (name: string) => number | string | null) => 0.3 + 0.1 * (row('a') as number);
    const single = await createExplainer({ score: rowScore(f), schema: one, background, seed: 1 });
    for (const e of await single.explain(customers, 5)) {
      expect(e.contributions).toHaveLength(1);
      expect(e.reasons).toHaveLength(1);
      expect(e.contributions[0]!.contribution).toBe(e.probability - e.average);
    }

    const lone = await createExplainer({ score: rowScore(nonAdditive), schema: SCHEMA, background: sliceRows(background, 0, 1), seed: 1 });
    expect(lone.pairsPerCustomer).toBe(1);
    for (const e of await lone.explain(customers, 5)) expect(Math.abs(sumOf(e) - (e.probability - e.average))).toBeLessThan(1e-12);
  });

  it('rejects a missing feature column and an empty background', async () => {
    const explainer = await createExplainer({ score: rowScore(additive), schema: SCHEMA, background, seed: 1 });
    const noPlan: FeatureColumns = { ...customers, categorical: new Map() };
    const err = await explainer.explain(noPlan, 1).catch((e: unknown) => e);
    expect(isRebuyError(err) && err.code === 'INPUT_INVALID' && err.location.column === 'plan').toBe(true);
    const empty = sliceRows(background, 0, 0);
    await expect(createExplainer({ score: rowScore(additive), schema: SCHEMA, background: empty, seed: 1 })).rejects.toThrow(/background/);
  });
});

describe('pairsPerCustomer', () => {
  it('rounds the permutations up to a multiple of the background size', () => {
    expect(pairsPerCustomer(50)).toBe(50);
    expect(pairsPerCustomer(50, 20)).toBe(50);
    expect(pairsPerCustomer(50, 120)).toBe(150);
    expect(pairsPerCustomer(1, 7)).toBe(7);
    expect(() => pairsPerCustomer(10, 0)).toThrow();
  });
});

describe('sampleShapley', () => {
  it('gives one row of contributions per customer', async () => {
    const score = rowScore(additive);
    const backgroundScores = Float64Array.from(await score(background));
    const { probability, contributions } = await sampleShapley({
      score,
      features: SCHEMA.features,
      columns: customers,
      background,
      backgroundScores,
      pairs: 40,
      seed: 1,
    });
    expect(probability).toHaveLength(60);
    expect(contributions).toHaveLength(60 * 5);
  });
});
