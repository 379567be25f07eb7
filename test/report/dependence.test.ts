import { describe, expect, it } from 'vitest';
import { evaluationJson, parseEvaluation } from '../../src/bundle/evaluation.js';
import type { TableSchema } from '../../src/core/schema.js';
import type { FeatureColumns } from '../../src/core/table.js';
import { createRng } from '../../src/core/random.js';
import { createExplainer } from '../../src/explain/explainer.js';
import { dependenceCharts } from '../../src/explain/dependence.js';
import { renderReport } from '../../src/report/html.js';
import { rowScore } from '../explain/fixtures.js';
import { makeFixture } from './fixtures.js';

const SCHEMA: TableSchema = { name: 'custom', id: null, target: null, features: ['tier', 'spend'].map((name) => ({ name, kind: 'numeric' as const })) };

function table(n: number, seed: number): FeatureColumns {
  const rng = createRng(seed);
  return {
    nRows: n,
    numeric: new Map([
      ['tier', Float64Array.from({ length: n }, () => Math.floor(rng() * 2))],
      ['spend', Float64Array.from({ length: n }, () => (rng() - 0.5) * 4)],
    ]),
    categorical: new Map(),
  };
}

/** Tier 1 moves the chance with spend, either way: a planted interaction. */
const planted = (row: (name: string) => number | string | null) => 0.3 + ((row('tier') as number) === 1 ? 0.08 * (row('spend') as number) : 0);

describe('the report’s dependence section', () => {
  it('draws one chart per fact with a dot per customer, and says the planted interaction in words', async () => {
    const explainer = await createExplainer({ score: rowScore(planted), schema: SCHEMA, background: table(64, 1) });
    const charts = dependenceCharts(SCHEMA, explainer.groups, await explainer.explain(table(200, 2), 0));
    const fixture = makeFixture();
    const evaluation = parseEvaluation(evaluationJson({ ...fixture.evaluation, dependence: charts }), '/bundle');
    expect(evaluation.dependence).toEqual(charts);
    const html = renderReport({ ...fixture, evaluation });
    const start = html.indexOf('<section id="dependence"');
    expect(start).toBeGreaterThan(0);
    const section = html.slice(start, html.indexOf('</section>', start));
    expect(section).toContain('across 200 test customers');
    expect(section).toContain('tier = 1: raises the chance for higher spend, lowers it for lower spend');
    expect(section.match(/<figure class="chart"/g)).toHaveLength(2);
    expect(section.match(/<circle class="dot"/g)).toHaveLength(400);
  });

  it('is left out for a bundle made before it, which still loads', () => {
    const fixture = makeFixture();
    const { dependence: _, ...older } = { ...fixture.evaluation, dependence: null };
    const evaluation = parseEvaluation(evaluationJson(older), '/bundle');
    expect(renderReport({ ...fixture, evaluation })).not.toContain('<section id="dependence"');
  });
});
