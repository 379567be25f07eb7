/** Section 5: do the probabilities mean what they say? Reliability diagram, ECE, the correction in words. */
import type { Calibration } from '../../evaluate/calibration.js';
import type { ReliabilityBin } from '../../evaluate/calibration.js';
import type { ReportData } from '../analysis.js';
import { COLORS, lineChart, type LineSeries } from '../charts.js';
import { p, section, table } from '../markup.js';
import { escapeHtml } from '../svg.js';
import { count, fixed, percent, signed } from '../words.js';

const asPercent = (v: number): string => `${Math.round(v * 100)} %`;

export function calibrationInWords(c: Calibration): string {
  switch (c.method) {
    case 'none':
      return 'No correction was applied: the probabilities are the network’s own outputs.';
    case 'prior':
      return (
        'The network learned on a mix with more buyers than in reality, which makes it overstate everyone’s chance. ' +
        `A prior correction shifts its scores back to the real share of buyers (log-odds ${signed(c.intercept, 2)}).`
      );
    case 'platt':
      return (
        'Platt scaling: a small logistic regression, fitted on customers the network did not train on, turns its scores into probabilities ' +
        `(log-odds × ${fixed(c.slope, 2)} ${signed(c.intercept, 2)}).`
      );
  }
}

function curve(bins: readonly ReliabilityBin[]): [number, number][] {
  return bins.map((b) => [b.meanPredicted, b.observedRate]);
}

export function calibrationSection(data: ReportData): string {
  const c = data.calibration;
  const series: LineSeries[] = [];
  if (c.before) series.push({ name: `before correction (ECE ${percent(c.eceBefore ?? Number.NaN)})`, points: curve(c.before), color: COLORS.baseline, dots: true });
  series.push({ name: c.before ? `after correction (ECE ${percent(c.eceAfter)})` : `model (ECE ${percent(c.eceAfter)})`, points: curve(c.after), color: COLORS.network, dots: true });
  const chart = lineChart({
    title: 'Reliability diagram',
    x: { label: 'Predicted probability of buying again', min: 0, max: 1, format: asPercent },
    y: { label: 'Share that did buy again', min: 0, max: 1, format: asPercent },
    series: c.after.length ? [...series, { name: 'perfect calibration', points: [[0, 0], [1, 1]], color: COLORS.reference, dashed: true }] : [],
    markers: [{ name: `threshold ${fixed(data.operating.threshold)}`, x: data.operating.threshold, label: 'threshold' }],
    caption:
      'Customers are grouped by predicted probability (10 bins); each dot compares the average prediction with the share that actually bought again. Dots on the diagonal mean the probabilities can be taken at face value; dots below it mean the model is too optimistic.',
    emptyNote: 'No test customers were scored.',
  });
  const ece =
    `The expected calibration error (ECE) is the average gap between predicted and observed rates, weighted by customers: ${percent(c.eceAfter)}` +
    (c.eceBefore !== null ? ` after the correction, ${percent(c.eceBefore)} before.` : '.');
  const bins = table({
    head: ['Predicted range', 'Customers', 'Mean predicted', 'Bought again'],
    numeric: [1, 2, 3],
    compact: true,
    rows: c.after.map((b) => [
      escapeHtml(`${asPercent(b.lower)}–${asPercent(b.upper)}`),
      count(b.count),
      percent(b.meanPredicted),
      percent(b.observedRate),
    ]),
  });
  return section({
    id: 'calibration',
    title: 'Calibration',
    body: p(escapeHtml(calibrationInWords(data.manifest.calibration))) + p(escapeHtml(ece)) + chart + (c.after.length ? bins : ''),
  });
}
