import { describe, expect, it } from 'vitest';
import { crossValidatedL2, trainLogistic } from '../../src/model/logistic.js';
import { LOGISTIC_L2_GRID } from '../../src/model/presets.js';
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

  it('is deterministic under its seed', async () => {
    const data = grouped(7, 2, 9, 6);
    const a = await trainLogistic(data, data, { seed: 5 });
    const b = await trainLogistic(data, data, { seed: 5 });
    expect(b.weights.layers[0]!.kernel).toEqual(a.weights.layers[0]!.kernel);
    expect(b.history).toEqual(a.history);
    expect(b.l2).toBe(a.l2);
  });
});

/** n rows; the label depends on the first `informative` of d standardized-ish inputs with the given strength, the rest is noise. */
function synthetic(n: number, d: number, informative: number, strength: number, seed: number): LabelledMatrix {
  const rng = createRng(seed);
  const data = new Float32Array(n * d);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let z = 0;
    for (let j = 0; j < d; j++) {
      const v = 2 * rng() - 1;
      data[i * d + j] = v;
      if (j < informative) z += strength * v;
    }
    y[i] = rng() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { x: { data, rows: n, cols: d }, y };
}

describe('the cross-validated L2 penalty', () => {
  it('is strong when the inputs are noise and there are few rows', () => {
    const noise = synthetic(80, 30, 0, 0, 3);
    expect(crossValidatedL2(noise, { seed: 0 })).toBeGreaterThanOrEqual(1);
  });

  it('is weak when a few inputs carry a strong signal over many rows', () => {
    const clear = synthetic(3000, 3, 3, 4, 4);
    expect(crossValidatedL2(clear, { seed: 0 })).toBeLessThanOrEqual(1e-2);
  });

  it('is chosen on the training rows only: the validation part changes neither the penalty nor the weights', async () => {
    const train = synthetic(300, 6, 2, 1, 5);
    const a = await trainLogistic(train, synthetic(50, 6, 2, 1, 6), { seed: 1 });
    const b = await trainLogistic(train, synthetic(70, 6, 0, 0, 7), { seed: 1 });
    expect(LOGISTIC_L2_GRID).toContain(a.l2);
    expect(b.l2).toBe(a.l2);
    expect(b.weights.layers[0]!.kernel).toEqual(a.weights.layers[0]!.kernel);
  });

  it('shrinks the weights as the grid prescribes: the chosen fit equals a fit with that penalty given', async () => {
    const train = synthetic(400, 5, 2, 1.5, 8);
    const chosen = await trainLogistic(train, train, { seed: 2 });
    const given = await trainLogistic(train, train, { seed: 2, l2: chosen.l2 });
    const strongest = await trainLogistic(train, train, { seed: 2, l2: LOGISTIC_L2_GRID[LOGISTIC_L2_GRID.length - 1]! });
    expect(coefficients(chosen.weights).w).toEqual(coefficients(given.weights).w);
    const norm = (w: number[]) => Math.hypot(...w);
    expect(norm(coefficients(strongest.weights).w)).toBeLessThan(norm(coefficients(chosen.weights).w));
  });

  it('falls back to the weakest penalty when a class has fewer rows than folds', () => {
    expect(crossValidatedL2(grouped(3, 1, 3, 2), { seed: 0 })).toBe(LOGISTIC_L2_GRID[0]);
  });
});
