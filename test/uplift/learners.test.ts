import { describe, expect, it } from 'vitest';
import { readExperiment } from '../../src/train/uplift-data.js';
import { logsOfLongTails } from '../../src/prep/derived.js';
import { BASELINE_LOGISTIC_L2, fitUpliftOn, INTERACTIONS_LOGISTIC, R_LEARNER_LOGISTIC, upliftCandidates, scoreUpliftRows, selectUplift, TWO_MODEL_LOGISTIC, upliftHoldout, UPLIFT_NETWORK } from '../../src/train/uplift.js';
import { UPLIFT_APPROACHES, type UpliftSpec } from '../../src/model/uplift.js';
import { spearman, syntheticTest } from './synthetic.js';
import { initTraining } from '../../src/model/tf.js';

const { table, effect } = syntheticTest(12_000, 7);
const experiment = readExperiment(table, { treatment: 'group' });
const { learn, test } = upliftHoldout(experiment, 0.25, 1);
const trueEffect = Float64Array.from(test, (r) => effect[r]!);

describe('uplift learners on a test with a known heterogeneous effect', () => {
  it('finds the control group by name and leaves the treatment out of the features', () => {
    expect(experiment.control).toBe('none');
    expect(experiment.treatments).toEqual(['mail']);
    expect(experiment.table.schema.features.map((f) => f.name)).toEqual(['x1', 'x2', 'region']);
  });

  for (const approach of UPLIFT_APPROACHES) {
    it(`${approach} with the logistic learner ranks customers by their true effect (Spearman ≥ 0.8)`, async () => {
      const spec: UpliftSpec = { name: approach, approach, learner: { kind: 'logistic' } };
      const model = await fitUpliftOn(experiment, learn, spec, 0);
      const scores = await scoreUpliftRows(model, experiment.table, test);
      expect(spearman(scores.uplift[0]!, trueEffect)).toBeGreaterThanOrEqual(0.8);
      // The outputs agree with each other: uplift = P(contacted) − P(not contacted), both probabilities.
      for (let i = 0; i < test.length; i += 97) {
        expect(scores.uplift[0]![i]!).toBeCloseTo(scores.treated[0]![i]! - scores.control[i]!, 6);
        expect(scores.treated[0]![i]!).toBeGreaterThanOrEqual(0);
        expect(scores.treated[0]![i]!).toBeLessThanOrEqual(1);
      }
    });
  }

  it('the interactions model ranks customers by their true effect (Spearman ≥ 0.8)', async () => {
    const model = await fitUpliftOn(experiment, learn, { name: 'interactions', approach: 'interactions', learner: { kind: 'logistic' } }, 0);
    const scores = await scoreUpliftRows(model, experiment.table, test);
    expect(spearman(scores.uplift[0]!, trueEffect)).toBeGreaterThanOrEqual(0.8);
  });

  it('the interactions model is the two-model logistic when nothing is penalized, and a constant logit shift when the interactions are', async () => {
    const logit = (p: number) => Math.log(p / (1 - p));
    const fit = async (spec: UpliftSpec) => scoreUpliftRows(await fitUpliftOn(experiment, learn, spec, 0), experiment.table, test);
    const free = await fit({ name: 'interactions', approach: 'interactions', learner: { kind: 'logistic', l2: 1e-7 } });
    const twoModel = await fit({ name: 'two-model', approach: 'two-model', learner: { kind: 'logistic', l2: 1e-7 } });
    for (let i = 0; i < test.length; i += 53) expect(free.uplift[0]![i]!).toBeCloseTo(twoModel.uplift[0]![i]!, 3);
    // A strong penalty on the treatment × feature terms leaves one logit shift for everybody.
    const shrunk = await fit({ name: 'interactions', approach: 'interactions', learner: { kind: 'logistic', l2: 100 } });
    const shifts = (s: typeof free) => Array.from(test, (_, i) => logit(s.treated[0]![i]!) - logit(s.control[i]!));
    const spread = (v: number[]) => Math.max(...v) - Math.min(...v);
    expect(spread(shifts(shrunk))).toBeLessThan(0.05);
    expect(spread(shifts(free))).toBeGreaterThan(1);
  });

  it('the R-learner ranks customers by their true effect (Spearman ≥ 0.8), its outputs agreeing with each other', async () => {
    const model = await fitUpliftOn(experiment, learn, { name: 'r', approach: 'r-learner', learner: { kind: 'logistic' } }, 0);
    expect(model.fitted.graph.heads.map((h) => h.kind)).toEqual(['network', 'linear']);
    const scores = await scoreUpliftRows(model, experiment.table, test);
    expect(spearman(scores.uplift[0]!, trueEffect)).toBeGreaterThanOrEqual(0.8);
    for (let i = 0; i < test.length; i += 97) expect(scores.uplift[0]![i]!).toBeCloseTo(scores.treated[0]![i]! - scores.control[i]!, 6);
  });

  it('log tails: log(1 + x) of a long-tailed amount joins the inputs, not of a flag, an even spread or a column with negatives', () => {
    const n = 500;
    const amount = Float64Array.from({ length: n }, (_, i) => Math.exp(i / 60));
    const flag = Float64Array.from({ length: n }, (_, i) => (i % 20 === 0 ? 1 : 0));
    const even = Float64Array.from({ length: n }, (_, i) => i);
    const signed = Float64Array.from(amount, (v, i) => (i === 0 ? -1 : v));
    const columns = { amount, flag, even, signed };
    const table = {
      ...experiment.table,
      schema: { ...experiment.table.schema, features: Object.keys(columns).map((name) => ({ name, kind: 'numeric' as const })) },
      nRows: n,
      numeric: new Map(Object.entries(columns)),
    };
    expect(logsOfLongTails(table, Int32Array.from({ length: n }, (_, i) => i))).toEqual([{ name: 'log_amount', op: 'log1p', inputs: ['amount'] }]);
  });

  it('a spec with log tails fits and scores through the graph with the added input', async () => {
    const skewed = { ...experiment, table: { ...experiment.table, numeric: new Map([...experiment.table.numeric].map(([k, v]) => [k, k === 'x2' ? Float64Array.from(v, (z) => Math.exp(4 * z)) : v])) } };
    const model = await fitUpliftOn(skewed, learn, { ...INTERACTIONS_LOGISTIC, logTails: true }, 0);
    expect(model.features.derived).toEqual([{ name: 'log_x2', op: 'log1p', inputs: ['x2'] }]);
    const scores = await scoreUpliftRows(model, skewed.table, test);
    expect(spearman(scores.uplift[0]!, trueEffect)).toBeGreaterThanOrEqual(0.8);
  });

  it('a replicate of the network learner is another fit from another seed, and the same replicate fits the same', async () => {
    const few = learn.subarray(0, 3000);
    const config = { ...UPLIFT_NETWORK, maxEpochs: 3 };
    const spec = (replicate: number): UpliftSpec => ({ name: 'net', approach: 'two-model', learner: { kind: 'network', config }, replicate });
    const uplift = async (replicate: number) => (await scoreUpliftRows(await fitUpliftOn(experiment, few, spec(replicate), 0), experiment.table, test)).uplift[0]!;
    const [first, again, other] = [await uplift(1), await uplift(1), await uplift(2)];
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
  });

  it("the baseline is the plain two-model logistic with a fixed penalty, whatever rebuy's learners choose", () => {
    expect(TWO_MODEL_LOGISTIC).toMatchObject({ approach: 'two-model', learner: { kind: 'logistic', l2: BASELINE_LOGISTIC_L2 } });
  });

  it('the two-model network learner also ranks by the true effect', async () => {
    const spec: UpliftSpec = { name: 'net', approach: 'two-model', learner: { kind: 'network', config: UPLIFT_NETWORK } };
    const model = await fitUpliftOn(experiment, learn, spec, 0);
    const scores = await scoreUpliftRows(model, experiment.table, test);
    expect(spearman(scores.uplift[0]!, trueEffect)).toBeGreaterThanOrEqual(0.8);
  });

  it('chooses by cross-validated Qini on the training rows only', async () => {
    const candidates: UpliftSpec[] = [
      { name: 'good', approach: 'two-model', learner: { kind: 'logistic' } },
      { name: 'x', approach: 'x-learner', learner: { kind: 'logistic' } },
    ];
    const seen: number[] = [];
    const selection = await selectUplift(experiment, learn, { folds: 3, seed: 0, candidates, onProgress: (done) => seen.push(done) });
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    expect(selection.rows).toHaveLength(2);
    expect(selection.rows[0]!.mean).toBeGreaterThanOrEqual(selection.rows[1]!.mean);
    expect(selection.rows[0]!.mean).toBeGreaterThan(0.1);
    expect(candidates).toContain(selection.chosen);
  });

  it('keeps the default (the first candidate) unless another beats it by more than a standard error of the fold differences', async () => {
    const two: UpliftSpec = { name: 'two', approach: 'two-model', learner: { kind: 'logistic' } };
    const ct: UpliftSpec = { name: 'ct', approach: 'class-transformation', learner: { kind: 'logistic' } };
    const ensemble: UpliftSpec = { name: 'both', approach: 'ensemble', members: [two, ct] };
    for (const candidates of [[ensemble, two, ct], [ct, two, ensemble]]) {
      const selection = await selectUplift(experiment, learn, { folds: 3, seed: 1, candidates });
      const best = selection.rows[0]!;
      const preferred = selection.rows.find((r) => r.spec === candidates[0])!;
      const differences = best.qini.map((q, f) => q - preferred.qini[f]!);
      const meanDifference = differences.reduce((a, b) => a + b, 0) / differences.length;
      const se = Math.sqrt(differences.reduce((a, d) => a + (d - meanDifference) ** 2, 0) / (differences.length - 1) / differences.length);
      expect(selection.chosen).toBe(meanDifference > se ? best.spec : candidates[0]);
    }
  });

  it('the default is the R-learner, every candidate takes the logs of long tails, and the average takes the same logistic learners the list offers', () => {
    const candidates = upliftCandidates();
    expect(candidates[0]).toBe(R_LEARNER_LOGISTIC);
    expect(candidates.every((s) => s.logTails === true)).toBe(true);
    expect(TWO_MODEL_LOGISTIC.logTails).toBeUndefined();
    const average = candidates.find((s) => s.approach === 'ensemble');
    expect(average?.approach === 'ensemble' && average.members.every((m) => candidates.includes(m) && m.approach !== 'ensemble' && m.learner.kind === 'logistic')).toBe(true);
  });

  it('leaves no tensor behind after fitting every approach with the network', async () => {
    const tf = await initTraining();
    const few = learn.subarray(0, 1500);
    const config = { ...UPLIFT_NETWORK, maxEpochs: 2 };
    await fitUpliftOn(experiment, few, { name: 'warm-up', approach: 'two-model', learner: { kind: 'network', config } }, 0);
    const before = tf.memory().numTensors;
    const members: UpliftSpec[] = UPLIFT_APPROACHES.map((approach) => ({ name: approach, approach, learner: { kind: 'network', config } }));
    await fitUpliftOn(experiment, few, { name: 'all', approach: 'ensemble', members }, 0);
    expect(tf.memory().numTensors).toBe(before);
  });
});
