import { describe, expect, it } from 'vitest';
import { auditExperiment, chiSquaredSurvival } from '../../src/audit/experiment.js';
import { readExperiment } from '../../src/train/uplift-data.js';
import { createRng } from '../../src/core/random.js';
import { syntheticTest } from './synthetic.js';

describe('chi-squared tail', () => {
  it('matches tabulated critical values', () => {
    expect(chiSquaredSurvival(3.841459, 1)).toBeCloseTo(0.05, 6);
    expect(chiSquaredSurvival(5.991465, 2)).toBeCloseTo(0.05, 6);
    expect(chiSquaredSurvival(23.209251, 10)).toBeCloseTo(0.01, 6);
    expect(chiSquaredSurvival(0, 3)).toBe(1);
  });
});

describe('auditExperiment', () => {
  const { table } = syntheticTest(4000, 3);

  it('finds nothing wrong with a randomized test', () => {
    const e = readExperiment(table, { treatment: 'group' });
    const audit = auditExperiment(e.table, 'group', [e.control, ...e.treatments], e.arm);
    expect(audit.groups.map((g) => g.group)).toEqual(['none', 'mail']);
    expect(audit.groups[0]!.customers + audit.groups[1]!.customers).toBe(4000);
    expect(audit.split.pValue).toBeGreaterThan(0.001);
    // One row per numeric column, one per categorical level.
    expect(audit.balance.map((b) => b.feature).sort()).toEqual(['region=east', 'region=north', 'region=south', 'x1', 'x2']);
    expect(audit.warnings).toEqual([]);
  });

  it('warns when assignment followed a feature, and when the sizes miss the plan', () => {
    const rng = createRng(9);
    const x1 = table.numeric.get('x1')!;
    const biased = { ...table, categorical: new Map(table.categorical) };
    biased.categorical.set('group', Array.from(x1, (v) => (rng() < (v > 0 ? 0.7 : 0.3) ? 'mail' : 'none')));
    const e = readExperiment(biased, { treatment: 'group' });
    const audit = auditExperiment(e.table, 'group', [e.control, ...e.treatments], e.arm);
    expect(audit.balance[0]!.feature).toBe('x1');
    expect(audit.balance[0]!.smd).toBeGreaterThan(0.5);
    expect(audit.warnings.join(' ')).toMatch(/differ on 1 feature .*x1 \(mail: 0\.\d\d\)/);
    const planned = auditExperiment(e.table, 'group', [e.control, ...e.treatments], e.arm, [1, 3]);
    expect(planned.split.planned).toBe(true);
    expect(planned.warnings[0]).toMatch(/not what the plan would give/);
  });

  it('computes the standardized mean difference of a level as a difference of shares', () => {
    const small = syntheticTest(8, 1).table;
    const region = ['a', 'a', 'b', 'b', 'a', 'b', 'b', 'b'];
    const groups = ['t', 't', 't', 't', 'c', 'c', 'c', 'c'];
    const t = { ...small, categorical: new Map([['region', region], ['group', groups]]), schema: { ...small.schema, features: [{ name: 'region', kind: 'categorical' as const }, { name: 'group', kind: 'categorical' as const }] } };
    const e = readExperiment(t, { treatment: 'group', control: 'c' });
    const audit = auditExperiment(e.table, 'group', [e.control, ...e.treatments], e.arm);
    const a = audit.balance.find((b) => b.feature === 'region=a')!;
    // Shares 0.5 vs 0.25: (0.5 − 0.25) / sqrt((0.25 + 0.1875) / 2).
    expect(a.smd).toBeCloseTo(0.25 / Math.sqrt((0.25 + 0.1875) / 2), 12);
  });
});
