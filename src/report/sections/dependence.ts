/** Section: the shape of each fact's effect, one dependence chart per fact, with any interaction said in words. */
import type { DependenceChart } from '../../bundle/evaluation.js';
import { PAIR_WIDTH, scatterChart } from '../charts.js';
import { p, section } from '../markup.js';
import { escapeHtml } from '../svg.js';

/** One fact's chart, for the report and the web page alike. */
export function dependenceChartSpec(chart: DependenceChart, width = PAIR_WIDTH) {
  const colour = chart.color ? `Colour: ${chart.color.label}, the column that best explains the spread at one value.` : 'No other column explains the spread at one value.';
  return {
    title: chart.label,
    x: { label: chart.x.label },
    y: { label: 'Push on the chance (points)' },
    points: chart.points.flatMap((pt) => (pt.x === null ? [] : [{ x: pt.x, y: pt.y, color: pt.color }])),
    ...(chart.color ? { colorName: chart.color.label } : {}),
    reference: { value: 0, name: 'the typical customer' },
    width,
    height: 320,
    caption: `Each dot is a customer: how far ${chart.label} moves their chance from the typical customer's, against ${chart.x.label}. ${colour}${
      chart.interaction ? ` ${chart.interaction.text}.` : ''
    }`,
    emptyNote: 'No customer has a value to plot.',
  };
}

export function dependenceSection(charts: readonly DependenceChart[], customers: number): string {
  const flips = charts.filter((c) => c.interaction);
  const words =
    `How each fact moves the chance across ${customers.toLocaleString('en')} test customers, measured from the same typical customer as the reasons. ` +
    (flips.length
      ? `Where one value pushes both ways, another column decides which: ${flips.map((c) => c.interaction!.text).join('; ')}.`
      : 'No fact pushes both ways at one value: each fact reads the same for every customer who shares it.');
  return section({
    id: 'dependence',
    title: 'The shape of each effect',
    body: p(escapeHtml(words)) + `<div class="chart-pair">${charts.map((c) => scatterChart(dependenceChartSpec(c))).join('')}</div>`,
  });
}
