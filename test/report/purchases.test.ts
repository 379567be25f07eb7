import { describe, expect, it } from 'vitest';
import { evaluationJson, parseEvaluation } from '../../src/bundle/evaluation.js';
import { purchaseModelSummary, repeatByFrequency } from '../../src/purchases/holdout.js';
import { renderReport } from '../../src/report/html.js';
import { makeFixture } from './fixtures.js';

const PARAMS = { r: 0.24, alpha: 30, a: 0.8, b: 2.4 };
const CUSTOMERS = { frequency: [0, 0, 1, 2, 9], recency: [0, 0, 40, 120, 200], age: [210, 230, 250, 260, 270] };

describe('the report’s purchases section from evaluation.json', () => {
  it('round-trips through evaluation.json and is drawn when present', () => {
    const holdout = repeatByFrequency(PARAMS, CUSTOMERS, 180, [0, 1, 0, 1, 1], 'held-out');
    const purchases = purchaseModelSummary(PARAMS, CUSTOMERS, 180, holdout);
    const fixture = makeFixture();
    const evaluation = parseEvaluation(evaluationJson({ ...fixture.evaluation, purchases }), '/bundle');
    expect(evaluation.purchases).toEqual(purchases);
    const html = renderReport({ ...fixture, evaluation });
    expect(html).toContain('<section id="purchases"');
    expect(html).toContain('<a href="#purchases">');
    expect(html).toContain('fitted on 5 customers not held out for testing');
  });

  it('refuses a holdout that names neither measure', () => {
    const purchases = purchaseModelSummary(PARAMS, CUSTOMERS, 180, repeatByFrequency(PARAMS, CUSTOMERS, 180, [0, 1, 0, 1, 1], 'held-out'));
    const text = evaluationJson({ ...makeFixture().evaluation, purchases }).replace('"bought-again"', '"spend"');
    expect(() => parseEvaluation(text, '/bundle')).toThrow(/purchases/);
  });

  it('is left out for a bundle made before it, which still loads', () => {
    const fixture = makeFixture();
    const evaluation = parseEvaluation(evaluationJson(fixture.evaluation), '/bundle');
    expect(evaluation).not.toHaveProperty('purchases');
    const html = renderReport({ ...fixture, evaluation });
    expect(html).not.toContain('<section id="purchases"');
    expect(html).not.toContain('href="#purchases"');
  });
});
