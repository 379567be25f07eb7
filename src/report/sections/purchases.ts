/**
 * For a customer table built from a purchase log: what BG/NBD expects of each kind of customer (the
 * frequency × recency heat map at the median age) and how its predictions held up in the holdout
 * (predicted vs actual purchases, or share who bought again, by calibration-period purchases: the classic chart).
 */
import type { ExpectationGrid, HoldoutComparison, PurchaseModelSummary } from '../../purchases/holdout.js';
import { COLORS, figure, lineChart, type LineChartSpec } from '../charts.js';
import { p, section, table } from '../markup.js';
import { el, escapeHtml, text } from '../svg.js';
import { fixed } from '../words.js';

/** The section's anchor and heading, for the section and the report's contents. */
export const PURCHASES_SECTION = { id: 'purchases', title: 'Purchases: what BG/NBD expects' } as const;

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

/** What a holdout comparison's means are, in words for its chart and table. */
function holdoutWords(h: HoldoutComparison, horizonDays: number) {
  const who = h.customers === 'held-out' ? 'held-out test customers (none of them in the fit)' : 'customers BG/NBD was fitted on';
  return h.measure === 'purchases'
    ? {
        title: 'Predicted vs actual purchases in the holdout',
        y: `purchases per customer in the ${horizonDays} days after`,
        predicted: 'BG/NBD: expected',
        actual: 'actual',
        caption: `Mean purchases per customer in the ${horizonDays} days after the cutoff, for the ${who}, by the number of repeat purchases before the cutoff; the last group holds that many and more.`,
        head: ['repeat purchases before', 'customers', 'expected purchases per customer', 'actual purchases per customer'],
      }
    : {
        title: 'Predicted vs actual share who bought again in the holdout',
        y: `share who bought in the ${horizonDays} days after`,
        predicted: 'BG/NBD: P(at least one purchase)',
        actual: 'actual share who bought again',
        caption: `For the ${who}: BG/NBD's mean probability of at least one purchase in the ${horizonDays} days after the cutoff beside the share who did buy again, by the number of repeat purchases before the cutoff; the last group holds that many and more.`,
        head: ['repeat purchases before', 'customers', 'P(at least one purchase), mean', 'share who bought again'],
      };
}

/** The holdout chart's spec, for the report and for the page, which frames it itself. */
export function holdoutChartSpec(h: HoldoutComparison, horizonDays: number): LineChartSpec {
  const words = holdoutWords(h, horizonDays);
  const labels = h.groups.map((g) => g.label);
  const at = (field: 'predicted' | 'actual'): [number, number][] => h.groups.map((g, i) => [i, g[field]]);
  return {
    title: words.title,
    x: { label: 'repeat purchases before the cutoff', min: 0, max: labels.length - 1, format: (v) => labels[Math.round(v)] ?? '', ticks: labels.length, tight: true },
    y: { label: words.y, min: 0, ...(h.measure === 'bought-again' && { max: 1 }) },
    series: [
      { name: words.predicted, points: at('predicted'), color: COLORS.network, dots: true },
      { name: words.actual, points: at('actual'), color: COLORS.baseline, dots: true, dashed: true },
    ],
    caption: words.caption,
  };
}

function holdoutTable(h: HoldoutComparison, horizonDays: number): string {
  const words = holdoutWords(h, horizonDays);
  const customers = h.groups.reduce((s, g) => s + g.customers, 0);
  const totalRow =
    h.measure === 'purchases'
      ? ['all', String(customers), `${fixed(h.predictedTotal, 1)} in total`, `${fixed(h.actualTotal, 1)} in total`]
      : ['all', String(customers), fixed(h.predictedTotal / customers, 3), fixed(h.actualTotal / customers, 3)];
  return table({
    head: words.head,
    rows: [...h.groups.map((g) => [escapeHtml(g.label), String(g.customers), fixed(g.predicted, 3), fixed(g.actual, 3)]), totalRow],
  });
}

/** What was fitted on which customers, in one plain sentence. */
export function fitWords(report: PurchaseModelSummary): string {
  const { r, alpha, a, b } = report.params;
  return (
    `BG/NBD, fitted on ${report.fittedCustomers} customers not held out for testing (their purchases up to the cutoff, in the shop's own mix of buyers; BG/NBD reads no labels): purchase rate Gamma(r = ${fixed(r, 3)}, α = ${fixed(alpha, 2)} days), ` +
    `drop-out after each purchase Beta(a = ${fixed(a, 3)}, b = ${fixed(b, 3)}).`
  );
}

/** The heat map of a summary with its title and caption, as a framed figure. */
export function summaryHeatMap(report: PurchaseModelSummary): string {
  return expectationHeatMap(
    report.grid,
    `Purchases BG/NBD expects in the next ${report.horizonDays} days`,
    `For a customer whose first purchase was ${Math.round(report.medianAge)} days before the cutoff (the median of the customers fitted on), by repeat purchases and by days from the first to the last purchase: the more repeat purchases, and the more recent the last, the more to expect.`,
  );
}

export function purchasesSection(report: PurchaseModelSummary): string {
  const parts = [p(escapeHtml(fitWords(report))), summaryHeatMap(report)];
  if (report.holdout && report.holdout.groups.length) {
    parts.push(lineChart(holdoutChartSpec(report.holdout, report.horizonDays)), holdoutTable(report.holdout, report.horizonDays));
  } else {
    parts.push(p('The table holds no outcomes after the cutoff for these customers (build it with <code>rebuy features</code> on a log that runs past the cutoff; <code>--outcome-counts</code> adds purchase counts): no holdout chart.'));
  }
  return section({ ...PURCHASES_SECTION, body: parts.join('\n') });
}
