/** Section 6: the confusion matrix at the chosen threshold on the natural mix, as a grid and in words. */
import { PER, perCustomers, type ReportData } from '../analysis.js';
import { heatGrid } from '../charts.js';
import { p, section } from '../markup.js';
import { escapeHtml } from '../svg.js';
import { count, fixed } from '../words.js';

export function confusionSection(data: ReportData): string {
  const [[tn, fp], [fn, tp]] = data.network.metrics.confusion;
  const t = fixed(data.operating.threshold);
  const per = (v: number): string => `${count(perCustomers(data, v))} per ${count(PER)}`;
  const grid = heatGrid({
    title: `Decisions at threshold ${t} on ${count(data.n)} test customers`,
    rowTitle: 'What the customer did',
    colTitle: 'What the model decides',
    rowLabels: ['Bought again', 'Did not buy again'],
    colLabels: [`Contact (probability ≥ ${t})`, 'Do not contact'],
    cells: [
      [tp, fn],
      [fp, tn],
    ],
    notes: [
      [per(tp), per(fn)],
      [per(fp), per(tn)],
    ],
    tone: [
      ['good', 'bad'],
      ['bad', 'good'],
    ],
    toneNames: { good: 'right decision', bad: 'wrong decision' },
    caption: 'Rows: what the customers did; columns: what the model decides. Blue cells are right decisions, orange cells wrong ones; darker cells hold more customers.',
    emptyNote: 'No test customers were scored.',
  });
  const words =
    `Out of ${count(PER)} customers like these, the model would contact ${count(perCustomers(data, tp + fp))}: ` +
    `${count(perCustomers(data, tp))} of them buy again (well spent) and ${count(perCustomers(data, fp))} do not (wasted contacts). ` +
    `It would leave out ${count(perCustomers(data, fn + tn))}: ${count(perCustomers(data, tn))} rightly, and ${count(perCustomers(data, fn))} buyers it misses.`;
  return section({ id: 'confusion', title: 'Right and wrong decisions', body: p(escapeHtml(words)) + grid });
}
