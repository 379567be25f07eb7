/** Section 8: permutation importance with interval bars. */
import type { FeatureImportance } from '../../bundle/evaluation.js';
import { COLORS, intervalChart } from '../charts.js';
import { p, section } from '../markup.js';
import { escapeHtml } from '../svg.js';
import { fixed } from '../words.js';

export function importanceSection(importance: readonly FeatureImportance[]): string {
  const sorted = [...importance].sort((a, b) => b.meanDrop - a.meanDrop);
  const top = sorted[0];
  const unclear = sorted.filter((f) => f.lower <= 0).length;
  const words =
    (top ? `The model relies most on “${top.feature}”: shuffling it lowers ROC-AUC by ${fixed(top.meanDrop)}. ` : '') +
    (unclear ? `${unclear} of ${sorted.length} columns have an interval that reaches zero: the model may not need them.` : '');
  const chart = intervalChart({
    title: 'Permutation importance',
    x: { label: 'Drop in ROC-AUC when the column is shuffled' },
    items: sorted.map((f) => ({ label: f.feature, value: f.meanDrop, lower: f.lower, upper: f.upper })),
    valueName: 'mean drop',
    intervalName: 'interval',
    reference: { value: 0, name: 'no effect' },
    color: COLORS.network,
    caption:
      'Each column’s values are shuffled among the test customers and the drop in ranking quality is measured. Longer bars: the model depends more on that column. Black lines show the uncertainty over repeated shuffles.',
    emptyNote: 'No importance was computed.',
  });
  return section({ id: 'importance', title: 'What drives the predictions', body: (words ? p(escapeHtml(words)) : '') + chart });
}
