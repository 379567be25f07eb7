/** The uplift section's comparison, which the report and the page both show: every figure with its interval, against random and the response model. */
import { describe, expect, it } from 'vitest';
import { qiniChartSpec, upliftComparisonRows, upliftSection, UPLIFT_COMPARISON_HEAD } from '../../src/report/sections/uplift.js';

const est = (value: number, lower: number, upper: number) => ({ value, interval: [lower, upper] as [number, number] });
const evaluation = {
  treatment: 'mail',
  treated: 100,
  control: 90,
  qini: { model: est(0.06, 0.02, 0.1), response: est(0.01, -0.03, 0.05), versusResponse: est(0.05, 0.01, 0.09) },
  upliftAt: [0.1, 0.2, 0.3].map((share) => ({
    share,
    model: est(0.08, 0.05, 0.11),
    response: est(0.05, 0.02, 0.08),
    random: est(0.045, 0.03, 0.06),
    versusResponse: est(0.03, 0, 0.06),
    versusRandom: est(0.035, 0.01, 0.06),
  })),
  curve: { targeted: [0, 95, 190], value: [0, 6, 4] },
};

describe('the uplift section', () => {
  it('compares the uplift model with the response model and random targeting, with intervals', () => {
    const rows = upliftComparisonRows(evaluation);
    expect(rows.map((r) => r[0]!.value)).toEqual(['Qini coefficient', 'uplift in the top 10 %', 'uplift in the top 20 %', 'uplift in the top 30 %']);
    expect(rows.every((r) => r.length === UPLIFT_COMPARISON_HEAD.length)).toBe(true);
    expect(rows[1]![1]).toEqual({ value: '8.00 pts', interval: '[5.00 pts, 11.00 pts]' });
    expect(rows[1]![5]).toEqual({ value: '3.50 pts', interval: '[1.00 pts, 6.00 pts]' });
    // Random targeting has no interval of its own in the table: its uplift at any k is the average effect.
    expect(rows[1]![3]).toEqual({ value: '4.50 pts' });
  });

  it('draws the Qini curve against the straight line to its end, and escapes the names', () => {
    const spec = qiniChartSpec({ ...evaluation, treatment: '<b>mail</b>' }, 'none');
    expect(spec.series[1]!.points).toEqual([
      [0, 0],
      [190, 4],
    ]);
    const html = upliftSection({
      treatmentColumn: 'group',
      control: 'none',
      treatments: ['<b>mail</b>'],
      ignored: [],
      learner: 'two-model·logistic',
      outputs: [],
      selection: [{ name: 'two-model·logistic', qini: [0.05, 0.06], mean: 0.055, sd: 0.007 }],
      evaluation: [{ ...evaluation, treatment: '<b>mail</b>' }],
    });
    expect(html).not.toContain('<b>mail</b>');
    expect(html).toContain('&lt;b&gt;mail&lt;/b&gt;');
    expect(html).toContain('Uplift − random');
  });
});
