import { describe, expect, it } from 'vitest';
import { trainLogistic } from '../../src/model/logistic.js';
import type { LabelledMatrix } from '../../src/model/mlp.js';
import type { NetworkWeights } from '../../src/model/network.js';
import { createRng } from '../../src/core/random.js';

const logit = (p: number) => Math.log(p / (1 - p));

/** One binary feature: `pos0` of `n0` rows with x = 0 are positive, `pos1` of `n1` with x = 1. */
function grouped(n0: number, pos0: number, n1: number, pos1: number): LabelledMatrix {
  const n = n0 + n1;
  const data = new Float32Array(n);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const inGroup1 = i >= n0;
    data[i] = inGroup1 ? 1 : 0;
    y[i] = (inGroup1 ? i - n0 < pos1 : i < pos0) ? 1 : 0;
  }
  return { x: { data, rows: n, cols: 1 }, y };
}

/** w·x + b of the exported layer: z1 - z0. */
function coefficients(weights: NetworkWeights): { w: number[]; b: number } {
  const [layer] = weights.layers;
  const w = Array.from({ length: layer!.inputs }, (_, j) => layer!.kernel[j * 2 + 1]! - layer!.kernel[j * 2]!);
  return { w, b: layer!.bias[1]! - layer!.bias[0]! };
}

describe('trainLogistic', () => {
  it('finds the closed-form maximum-likelihood solution of a saturated model', async () => {
    const data = grouped(10, 3, 20, 16);
    const { weights, history } = await trainLogistic(data, data, { seed: 0, l2: 0 });
    const { w, b } = coefficients(weights);
    expect(b).toBeCloseTo(logit(3 / 10), 6);
    expect(w[0]).toBeCloseTo(logit(16 / 20) - logit(3 / 10), 6);
    expect(history.length).toBeGreaterThan(1);
    expect(history.length).toBeLessThan(20);
  });

  it('weights the classes: odds scale by w1 / w0', async () => {
    const data = grouped(10, 3, 20, 16);
    const { weights } = await trainLogistic(data, data, { seed: 0, l2: 0, classWeights: [1, 4] });
    const { w, b } = coefficients(weights);
    const weighted = (pos: number, n: number) => (4 * pos) / (4 * pos + (n - pos));
    expect(b).toBeCloseTo(logit(weighted(3, 10)), 6);
    expect(w[0]).toBeCloseTo(logit(weighted(16, 20)) - logit(weighted(3, 10)), 6);
  });

  it('exports a one-layer softmax network with z0 = 0', async () => {
    const data = grouped(5, 2, 5, 4);
    const { weights, bestEpoch, history } = await trainLogistic(data, data, { seed: 0 });
    expect(weights.layers).toHaveLength(1);
    const layer = weights.layers[0]!;
    expect([layer.inputs, layer.units, layer.activation]).toEqual([1, 2, 'softmax']);
    expect(layer.kernel[0]).toBe(0);
    expect(layer.bias[0]).toBe(0);
    expect(bestEpoch).toBe(history.length);
  });

  it('stays finite on separable data thanks to the L2 penalty, and reaches its optimum', async () => {
    const rng = createRng(1);
    const n = 200;
    const d = 3;
    const data = new Float32Array(n * d);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 2;
      for (let j = 0; j < d; j++) data[i * d + j] = rng() + (y[i] ? 1.5 : -1.5);
    }
    const train: LabelledMatrix = { x: { data, rows: n, cols: d }, y };
    const l2 = 1e-3;
    const { weights, history } = await trainLogistic(train, train, { seed: 0, l2 });
    const { w, b } = coefficients(weights);
    expect(w.every(Number.isFinite)).toBe(true);
    expect(history[history.length - 1]!.accuracy).toBe(1);
    // Stationarity: the gradient of mean logloss + l2/2 |w|^2 vanishes at the solution.
    const grad = new Array(d + 1).fill(0);
    for (let i = 0; i < n; i++) {
      let z = b;
      for (let j = 0; j < d; j++) z += w[j]! * data[i * d + j]!;
      const r = 1 / (1 + Math.exp(-z)) - y[i]!;
      for (let j = 0; j < d; j++) grad[j] += (r * data[i * d + j]!) / n;
      grad[d] += r / n;
    }
    for (let j = 0; j < d; j++) grad[j] += l2 * w[j]!;
    for (const g of grad) expect(Math.abs(g)).toBeLessThan(1e-5);
  });

  it('is deterministic', async () => {
    const data = grouped(7, 2, 9, 6);
    const a = await trainLogistic(data, data, { seed: 0 });
    const b = await trainLogistic(data, data, { seed: 5 });
    expect(b.weights.layers[0]!.kernel).toEqual(a.weights.layers[0]!.kernel);
    expect(b.history).toEqual(a.history);
  });
});
