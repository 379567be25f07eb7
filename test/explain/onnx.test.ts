/** Explanations through the real scoring path: an ONNX pipeline built by buildOnnxModel, scored by onnxruntime-node. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOnnxModel } from '../../src/model/onnx-build.js';
import type { NetworkWeights } from '../../src/model/network.js';
import { createOnnxScorer, type OnnxScorer } from '../../src/predict/scorer.js';
import type { FeatureState } from '../../src/prep/features.js';
import type { TableSchema } from '../../src/core/schema.js';
import type { FeatureColumns } from '../../src/core/table.js';
import { createRng, type Rng } from '../../src/core/random.js';
import { createExplainer } from '../../src/explain/explainer.js';
import type { FeatureGroup } from '../../src/explain/types.js';
import { permutationImportance } from '../../src/explain/importance.js';

const NUMERIC = Array.from({ length: 10 }, (_, j) => `x${j}`);
const LEVELS = ['basic', 'gold', 'silver'];

const SCHEMA: TableSchema = {
  name: 'custom',
  id: null,
  target: null,
  features: [...NUMERIC.map((name) => ({ name, kind: 'numeric' as const })), { name: 'plan', kind: 'categorical' as const }],
};

const FEATURES: FeatureState = {
  numeric: NUMERIC.map((name, j) => ({ name, mean: j, std: 1 + j / 10, fill: j, flagMissing: j === 3 })),
  categorical: [{ name: 'plan', levels: LEVELS }],
};

function dense(rng: Rng, inputs: number, units: number, activation: 'tanh' | 'softmax'): NetworkWeights['layers'][number] {
  return {
    inputs,
    units,
    kernel: Float32Array.from({ length: inputs * units }, () => (rng() - 0.5) * 1.2),
    bias: Float32Array.from({ length: units }, () => (rng() - 0.5) * 0.2),
    activation,
  };
}

/** A 2×50 tanh network over 10 numeric inputs, 1 missing flag and a 4-wide one-hot block. */
function network(seed: number): NetworkWeights {
  const rng = createRng(seed);
  return { layers: [dense(rng, 10 + 1 + 4, 50, 'tanh'), dense(rng, 50, 50, 'tanh'), dense(rng, 50, 2, 'softmax')] };
}

function customers(n: number, seed: number): FeatureColumns {
  const rng = createRng(seed);
  const numeric = new Map<string, Float64Array>();
  NUMERIC.forEach((name, j) =>
    numeric.set(name, Float64Array.from({ length: n }, () => (j === 3 && rng() < 0.1 ? Number.NaN : j + (rng() - 0.5) * 4))),
  );
  const plan = Array.from({ length: n }, () => (rng() < 0.05 ? null : LEVELS[Math.floor(rng() * 3)]!));
  return { nRows: n, numeric, categorical: new Map([['plan', plan]]) };
}

describe('explanations through the ONNX scoring path', () => {
  let scorer: OnnxScorer;
  beforeAll(async () => {
    scorer = await createOnnxScorer(FEATURES, buildOnnxModel(FEATURES, network(1)));
  });
  afterAll(async () => {
    await scorer.close();
  });

  /** Five facts: the flagged column with its neighbours, pairs of the others, the plan alone. */
  const GROUPS: FeatureGroup[] = [['x0', 'x1'], ['x2', 'x3', 'x4'], ['x5', 'x6'], ['x7', 'x8', 'x9'], ['plan']].map((columns) => ({
    name: columns.join('+'),
    label: columns.join(' and '),
    columns,
    actionable: false,
  }));

  it('group contributions add up to probability − reference for every customer', async () => {
    const explainer = await createExplainer({ score: scorer.score, schema: SCHEMA, background: customers(60, 2), groups: GROUPS });
    const some = customers(300, 3);
    const explained = await explainer.explain(some, 3);
    const direct = await scorer.score(some);
    let spread = 0;
    explained.forEach((e, i) => {
      expect(e.probability).toBe(direct[i]);
      expect(e.contributions).toHaveLength(5);
      const sum = e.contributions.reduce((s, c) => s + c.contribution, 0);
      expect(Math.abs(sum - (e.probability - e.reference))).toBeLessThan(1e-6);
      spread = Math.max(spread, Math.abs(e.probability - e.reference));
    });
    expect(spread).toBeGreaterThan(0.1); // not a flat model
    expect(await explainer.explain(some, 3)).toEqual(explained);
  });

  it('permutation importance runs on the ONNX scorer and finds a column the network ignores', async () => {
    const weights = network(6);
    // Zero the kernel rows of x9: the network ignores it.
    const first = weights.layers[0]!;
    first.kernel.fill(0, 9 * first.units, 10 * first.units);
    const local = await createOnnxScorer(FEATURES, buildOnnxModel(FEATURES, weights));
    try {
      const columns = customers(1000, 7);
      const p = await local.score(columns);
      const rng = createRng(8);
      const y = Uint8Array.from(p, (q) => (rng() < q ? 1 : 0));
      const importance = await permutationImportance(local.score, columns, y, { seed: 1, repeats: 5 });
      expect(importance).toHaveLength(11);
      const ignored = importance.find((r) => r.feature === 'x9')!;
      expect(ignored.meanDrop).toBe(0);
      expect(importance[0]!.meanDrop).toBeGreaterThan(0.01);
    } finally {
      await local.close();
    }
  });
});
