import { describe, expect, it } from 'vitest';
import { METRIC_LABELS, METRIC_TABLE_KEYS, metricInfo, metricName, metricTitle } from '../../src/evaluate/metric-labels.js';
import { computeMetrics } from '../../src/evaluate/metrics.js';
import { formatMetricsTable } from '../../src/cli/format.js';
import { metricLabel } from '../../src/report/words.js';

describe('metric labels', () => {
  it('names each metric once, in running text and as a heading', () => {
    expect(metricName('balancedAccuracy')).toBe('balanced accuracy');
    expect(metricTitle('balancedAccuracy')).toBe('Balanced accuracy');
    expect(metricTitle('rocAuc')).toBe('ROC-AUC');
    expect(metricTitle('loss')).toBe('Log loss');
    expect(metricName('somethingElse')).toBe('somethingElse');
    expect(metricName('naturalSomethingElse')).toBe('naturalSomethingElse');
    // The keys model comparison ranks by.
    expect(metricTitle('naturalRocAuc')).toBe('ROC-AUC (natural)');
    expect(metricName('naturalLogLoss')).toBe('log loss (natural)');
    expect(metricName('naturalBrier')).toBe('Brier score (natural)');
    expect(new Set(METRIC_LABELS.map((m) => m.key)).size).toBe(METRIC_LABELS.length);
  });

  it('labels every number a metric table shows, shares as percentages', () => {
    const m = computeMetrics(Float32Array.from([0.9, 0.2, 0.7, 0.4]), Uint8Array.from([1, 0, 0, 1]), 0.5);
    for (const key of METRIC_TABLE_KEYS) expect(typeof m[key], key).toBe('number');
    expect(METRIC_TABLE_KEYS.filter((k) => metricInfo(k).shownAs === 'percent')).toEqual(['accuracy', 'balancedAccuracy', 'precision', 'recall']);
  });

  it('is what the CLI table and the report print', () => {
    const m = computeMetrics(Float32Array.from([0.9, 0.2, 0.7, 0.4]), Uint8Array.from([1, 0, 0, 1]), 0.5);
    const table = formatMetricsTable([{ title: 'test', metrics: m }]);
    const labels = table.split('\n').slice(2).map((line) => line.trim().split(/\s{2,}/)[0]);
    expect(labels).toEqual(METRIC_TABLE_KEYS.map(metricName));
    expect(table).toMatch(/balanced accuracy\s+50\.0 %/);
    expect(metricLabel('prAuc')).toBe(metricTitle('prAuc'));
    // The report's leaderboard is keyed by the comparison's keys.
    expect(metricLabel('naturalRocAuc')).toBe('ROC-AUC (natural)');
  });
});
