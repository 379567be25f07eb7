import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createExplainer } from '../../src/explain/explainer.js';
import { groupShapley, MAX_EXACT_GROUPS, rowsPerCustomer } from '../../src/explain/shapley.js';
import type { CustomerExplanation, FeatureGroup } from '../../src/explain/types.js';
import { isRebuyError } from '../../src/errors.js';
import type { FeatureColumns } from '../../src/core/table.js';
import type { TableSchema } from '../../src/core/schema.js';
import { NUMERIC, SCHEMA, WEIGHTS, additive, cat, nonAdditive, num, planEffect, randomColumns, rowScore, sliceRows } from './fixtures.js';

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

function contributionOf(e: CustomerExplanation, group: string): number {
  return e.contributions.find((c) => c.group === group)!.contribution;
}

const single = (names: readonly string[]): FeatureGroup[] => names.map((name) => ({ name, label: name, columns: [name], actionable: false }));

/**
 * Exact interventional Shapley values over groups, one background row and one coalition at a time,
 * straight from the definition (small G only).
 */
function bruteForce(f: (row: (name: string) => number | string | null) => number, groups: readonly string[][], x: FeatureColumns, i: number): number[] {
  const G = groups.length;
  const factorial = (k: number): number => (k <= 1 ? 1 : k * factorial(k - 1));
  const phi = new Array<number>(G).fill(0);
  for (let b = 0; b < background.nRows; b++) {
    const value = (mask: number) =>
      f((name) => {
        const g = groups.findIndex((cols) => cols.includes(name));
        const fromX = (mask & (1 << g)) !== 0;
        const from = fromX ? x : background;
        const row = fromX ? i : b;
        return from.numeric.get(name)?.[row] ?? from.categorical.get(name)![row] ?? null;
      });
    for (let g = 0; g < G; g++) {
      for (let mask = 0; mask < 1 << G; mask++) {
        if (mask & (1 << g)) continue;
        let size = 0;
        for (let k = 0; k < G; k++) if (mask & (1 << k)) size++;
        const weight = (factorial(size) * factorial(G - size - 1)) / factorial(G);
        phi[g]! += (weight * (value(mask | (1 << g)) - value(mask))) / background.nRows;
      }
    }
  }
  return phi;
}

const NAMES = SCHEMA.features.map((f) => f.name);

