import { describe, expect, it } from 'vitest';
import { chooseTreatments, judgeUpliftDecision, realizedProfit } from '../../src/evaluate/uplift-decide.js';
import { readExperiment } from '../../src/train/uplift-data.js';
import { fitUpliftOn, scoreUpliftRows, upliftHoldout } from '../../src/train/uplift.js';
import { syntheticTest } from './synthetic.js';

const money = { contactCost: 1, valuePerReturn: 10 };

describe('choosing a treatment per customer', () => {
  it('sends the treatment with the highest uplift × value − cost, only when positive; lists the put-off apart', () => {
    const c = chooseTreatments([[0.3, 0.05, -0.2, 0.12], [0.1, 0.2, -0.1, 0.08]], money);
    expect([...c.treatment]).toEqual([0, 1, -1, 0]);
    expect(c.gain[0]).toBeCloseTo(2, 12);
    expect(c.gain[1]).toBeCloseTo(1, 12);
    expect(c.gain[2]).toBe(0);
    expect([...c.putOff]).toEqual([0, 0, 1, 0]);
    expect(() => chooseTreatments([[0.1]], { contactCost: -1, valuePerReturn: 10 })).toThrow(/contact-cost/);
  });

  it('realizes the profit from the arms of the held-out customers', () => {
    // Four customers sent treatment 0: two treated (one buys), two control (none buys): uplift 0.5.
    const held = { outcome: [1, 0, 0, 0, 1], arm: [1, 1, 0, 0, 1] };
    expect(realizedProfit(held, [0, 0, 0, 0, -1], money)).toBeCloseTo(4 * (0.5 * 10 - 1), 12);
    // A list without controls cannot be judged.
    expect(realizedProfit(held, [0, -1, -1, -1, 0], money)).toBeNaN();
  });
});

describe('incremental profit on a test with a known effect', () => {
  it("the decision's realized profit interval holds the true incremental profit", async () => {
    const { table, effect } = syntheticTest(12_000, 21);
    const experiment = readExperiment(table, { treatment: 'group' });
    const { learn, test } = upliftHoldout(experiment, 0.25, 2);
    const model = await fitUpliftOn(experiment, learn, { name: 'two', approach: 'two-model', learner: { kind: 'logistic' } }, 0);
    const scores = await scoreUpliftRows(model, experiment.table, test);
    const held = { outcome: Uint8Array.from(test, (r) => table.target![r]!), arm: Uint8Array.from(test, (r) => experiment.arm[r]!) };
    const result = judgeUpliftDecision(scores.uplift, held, money, { replicates: 200, seed: 5 });
    const chosen = chooseTreatments(scores.uplift, money);
    let truth = 0;
    test.forEach((r, i) => {
      if (chosen.treatment[i]! >= 0) truth += effect[r]! * money.valuePerReturn - money.contactCost;
    });
    expect(result.contacted).toBeGreaterThan(0);
    expect(result.contacted).toBeLessThan(test.length);
    expect(truth).toBeGreaterThan(0);
    expect(result.realized.interval[0]).toBeLessThanOrEqual(truth);
    expect(result.realized.interval[1]).toBeGreaterThanOrEqual(truth);
    // Customers with low x1 are put off by the contact, and none of them is contacted.
    expect(result.putOff).toBeGreaterThan(0);
    // Twenty depths to everyone, and the chosen list's own point with its own figure.
    const grid = Array.from({ length: 20 }, (_, p) => Math.round((test.length * (p + 1)) / 20));
    expect(result.curve.map((pt) => pt.contacted)).toEqual([...new Set([...grid, result.contacted])].sort((a, b) => a - b));
    expect(result.curve.find((pt) => pt.contacted === result.contacted)!.profit).toEqual(result.realized);
  });
});
