import { describe, expect, it } from 'vitest';
import { compareAuc } from '../../src/evaluate/verdict.js';
import { formatVerdict, trainVerdict } from '../../src/cli/train.js';
import type { Manifest } from '../../src/bundle/manifest.js';
import type { BundleEvaluation } from '../../src/bundle/evaluation.js';
import { createRng } from '../../src/core/random.js';

function labelled(n: number, seed: number): { y: Uint8Array; good: Float64Array; noise: Float64Array } {
  const rng = createRng(seed);
  const y = Uint8Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 1 : 0));
  const good = Float64Array.from(y, (v) => v * 0.6 + rng() * 0.5);
  const noise = Float64Array.from(y, () => rng());
  return { y, good, noise };
}

const network = { model: { kind: 'network' }, data: { seed: 0 } } as unknown as Manifest;

function evaluationWith(model: Float64Array, baseline: Float64Array | null, y: Uint8Array): BundleEvaluation {
  const findings = [
    { code: 'CLASS_IMBALANCE', severity: 'info', message: 'Only a few bought again.' },
    { code: 'PURE_GROUP', severity: 'problem', message: 'All 569 customers whose "x" is high bought again. More words.' },
  ];
  return {
    naturalTest: { probability: Array.from(model), label: Array.from(y) },
    baselineNaturalTest: baseline ? { probability: Array.from(baseline), label: Array.from(y) } : null,
    audit: { findings },
  } as unknown as BundleEvaluation;
}

describe('compareAuc: a paired bootstrap of the ROC-AUC difference', () => {
  it('is exactly zero, interval included, for the same scores', () => {
    const { y, good } = labelled(300, 1);
    const c = compareAuc(good, good, y, { replicates: 200 });
    expect(c.difference).toBe(0);
    expect(c.interval).toEqual([0, 0]);
  });

  it('puts the interval above zero for a model that separates against one that guesses, and is seeded', () => {
    const { y, good, noise } = labelled(400, 2);
    const c = compareAuc(good, noise, y, { replicates: 300, seed: 7 });
    expect(c.interval[0]).toBeGreaterThan(0);
    expect(c.interval[0]).toBeLessThanOrEqual(c.difference);
    expect(c.interval[1]).toBeGreaterThanOrEqual(c.difference);
    expect(compareAuc(good, noise, y, { replicates: 300, seed: 7 })).toEqual(c);
  });
});

describe('the verdict train ends with', () => {
  it('says the network beats the baseline, by how much, with an interval; the worst caveat; the next command', () => {
    const { y, good, noise } = labelled(400, 3);
    const text = formatVerdict(network, trainVerdict(network, evaluationWith(good, noise, y), 'out dir'));
    expect(text).toMatch(/the network beats the logistic-regression baseline: ROC-AUC on the natural mix [01]\.\d{3} against 0\.\d{3}, a difference of \+0\.\d{3}\n/);
    expect(text).toMatch(/95 % interval \+0\.\d{3} to \+0\.\d{3}, paired bootstrap over the same 400 test customers/);
    expect(text).toContain('most serious caveat from the audit (problem): All 569 customers whose "x" is high bought again.');
    expect(text).not.toContain('More words');
    expect(text).toContain("next: choose whom to contact: rebuy decide --model 'out dir' --contact-cost COST --value-per-return VALUE");
  });

  it('says when the network does not clearly beat it, or does worse', () => {
    const { y, good, noise } = labelled(400, 4);
    expect(formatVerdict(network, trainVerdict(network, evaluationWith(good, good, y), 'm'))).toMatch(/does not clearly beat/);
    expect(formatVerdict(network, trainVerdict(network, evaluationWith(noise, good, y), 'm'))).toMatch(/does worse than the logistic-regression baseline/);
  });

  it('says that nothing compares the network when no baseline was trained', () => {
    const { y, good } = labelled(100, 5);
    expect(formatVerdict(network, trainVerdict(network, evaluationWith(good, null, y), 'm'))).toMatch(/no baseline was trained/);
  });

  it('says the model is the baseline when the logistic regression was chosen, rather than asking for one', () => {
    const { y, good } = labelled(100, 6);
    const logistic = { model: { kind: 'logistic' }, data: { seed: 0 } } as unknown as Manifest;
    const text = formatVerdict(logistic, trainVerdict(logistic, evaluationWith(good, null, y), 'm'));
    expect(text).toMatch(/the model is logistic regression, the baseline itself/);
    expect(text).not.toMatch(/no baseline was trained/);
  });
});