describe('createExplainer', () => {
  it('the reference is the mean score over the background, in words', async () => {
    const score = rowScore(additive);
    const explainer = await createExplainer({ score, schema: SCHEMA, background, groups: single(NAMES) });
    expect(explainer.reference.probability).toBeCloseTo(mean(await score(background)), 12);
    expect(explainer.reference.customers).toBe(40);
    expect(explainer.reference.text).toBe(`compared with a typical customer, who has a ${Math.round(explainer.reference.probability * 100)} % chance`);
    expect(explainer.groups.map((g) => g.name)).toEqual(NAMES);
    expect(explainer.rowsPerCustomer).toBe((2 ** 5 - 2) * 40);
  });

  it('recovers the closed-form values of an additive score: g_j(x_j) − mean over the background of g_j', async () => {
    const explainer = await createExplainer({ score: rowScore(additive), schema: SCHEMA, background, groups: single(NAMES) });
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
    for (const e of explained) expect(Math.abs(contributionOf(e, 'd'))).toBeLessThan(1e-7);
  });

  it('equals the exact Shapley values from the definition, feature by feature and over groups', async () => {
    const few = sliceRows(customers, 0, 6);
    for (const groups of [NAMES.map((n) => [n]), [['a', 'c'], ['b'], ['d', 'plan']]]) {
      const explainer = await createExplainer({
        score: rowScore(nonAdditive),
        schema: SCHEMA,
        background,
        groups: groups.map((columns) => ({ name: columns.join('+'), label: columns.join(' and '), columns, actionable: false })),
      });
      const explained = await explainer.explain(few, 5);
      explained.forEach((e, i) => {
        const exact = bruteForce(nonAdditive, groups, few, i);
        e.contributions.forEach((c, g) => expect(Math.abs(c.contribution - exact[g]!)).toBeLessThan(1e-6));
      });
    }
  });

  it('group contributions add up to probability − reference for any grouping, data and model (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 4, maxLength: 4 }),
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 5, maxLength: 5 }),
        fc.integer({ min: 1, max: 12 }),
        async (w, assignment, backgroundRows) => {
          const f = (row: (name: string) => number | string | null) => {
            const z = NUMERIC.reduce((s, k, j) => s + w[j]! * (row(k) as number), 0) * (row('plan') === null ? 0.5 : 1);
            return 1 / (1 + Math.exp(-z * (row('a') as number)));
          };
          const groups = [0, 1, 2]
            .map((g) => NAMES.filter((_, j) => assignment[j] === g))
            .filter((cols) => cols.length > 0)
            .map((columns) => ({ name: columns.join('+'), label: columns.join(' and '), columns, actionable: false }));
          const explainer = await createExplainer({ score: rowScore(f), schema: SCHEMA, background: sliceRows(background, 0, backgroundRows), groups });
          for (const e of await explainer.explain(sliceRows(customers, 0, 8), 5)) {
            expect(e.contributions).toHaveLength(groups.length);
            expect(Math.abs(sumOf(e) - (e.probability - e.reference))).toBeLessThan(1e-6);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a customer gets the same answer alone or in a batch, and the batch size changes nothing', async () => {
    const big = randomColumns(300, 9);
    const make = (batchRows?: number) =>
      createExplainer({ score: rowScore(nonAdditive), schema: SCHEMA, background, groups: single(NAMES), ...(batchRows ? { batchRows } : {}) });
    const all = await (await make()).explain(big, 3);
    const alone = await (await make()).explain(sliceRows(big, 17, 18), 3);
    for (const [a, b] of alone[0]!.contributions.map((c, g) => [c.contribution, all[17]!.contributions[g]!.contribution])) {
      expect(Math.abs(a! - b!)).toBeLessThan(1e-12);
    }
    const small = await (await make(1000)).explain(big, 3);
    small.forEach((e, i) => e.contributions.forEach((c, g) => expect(Math.abs(c.contribution - all[i]!.contributions[g]!.contribution)).toBeLessThan(1e-12)));
  });

  it('scores a hybrid row once per distinct pair of values: repeated values cost less, with the same answer', async () => {
    const twoColumns = (row: (name: string) => number | string | null) => 0.3 + 0.1 * (row('a') as number) * (row('plan') === 'gold' ? 1 : -1);
    const score = rowScore(twoColumns);
    const backgroundScores = Float64Array.from(await score(background));
    const groups = [[SCHEMA.features[0]!], [SCHEMA.features[4]!]];
    const repeated = randomColumns(50, 3);
    (repeated.numeric.get('a') as Float64Array).fill(0.5);
    const result = await groupShapley({ score, groups, columns: repeated, background, backgroundScores });
    // Coalition {a}: one distinct customer value × the background's distinct plans (3 and missing at most);
    // coalition {plan}: the customers' distinct plans (4 at most) × the background's distinct values of a.
    expect(result.rowsScored).toBeLessThanOrEqual(1 * 4 + 4 * 40);
    expect(result.rowsScored).toBeLessThan(50 * rowsPerCustomer(2, 40));
    for (let i = 0; i < 50; i++) {
      const exact = bruteForce(twoColumns, [['a'], ['plan']], repeated, i);
      expect(Math.abs(result.contributions[i * 2]! - exact[0]!)).toBeLessThan(1e-6);
      expect(Math.abs(result.contributions[i * 2 + 1]! - exact[1]!)).toBeLessThan(1e-6);
    }
  });

  it('reports values as given (missing as null), every group in order, and the top reasons by size', async () => {
    const withMissing = sliceRows(customers, 0, 3);
    (withMissing.numeric.get('b') as Float64Array)[1] = Number.NaN;
    (withMissing.categorical.get('plan') as (string | null)[])[1] = null;
    const explainer = await createExplainer({ score: rowScore(nonAdditive), schema: SCHEMA, background, groups: single(NAMES) });
    const [, e] = await explainer.explain(withMissing, 2);
    expect(e!.contributions.map((c) => c.group)).toEqual(NAMES);
    expect(e!.contributions[1]!.values).toEqual({ b: null });
    expect(e!.contributions[4]!.values).toEqual({ plan: null });
    expect(e!.contributions[0]!.values).toEqual({ a: num(withMissing, 'a')[1] });
    const bySize = [...e!.contributions].sort((x, y) => Math.abs(y.contribution) - Math.abs(x.contribution));
    expect(e!.reasons.map((r) => r.group)).toEqual(bySize.slice(0, 2).map((c) => c.group));
    expect(Math.abs(sumOf(e!) - (e!.probability - e!.reference))).toBeLessThan(1e-12);
  });

  it('handles no customers, one group, and a single background row', async () => {
    const explainer = await createExplainer({ score: rowScore(nonAdditive), schema: SCHEMA, background, groups: single(NAMES) });
    expect(await explainer.explain(sliceRows(customers, 0, 0), 3)).toEqual([]);

    const one: TableSchema = { ...SCHEMA, features: [{ name: 'a', kind: 'numeric' }] };
    const f = (row: (name: string) => number | string | null) => 0.3 + 0.1 * (row('a') as number);
    const lone = await createExplainer({ score: rowScore(f), schema: one, background });
    for (const e of await lone.explain(customers, 5)) {
      expect(e.contributions).toHaveLength(1);
      expect(e.reasons).toHaveLength(1);
      expect(e.contributions[0]!.contribution).toBe(e.probability - e.reference);
    }

    const oneRow = await createExplainer({ score: rowScore(nonAdditive), schema: SCHEMA, background: sliceRows(background, 0, 1), groups: single(NAMES) });
    for (const e of await oneRow.explain(customers, 5)) expect(Math.abs(sumOf(e) - (e.probability - e.reference))).toBeLessThan(1e-12);
  });

  it('rejects a missing feature column, an empty background, and more groups than it can enumerate', async () => {
    const explainer = await createExplainer({ score: rowScore(additive), schema: SCHEMA, background, groups: single(NAMES) });
    const noPlan: FeatureColumns = { ...customers, categorical: new Map() };
    const err = await explainer.explain(noPlan, 1).catch((e: unknown) => e);
    expect(isRebuyError(err) && err.code === 'INPUT_INVALID' && err.location.column === 'plan').toBe(true);
    await expect(createExplainer({ score: rowScore(additive), schema: SCHEMA, background: sliceRows(background, 0, 0) })).rejects.toThrow(/background/);
    const wide = Array.from({ length: MAX_EXACT_GROUPS + 1 }, (_, j) => [SCHEMA.features[0]!]).map((cols, j) => (j === 0 ? cols : []));
    const tooMany = await groupShapley({ score: rowScore(additive), groups: wide, columns: customers, background, backgroundScores: new Float64Array(40) }).catch((e: unknown) => e);
    expect(isRebuyError(tooMany) && tooMany.code === 'USAGE' && /--group/.test(tooMany.message)).toBe(true);
  });
});
