import { describe, expect, it } from 'vitest';
import type { TableSchema } from '../../src/core/schema.js';
import type { FeatureColumns } from '../../src/core/table.js';
import { createRng } from '../../src/core/random.js';
import { createExplainer } from '../../src/explain/explainer.js';
import { dependenceCharts } from '../../src/explain/dependence.js';
import { rowScore } from './fixtures.js';

/** a: a plan tier 0/1/2; b: a continuous trait; c: noise the model ignores. */
const SCHEMA: TableSchema = {
  name: 'custom',
  id: null,
  target: null,
  features: ['a', 'b', 'c'].map((name) => ({ name, kind: 'numeric' as const })),
};

function table(n: number, seed: number): FeatureColumns {
  const rng = createRng(seed);
  const normal = () => rng() + rng() + rng() - 1.5;
  return {
    nRows: n,
    numeric: new Map([
      ['a', Float64Array.from({ length: n }, () => Math.floor(rng() * 3))],
      ['b', Float64Array.from({ length: n }, () => normal() * 2)],
      ['c', Float64Array.from({ length: n }, () => normal())],
    ]),
    categorical: new Map(),
  };
}

describe('dependence charts', () => {
  it('find a planted interaction: tier 1 raises the chance for high b and lowers it for low b', async () => {
    // The planted interaction: tier 1 moves the chance by 0.1 × b, in b's direction; other tiers do nothing.
    const planted = (row: (name: string) => number | string | null) => 0.4 + ((row('a') as number) === 1 ? 0.1 * (row('b') as number) : 0) + 0.02 * (row('a') as number);
    const explainer = await createExplainer({ score: rowScore(planted), schema: SCHEMA, background: table(64, 1) });
    expect(explainer.groups.map((g) => g.columns)).toEqual([['a'], ['b'], ['c']]);
    const explained = await explainer.explain(table(600, 2), 3);
    const charts = dependenceCharts(SCHEMA, explainer.groups, explained);
    const a = charts.find((c) => c.group === 'a')!;
    expect(a.color?.column).toBe('b');
    expect(a.color!.strength).toBeGreaterThan(0.9);
    // The chart's own data shows the flip: at tier 1, the sign of the push follows b.
    const tier1 = a.points.filter((p) => p.x === 1 && Math.abs(p.color!) > 0.3);
    expect(tier1.length).toBeGreaterThan(100);
    for (const point of tier1) expect(Math.sign(point.y)).toBe(Math.sign(point.color!));
    expect(a.interaction).toEqual({ at: 'a = 1', raisesFor: 'high', text: 'a = 1: raises the chance for higher b, lowers it for lower b' });
    // c is noise: its push is nothing and no interaction is claimed.
    const c = charts.find((chart) => chart.group === 'c')!;
    expect(c.interaction).toBeNull();
    for (const point of c.points) expect(Math.abs(point.y)).toBeLessThan(1e-4);
    expect(a.points).toHaveLength(600);
  });

  it('claim nothing for an additive model', async () => {
    const additive = (row: (name: string) => number | string | null) => 0.4 + 0.05 * (row('a') as number) + 0.03 * (row('b') as number);
    const explainer = await createExplainer({ score: rowScore(additive), schema: SCHEMA, background: table(64, 3) });
    const charts = dependenceCharts(SCHEMA, explainer.groups, await explainer.explain(table(400, 4), 3));
    for (const chart of charts) {
      expect(chart.interaction).toBeNull();
      expect(chart.color).toBeNull();
    }
  });
});
