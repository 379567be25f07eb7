import { describe, expect, it } from 'vitest';
import { fitRidge } from '../../src/model/uplift-ridge.js';

describe('ridge regression of the uplift learners', () => {
  const x = { data: Float32Array.of(0, 1, 2, 3, 4), rows: 5, cols: 1 };
  const target = [1, 3, 4, 8, 9];

  it('recovers a line without penalty', () => {
    const fit = fitRidge({ data: Float32Array.of(0, 1, 2), rows: 3, cols: 1 }, [1, 3, 5], 0);
    expect(fit.weights[0]).toBeCloseTo(2, 6);
    expect(fit.bias).toBeCloseTo(1, 6);
  });

  it('a row weight of 2 fits as the row taken twice', () => {
    const weighted = fitRidge(x, target, 0.1, [1, 2, 1, 1, 1]);
    const doubled = fitRidge({ data: Float32Array.of(0, 1, 1, 2, 3, 4), rows: 6, cols: 1 }, [1, 3, 3, 4, 8, 9], 0.1);
    expect(weighted.weights[0]).toBeCloseTo(doubled.weights[0]!, 6);
    expect(weighted.bias).toBeCloseTo(doubled.bias, 6);
    expect(weighted.weights[0]).not.toBeCloseTo(fitRidge(x, target, 0.1).weights[0]!, 3);
  });
});
