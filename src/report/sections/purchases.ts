/**
 * For a customer table built from a purchase log: what BG/NBD expects of each kind of customer (the
 * frequency × recency heat map at the median age) and how its predictions held up in the holdout
 * (predicted vs actual purchases per customer by calibration-period purchases: the classic chart).
 */
import type { ExpectationGrid, HoldoutComparison, PurchaseModelSummary } from '../../purchases/holdout.js';
import { COLORS, figure, lineChart } from '../charts.js';
import { p, section, table } from '../markup.js';
import { el, escapeHtml, text } from '../svg.js';
import { fixed } from '../words.js';

const CELL_W = 44;
const CELL_H = 26;

/** Expected purchases over frequency (rows) × recency (columns); darker = more, each cell labelled with its value. */
export function expectationHeatMap(grid: ExpectationGrid, title: string, caption: string): string {
  const left = 70;
  const top = 48;
  const width = left + grid.recencies.length * CELL_W + 10;
  const height = top + grid.frequencies.length * CELL_H + 44;
  const max = Math.max(...grid.expected.flat(), 1e-12);
  let body = text(title, { x: 2, y: 16, class: 'chart-title' });
  grid.recencies.forEach((tx, j) => {
    body += text(String(Math.round(tx)), { x: left + (j + 0.5) * CELL_W, y: top - 6, 'text-anchor': 'middle', class: 'tick-label' });
  });
  body += text('recency: days from the first to the last purchase', { x: left + (grid.recencies.length * CELL_W) / 2, y: height - 12, 'text-anchor': 'middle', class: 'axis-label' });
  grid.frequencies.forEach((x, i) => {
    body += text(String(x), { x: left - 8, y: top + (i + 0.5) * CELL_H + 4, 'text-anchor': 'end', class: 'tick-label' });
    grid.expected[i]!.forEach((value, j) => {
      const share = value / max;
      const fill = `rgba(37,99,235,${fixed(0.08 + 0.85 * share, 3)})`;
      body += el('rect', { x: left + j * CELL_W + 1, y: top + i * CELL_H + 1, width: CELL_W - 2, height: CELL_H - 2, fill, rx: 2 });
      body += text(fixed(value, 2), { x: left + (j + 0.5) * CELL_W, y: top + (i + 0.5) * CELL_H + 4, 'text-anchor': 'middle', class: 'cell-note', fill: share > 0.55 ? '#fff' : COLORS.ink });
    });
  });
  body += text('repeat purchases', { x: 14, y: top + (grid.frequencies.length * CELL_H) / 2, 'text-anchor': 'middle', transform: `rotate(-90 14 ${top + (grid.frequencies.length * CELL_H) / 2})`, class: 'axis-label' });
  const svg = el('svg', { xmlns: 'http://www.w3.org/2000/svg', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': title }, body);
  return figure(svg, caption, width);
}

function holdoutChart(h: HoldoutComparison, horizonDays: number): string {
  const labels = h.groups.map((g) => g.label);
  const at = (field: 'predicted' | 'actual'): [number, number][] => h.groups.map((g, i) => [i, g[field]]);
  return lineChart({
    title: 'Predicted vs actual purchases in the holdout',
    x: { label: 'repeat purchases before the cutoff', min: 0, max: labels.length - 1, format: (v) => labels[Math.round(v)] ?? '', ticks: labels.length, tight: true },
    y: { label: `purchases per customer in the ${horizonDays} days after`, min: 0 },
    series: [
      { name: 'BG/NBD: expected', points: at('predicted'), color: COLORS.network, dots: true },
      { name: 'actual', points: at('actual'), color: COLORS.baseline, dots: true, dashed: true },
    ],
    caption: 'Mean purchases per customer after the cutoff, by the number of repeat purchases before it; the last group holds that many and more.',
  });
}

export function purchasesSection(report: PurchaseModelSummary): string {
  const { r, alpha, a, b } = report.params;
  const parts = [
    p(
      `BG/NBD, fitted on the training customers: purchase rate Gamma(r = ${fixed(r, 3)}, α = ${fixed(alpha, 2)} days), ` +
        `drop-out after each purchase Beta(a = ${fixed(a, 3)}, b = ${fixed(b, 3)}).`,
    ),
    expectationHeatMap(
      report.grid,
      `Purchases BG/NBD expects in the next ${report.horizonDays} days`,
      `For a customer whose first purchase was ${Math.round(report.medianAge)} days before the cutoff (the median): the more repeat purchases, and the more recent the last, the more to expect.`,
    ),
  ];
  if (report.holdout) {
    const h = report.holdout;
    parts.push(
      holdoutChart(h, report.horizonDays),
      table({
        head: ['repeat purchases before', 'customers', 'expected per customer', 'actual per customer'],
        rows: [
          ...h.groups.map((g) => [escapeHtml(g.label), String(g.customers), fixed(g.predicted, 3), fixed(g.actual, 3)]),
          ['all', String(h.groups.reduce((s, g) => s + g.customers, 0)), fixed(h.predictedTotal, 1) + ' in total', fixed(h.actualTotal, 1) + ' in total'],
        ],
      }),
    );
  } else {
    parts.push(p('The table holds no purchase counts after the cutoff (build it with <code>rebuy features --outcome-counts</code>): no holdout chart.'));
  }
  return section({ id: 'purchases', title: 'Purchases: what BG/NBD expects', body: parts.join('\n') });
}
