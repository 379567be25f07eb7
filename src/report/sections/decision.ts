/** Section 7: whom to contact: cumulative gains and lift by decile, and profit over the number contacted. */
import type { GainsRow } from '../../evaluate/decide.js';
import { PER, perCustomers, type MoneyResult, type ReportData } from '../analysis.js';
import { COLORS, PAIR_WIDTH, lineChart, type LineSeries, type Point } from '../charts.js';
import { callout, code, h3, p, pair, section, table } from '../markup.js';
import { escapeHtml } from '../svg.js';
import { count, fixed, money, percent } from '../words.js';

const asPercent = (v: number): string => `${Math.round(v * 100)} %`;

function gainsPoints(rows: readonly GainsRow[]): Point[] {
  return rows.length ? [[0, 0], ...rows.map((r): Point => [r.contactedShare, r.capturedShare])] : [];
}

function liftPoints(rows: readonly GainsRow[]): Point[] {
  return rows.map((r) => [r.contactedShare, r.lift]);
}

function gainsCharts(data: ReportData): string {
  const { network, baseline, operating } = data;
  const threshold = fixed(operating.threshold);
  const baseRate = data.n === 0 ? Number.NaN : data.positives / data.n;
  const gainsSeries: LineSeries[] = [{ name: 'network', points: gainsPoints(network.gains), color: COLORS.network, dots: true }];
  if (baseline) gainsSeries.push({ name: 'baseline', points: gainsPoints(baseline.gains), color: COLORS.baseline, dots: true });
  gainsSeries.push({ name: 'random', points: [[0, 0], [1, 1]], color: COLORS.reference, dashed: true });
  if (Number.isFinite(baseRate) && baseRate > 0) {
    gainsSeries.push({ name: 'perfect', points: [[0, 0], [baseRate, 1], [1, 1]], color: '#111827', dashed: true });
  }
  const gains = lineChart({
    title: 'Cumulative gains',
    width: PAIR_WIDTH,
    x: { label: 'Customers contacted, highest scores first', min: 0, max: 1, format: asPercent },
    y: { label: 'Buyers reached', min: 0, max: 1, format: asPercent },
    series: network.gains.length ? gainsSeries : [],
    markers: [
      { name: `threshold ${threshold}`, x: operating.contactedShare, label: `threshold ${threshold}` },
      { name: `reaches ${percent(operating.tpr, 0)} of buyers`, x: operating.contactedShare, y: operating.tpr },
    ],
    caption:
      'Contact customers from the highest score down: the curve shows the share of all buyers reached after contacting a given share of customers (one dot per decile). The further above the diagonal, the better; the red line is the chosen threshold.',
    emptyNote: 'No test customers were scored.',
  });
  const liftSeries: LineSeries[] = [{ name: 'network', points: liftPoints(network.gains), color: COLORS.network, dots: true }];
  if (baseline) liftSeries.push({ name: 'baseline', points: liftPoints(baseline.gains), color: COLORS.baseline, dots: true });
  liftSeries.push({ name: 'random (lift 1)', points: [[0, 1], [1, 1]], color: COLORS.reference, dashed: true });
  const lift = lineChart({
    title: 'Cumulative lift by decile',
    width: PAIR_WIDTH,
    x: { label: 'Customers contacted, highest scores first', min: 0, max: 1, format: asPercent },
    y: { label: 'Lift over random contacts', min: 0 },
    series: network.gains.length ? liftSeries : [],
    markers: [{ name: `threshold ${threshold}`, x: operating.contactedShare, label: `threshold ${threshold}` }],
    caption:
      'How many times more buyers the contacted customers hold than a random selection of the same size. A lift of 3 at 10 % means the top tenth holds three times the average share of buyers.',
    emptyNote: 'No test customers were scored.',
  });
  return pair(gains, lift);
}

function gainsTableMarkup(data: ReportData): string {
  const rows = data.network.gains;
  if (!rows.length) return '';
  return table({
    head: ['Decile', 'Customers', 'Buyers', 'Buy rate', 'Score range', 'Contacted so far', 'Buyers reached', 'Lift'],
    numeric: [1, 2, 3, 4, 5, 6, 7],
    rowClasses: rows.map((r) => (r.minScore >= data.operating.threshold ? 'contacted' : undefined)),
    rows: rows.map((r) => [
      String(r.group),
      count(r.count),
      count(r.positives),
      percent(r.responseRate),
      escapeHtml(`${fixed(r.minScore, 2)}–${fixed(r.maxScore, 2)}`),
      percent(r.contactedShare, 0),
      percent(r.capturedShare),
      fixed(r.lift, 2),
    ]),
    caption: 'Test customers in ten equal groups by score, highest first. Shaded rows lie entirely above the threshold.',
  });
}

function profitChart(data: ReportData, m: MoneyResult): string {
  const scale = (v: number): number => perCustomers(data, v);
  const chosen = m.bootstrap.chosen;
  const best = m.curve.best;
  const points = m.curve.points.map((pt): Point => [scale(pt.contacted), scale(pt.profit)]);
  return lineChart({
    title: `Profit per ${count(PER)} customers`,
    x: { label: `Customers contacted per ${count(PER)}, highest scores first`, min: 0, max: PER },
    y: { label: 'Profit' },
    series: [
      { name: 'profit on the test customers', points, color: COLORS.network },
      { name: 'break-even', points: [[0, 0], [PER, 0]], color: COLORS.reference, dashed: true },
    ],
    bands: [
      {
        name: `${Math.round(m.bootstrap.level * 100)} % bootstrap range`,
        points: m.bootstrap.curve.map((c) => ({ x: scale(c.contacted), lower: scale(c.lower), upper: scale(c.upper) })),
        color: COLORS.network,
      },
    ],
    markers: [
      { name: `threshold ${fixed(chosen.threshold)}: contact ${count(scale(chosen.contacted))}`, x: scale(chosen.contacted), label: `threshold ${fixed(chosen.threshold)}` },
      { name: `realized ${money(scale(chosen.profit))}`, x: scale(chosen.contacted), y: scale(chosen.profit) },
      { name: `best in hindsight: ${count(scale(best.contacted))}`, x: scale(best.contacted), y: scale(best.profit), color: COLORS.best },
    ],
    caption:
      `Profit = ${money(m.settings.valuePerReturn)} per returning customer reached − ${money(m.settings.contactCost)} per contact. ` +
      'The shaded band shows where the profit of each depth of the list could land on another sample of as many customers (resampled 1,000 times). The red line is the chosen threshold; the green dot the best number on these test customers in hindsight, found with the labels it is judged on, so optimistic.',
  });
}

function profitText(data: ReportData, m: MoneyResult): string {
  const source = m.source === 'objective' ? ' (taken from the threshold objective)' : '';
  return p(
    escapeHtml(
      `Costs${source}: ${money(m.settings.contactCost)} per contact, ${money(m.settings.valuePerReturn)} per returning customer; a contact pays off when the probability of buying again exceeds ${percent(m.breakEven)}. ` +
        `The list was chosen ${data.rule}. The test customers below played no part in choosing it, so what it earned on them is an honest measure; ` +
        'the expected profit beside it shows whether the probabilities are right in money.',
    ),
  );
}

function profitTable(data: ReportData, m: MoneyResult): string {
  const scale = (v: number): number => perCustomers(data, v);
  const chosen = m.bootstrap.chosen;
  const level = Math.round(m.bootstrap.level * 100);
  return table({
    head: ['Contacted', 'Expected profit (from probabilities)', 'Realized profit (test customers)', `${level} % interval`, 'Chance of a loss'],
    numeric: [0, 1, 2, 3, 4],
    rows: [
      [
        count(scale(chosen.contacted)),
        money(scale(m.expected)),
        money(scale(chosen.profit)),
        escapeHtml(`${money(scale(chosen.lower))} to ${money(scale(chosen.upper))}`),
        percent(chosen.lossProbability, 1),
      ],
    ],
    caption:
      `The chosen list per ${count(PER)} customers. The interval is where the profit of the same rule would land on another ${count(data.n)} customers like the test part (bootstrap, scaled to ${count(PER)}).`,
  });
}

export function decisionSection(data: ReportData): string {
  const intro = p(
    escapeHtml(
      'Sort customers by their score and contact from the top. These charts show what each depth of the list delivers, on the test customers in their natural mix.',
    ),
  );
  const money = data.money
    ? h3('Profit') + profitText(data, data.money) + profitTable(data, data.money) + profitChart(data, data.money)
    : h3('Profit') +
      callout(
        'info',
        `No contact cost or value per returning customer is set, so only gains are shown. To see profit and a recommended number to contact, run ${code('rebuy decide --contact-cost C --value-per-return V')} on this model.`,
      );
  return section({ id: 'decision', title: 'Whom to contact', body: intro + gainsCharts(data) + gainsTableMarkup(data) + money });
}
