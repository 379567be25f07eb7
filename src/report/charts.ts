/**
 * Charts as inline SVG strings: a line chart (with bands and markers), an interval chart (bars or
 * dots with error bars) and a heat grid. Each returns a <figure> with title, legend, axis labels
 * and a caption, or a "no data" note when there is nothing to draw. Pure: data in, markup out.
 */
import { count } from '../core/format.js';
import { el, escapeHtml, linearScale, niceDomain, niceTicks, text, textWidth, tickLabel, coord } from './svg.js';

export const COLORS = {
  network: '#2563eb',
  baseline: '#ea580c',
  train: '#2563eb',
  validation: '#ea580c',
  reference: '#9ca3af',
  threshold: '#dc2626',
  best: '#16a34a',
  good: '#2563eb',
  bad: '#ea580c',
  ink: '#1f2937',
  muted: '#6b7280',
  grid: '#e5e7eb',
} as const;

/**
 * How the charts' classes look, for every page that shows them (the report inlines it; the web page
 * loads it). Colours come from the page's --ink and --muted, and --plot and --grid where it sets them.
 */
export const CHART_CSS = `
figure.chart svg { display: block; width: 100%; height: auto; overflow: visible; }
.chart-empty .chart-title { font-weight: 600; }
.no-data { color: var(--muted); font-style: italic; padding: 24px 0; margin: 0; }
svg text { font-family: inherit; fill: var(--ink); }
svg .chart-title { font-size: 15px; font-weight: 650; }
svg text.legend, svg .row-label, svg .tick-label { font-size: 12px; }
svg .tick-label { fill: var(--muted); font-variant-numeric: tabular-nums; }
svg .axis-label { font-size: 12.5px; font-weight: 600; fill: var(--ink); }
svg .marker-label { font-size: 11.5px; font-weight: 600; }
svg .cell-value { font-size: 22px; font-weight: 700; }
svg .cell-note { font-size: 12px; }
svg .plot-area { fill: var(--plot, #fcfcfd); stroke: none; }
svg .grid { stroke: var(--grid, #eef0f3); stroke-width: 1; }
svg .axis, svg .tick { stroke: #9ca3af; stroke-width: 1; }
`;

export type Point = readonly [number, number];

export interface LineSeries {
  name: string;
  points: readonly Point[];
  color: string;
  dashed?: boolean;
  /** Draw a dot at each point. */
  dots?: boolean;
}

export interface BandSeries {
  name: string;
  points: readonly { x: number; lower: number; upper: number }[];
  color: string;
}

/** A vertical rule at x, or a dot at (x, y) when y is given. */
export interface Marker {
  name: string;
  x: number;
  y?: number;
  color?: string;
  /** A short label drawn beside a vertical rule. */
  label?: string;
}

export interface Axis {
  label: string;
  min?: number;
  max?: number;
  format?: (v: number) => string;
  ticks?: number;
  /** The axis spans the data and no further (epochs, customers): no room past the last value. */
  tight?: boolean;
}

interface ChartBase {
  title: string;
  /** How to read the chart, one or two sentences. */
  caption: string;
  /** Shown instead of the chart when there is nothing to draw. */
  emptyNote?: string;
  width?: number;
  height?: number;
}

export interface LineChartSpec extends ChartBase {
  x: Axis;
  y: Axis;
  series: readonly LineSeries[];
  bands?: readonly BandSeries[];
  markers?: readonly Marker[];
}

export interface IntervalItem {
  label: string;
  value: number;
  lower?: number;
  upper?: number;
}

export interface IntervalChartSpec extends ChartBase {
  x: Axis;
  items: readonly IntervalItem[];
  /** Bars from 0 (default) or dots. */
  bars?: boolean;
  color?: string;
  valueName: string;
  intervalName?: string;
  /** A vertical reference line, e.g. "no effect" at 0. */
  reference?: { value: number; name: string };
}

export interface HeatGridSpec extends ChartBase {
  rowTitle: string;
  colTitle: string;
  rowLabels: readonly string[];
  colLabels: readonly string[];
  cells: readonly (readonly number[])[];
  /** A second line per cell, e.g. a share. */
  notes?: readonly (readonly string[])[];
  /** Which cells are right decisions (coloured `good`) and which are wrong (`bad`). */
  tone: readonly (readonly ('good' | 'bad')[])[];
  toneNames: { good: string; bad: string };
}

/** Chart widths in px at 100 % zoom: full width, and half of a side-by-side pair. */
export const FULL_WIDTH = 760;
export const PAIR_WIDTH = 500;
const DEFAULT_WIDTH = FULL_WIDTH;
const TITLE_Y = 20;
const LEGEND_TOP = 40;
const LEGEND_ROW = 18;
const RIGHT = 18;
const BOTTOM = 50;

type Swatch = 'line' | 'dashed' | 'band' | 'dot' | 'rule' | 'box';
interface LegendItem {
  name: string;
  swatch: Swatch;
  color: string;
}

/** The chart inside a figure with its caption; the figure grows no wider than the chart's own width (plus padding). */
export function figure(svg: string, caption: string, width: number): string {
  return el('figure', { class: 'chart', style: `max-width: ${width + 30}px` }, `${svg}${el('figcaption', {}, escapeHtml(caption))}`);
}

/** The "nothing to draw" stand-in for a chart. */
export function noDataFigure(title: string, note: string): string {
  return el(
    'figure',
    { class: 'chart chart-empty' },
    `${el('div', { class: 'chart-title' }, escapeHtml(title))}${el('p', { class: 'no-data' }, `No data to draw. ${escapeHtml(note)}`)}`,
  );
}

function svgRoot(title: string, width: number, height: number, body: string): string {
  return el(
    'svg',
    { xmlns: 'http://www.w3.org/2000/svg', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': title },
    `${text(title, { x: 2, y: TITLE_Y, class: 'chart-title' })}${body}`,
  );
}

function swatch(item: LegendItem, x: number, y: number): string {
  const mid = y - 4;
  switch (item.swatch) {
    case 'line':
    case 'dashed':
      return el('line', {
        x1: x, y1: mid, x2: x + 18, y2: mid, stroke: item.color, 'stroke-width': 2.5,
        'stroke-dasharray': item.swatch === 'dashed' ? '5 3' : undefined,
      });
    case 'rule':
      return el('line', { x1: x + 9, y1: mid - 7, x2: x + 9, y2: mid + 7, stroke: item.color, 'stroke-width': 2, 'stroke-dasharray': '4 2' });
    case 'dot':
      return el('circle', { cx: x + 9, cy: mid, r: 5, fill: item.color, stroke: '#fff', 'stroke-width': 1.5 });
    case 'band':
      return el('rect', { x, y: mid - 6, width: 18, height: 12, fill: item.color, 'fill-opacity': 0.2 });
    case 'box':
      return el('rect', { x, y: mid - 6, width: 18, height: 12, fill: item.color, rx: 2 });
  }
}

/** Legend items laid out in rows that fit `width`; returns the markup and the number of rows. */
function legend(items: readonly LegendItem[], width: number): { markup: string; rows: number } {
  let x = 2;
  let row = 0;
  let markup = '';
  for (const item of items) {
    const w = 26 + textWidth(item.name) + 16;
    if (x > 2 && x + w > width) {
      row++;
      x = 2;
    }
    const y = LEGEND_TOP + row * LEGEND_ROW;
    markup += el('g', { class: 'legend-item' }, `${swatch(item, x, y)}${text(item.name, { x: x + 24, y, class: 'legend' })}`);
    x += w;
  }
  return { markup: el('g', { class: 'legend' }, markup), rows: items.length === 0 ? 0 : row + 1 };
}

function finite(v: number | undefined): v is number {
  return v !== undefined && Number.isFinite(v);
}

/** The nice axis domain around the finite values of each list (in one pass, no copies: series can be long). */
function extent(lists: readonly (readonly number[])[], axis: Axis): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const values of lists) {
    for (const v of values) {
      if (!finite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo > hi) [lo, hi] = [0, 1];
  const [niceLo, niceHi] = axis.tight && lo < hi ? [lo, hi] : niceDomain(lo, hi, axis.ticks ?? 5);
  return [axis.min ?? niceLo, axis.max ?? niceHi];
}

/** One coordinate of every point of a list of series. */
function column(series: readonly { points: readonly Point[] }[], index: 0 | 1): number[][] {
  return series.map((s) => {
    const values = new Array<number>(s.points.length);
    for (let i = 0; i < s.points.length; i++) values[i] = s.points[i]![index];
    return values;
  });
}

/**
 * The points with each run that falls in one column (by `columnOf(x)`) reduced to its first, lowest,
 * highest and last point, in order: a line through them looks the same at that resolution.
 * Non-finite points are kept: they break lines.
 */
function thinByColumn(points: readonly Point[], columnOf: (x: number) => number): Point[] {
  const kept: Point[] = [];
  // The current column's run, by index: a run never spans a break, so it is contiguous.
  let first = -1;
  let last = -1;
  let low = -1;
  let high = -1;
  let column = Number.NaN;
  const flush = (): void => {
    if (first < 0) return;
    if (last - first < 4) {
      for (let i = first; i <= last; i++) kept.push(points[i]!);
    } else {
      for (const i of new Set([first, Math.min(low, high), Math.max(low, high), last])) kept.push(points[i]!);
    }
    first = -1;
  };
  for (let i = 0; i < points.length; i++) {
    const point = points[i]!;
    const x = point[0];
    const y = point[1];
    if (!finite(x) || !finite(y)) {
      flush();
      kept.push(point);
      continue;
    }
    const c = columnOf(x);
    if (first < 0 || c !== column) {
      flush();
      first = low = high = i;
      column = c;
    } else if (y < points[low]![1]) {
      low = i;
    } else if (y > points[high]![1]) {
      high = i;
    }
    last = i;
  }
  flush();
  return kept;
}

/**
 * A long series thinned to `columns` equal-width columns over its x-range, for a page that redraws
 * a chart of the same series often: the line keeps its ends, peaks and troughs.
 */
export function thinPoints(points: readonly Point[], columns: number): Point[] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const [x] of points) {
    if (finite(x) && x < lo) lo = x;
    if (finite(x) && x > hi) hi = x;
  }
  const width = (hi - lo) / columns || 1;
  return thinByColumn(points, (x) => Math.floor((x - lo) / width));
}

/**
 * An SVG path through the points; non-finite points break the line. Points that land in the same
 * pixel column are drawn as that column's first, lowest, highest and last point: the same picture,
 * and a path whose length follows the chart's width rather than the number of points.
 */
export function pathData(points: readonly Point[], sx: (v: number) => number, sy: (v: number) => number): string {
  let d = '';
  let pen = false;
  for (const [x, y] of thinByColumn(points, (x) => Math.round(sx(x)))) {
    if (!finite(x) || !finite(y)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${coord(sx(x))},${coord(sy(y))}`;
    pen = true;
  }
  return d;
}

interface Frame {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** The plot area below the legend (`top`), its scales, and its background and both axes as markup. */
function plotFrame(
  spec: { x: Axis; y: Axis },
  xDomain: [number, number],
  yDomain: [number, number],
  width: number,
  height: number,
  top: number,
): { frame: Frame; sx: (v: number) => number; sy: (v: number) => number; axes: string } {
  const frame: Frame = {
    // Tick widths are estimated; wide fonts (a minus sign, grouped digits) run up to a fifth past the estimate, and the rotated axis title sits left of them.
    left: Math.max(52, Math.ceil(yTickWidth(spec.y, yDomain) * 1.2) + 34),
    top,
    right: width - RIGHT,
    bottom: height - BOTTOM,
  };
  const sx = linearScale(xDomain, [frame.left, frame.right]);
  const sy = linearScale(yDomain, [frame.bottom, frame.top]);
  const axes =
    el('rect', { class: 'plot-area', x: frame.left, y: frame.top, width: frame.right - frame.left, height: frame.bottom - frame.top }) +
    yAxis(frame, spec.y, yDomain, sy) +
    xAxis(frame, spec.x, xDomain, sx, height, false);
  return { frame, sx, sy, axes };
}

function xAxis(frame: Frame, axis: Axis, domain: [number, number], sx: (v: number) => number, height: number, grid: boolean): string {
  const format = axis.format ?? tickLabel;
  let out = '';
  for (const t of niceTicks(domain[0], domain[1], axis.ticks ?? 5)) {
    const x = sx(t);
    if (grid) out += el('line', { x1: x, y1: frame.top, x2: x, y2: frame.bottom, class: 'grid' });
    out += el('line', { x1: x, y1: frame.bottom, x2: x, y2: frame.bottom + 4, class: 'tick' });
    out += text(format(t), { x, y: frame.bottom + 17, 'text-anchor': 'middle', class: 'tick-label' });
  }
  out += el('line', { x1: frame.left, y1: frame.bottom, x2: frame.right, y2: frame.bottom, class: 'axis' });
  out += text(axis.label, { x: (frame.left + frame.right) / 2, y: height - 10, 'text-anchor': 'middle', class: 'axis-label' });
  return out;
}

function yAxis(frame: Frame, axis: Axis, domain: [number, number], sy: (v: number) => number): string {
  const format = axis.format ?? tickLabel;
  let out = '';
  for (const t of niceTicks(domain[0], domain[1], axis.ticks ?? 5)) {
    const y = sy(t);
    out += el('line', { x1: frame.left, y1: y, x2: frame.right, y2: y, class: 'grid' });
    out += text(format(t), { x: frame.left - 7, y: y + 4, 'text-anchor': 'end', class: 'tick-label' });
  }
  out += el('line', { x1: frame.left, y1: frame.top, x2: frame.left, y2: frame.bottom, class: 'axis' });
  const cy = (frame.top + frame.bottom) / 2;
  out += text(axis.label, { x: 14, y: cy, 'text-anchor': 'middle', transform: `rotate(-90 14 ${coord(cy)})`, class: 'axis-label' });
  return out;
}

function yTickWidth(axis: Axis, domain: [number, number]): number {
  const format = axis.format ?? tickLabel;
  const widths = niceTicks(domain[0], domain[1], axis.ticks ?? 5).map((t) => textWidth(format(t)));
  return widths.length ? Math.max(...widths) : 0;
}

/** Lines (and bands, rules and dots) over two numeric axes, in a figure with its caption. */
export function lineChart(spec: LineChartSpec): string {
  const svg = lineChartSvg(spec);
  return svg === null ? noDataFigure(spec.title, spec.emptyNote ?? '') : figure(svg, spec.caption, spec.width ?? DEFAULT_WIDTH);
}

/** The line chart's <svg> alone (null when there is nothing to draw), for a page that frames it itself. */
export function lineChartSvg(spec: LineChartSpec): string | null {
  const bands = spec.bands ?? [];
  const markers = (spec.markers ?? []).filter((m) => finite(m.x));
  const drawable = spec.series.some((s) => s.points.some(([x, y]) => finite(x) && finite(y))) || bands.some((b) => b.points.length > 0);
  if (!drawable) return null;

  const width = spec.width ?? DEFAULT_WIDTH;
  const height = spec.height ?? 380;
  const xDomain = extent([...column(spec.series, 0), bands.flatMap((b) => b.points.map((p) => p.x)), markers.map((m) => m.x)], spec.x);
  const yDomain = extent(
    [...column(spec.series, 1), bands.flatMap((b) => b.points.flatMap((p) => [p.lower, p.upper])), markers.flatMap((m) => (finite(m.y) ? [m.y] : []))],
    spec.y,
  );

  const items: LegendItem[] = [
    ...spec.series.map((s): LegendItem => ({ name: s.name, swatch: s.dashed ? 'dashed' : 'line', color: s.color })),
    ...bands.map((b): LegendItem => ({ name: b.name, swatch: 'band', color: b.color })),
    ...markers.map((m): LegendItem => ({ name: m.name, swatch: finite(m.y) ? 'dot' : 'rule', color: m.color ?? COLORS.threshold })),
  ];
  const leg = legend(items, width);
  const hasRuleLabels = markers.some((m) => !finite(m.y) && m.label);
  const { frame, sx, sy, axes } = plotFrame(spec, xDomain, yDomain, width, height, LEGEND_TOP + leg.rows * LEGEND_ROW + (hasRuleLabels ? 14 : 4));
  let body = leg.markup + axes;
  for (const band of bands) {
    const upper = band.points.map((p): Point => [p.x, p.upper]);
    const lower = band.points.map((p): Point => [p.x, p.lower]).reverse();
    const d = pathData([...upper, ...lower], sx, sy);
    if (d) body += el('path', { class: 'band', d: `${d}Z`, fill: band.color, 'fill-opacity': 0.18, stroke: 'none' });
  }
  for (const s of spec.series) {
    const d = pathData(s.points, sx, sy);
    if (!d) continue;
    body += el('path', {
      class: 'series', d, fill: 'none', stroke: s.color, 'stroke-width': 2.25, 'stroke-linejoin': 'round',
      'stroke-dasharray': s.dashed ? '6 4' : undefined,
    });
    if (s.dots) {
      for (const [x, y] of s.points) {
        if (finite(x) && finite(y)) body += el('circle', { class: 'dot', cx: sx(x), cy: sy(y), r: 3.2, fill: s.color });
      }
    }
  }
  for (const m of markers) {
    const color = m.color ?? COLORS.threshold;
    const x = sx(m.x);
    if (finite(m.y)) {
      body += el('circle', { class: 'marker', cx: x, cy: sy(m.y), r: 6, fill: color, stroke: '#fff', 'stroke-width': 2 });
    } else {
      body += el('line', { class: 'marker', x1: x, y1: frame.top, x2: x, y2: frame.bottom, stroke: color, 'stroke-width': 1.75, 'stroke-dasharray': '5 3' });
      if (m.label) {
        const nearRight = x > (frame.left + frame.right) / 2;
        body += text(m.label, { x: nearRight ? x - 4 : x + 4, y: frame.top - 3, 'text-anchor': nearRight ? 'end' : 'start', class: 'marker-label', fill: color });
      }
    }
  }
  return svgRoot(spec.title, width, height, body);
}

function truncate(label: string, maxWidth: number): string {
  if (textWidth(label) <= maxWidth) return label;
  const chars = Math.max(1, Math.floor(maxWidth / textWidth('m')) - 1);
  return `${label.slice(0, chars)}…`;
}

/** One row per item: a bar from 0 (or a dot) at the value, with its interval as an error bar. */
export function intervalChart(spec: IntervalChartSpec): string {
  const items = spec.items.filter((i) => finite(i.value));
  if (items.length === 0) return noDataFigure(spec.title, spec.emptyNote ?? '');
  const bars = spec.bars ?? true;
  const color = spec.color ?? COLORS.network;
  const width = spec.width ?? DEFAULT_WIDTH;
  const rowHeight = 28;
  const hasIntervals = items.some((i) => finite(i.lower) && finite(i.upper));

  const legendItems: LegendItem[] = [{ name: spec.valueName, swatch: bars ? 'box' : 'dot', color }];
  if (hasIntervals) legendItems.push({ name: spec.intervalName ?? '95 % interval', swatch: 'line', color: COLORS.ink });
  if (spec.reference) legendItems.push({ name: spec.reference.name, swatch: 'rule', color: COLORS.muted });
  const leg = legend(legendItems, width);

  const labelWidth = Math.min(width * 0.4, Math.max(...items.map((i) => textWidth(i.label))) + 12);
  const top = LEGEND_TOP + leg.rows * LEGEND_ROW + 6;
  const height = top + items.length * rowHeight + BOTTOM;
  const frame: Frame = { left: labelWidth + 8, top, right: width - RIGHT, bottom: top + items.length * rowHeight };
  const values = items.flatMap((i) => [i.value, i.lower ?? i.value, i.upper ?? i.value]);
  const include = [...(bars ? [0] : []), ...(spec.reference ? [spec.reference.value] : [])];
  const domain = extent([values, include], spec.x);
  const sx = linearScale(domain, [frame.left, frame.right]);

  let body = leg.markup;
  body += el('rect', { class: 'plot-area', x: frame.left, y: frame.top, width: frame.right - frame.left, height: frame.bottom - frame.top });
  body += xAxis(frame, spec.x, domain, sx, height, true);
  if (spec.reference) {
    const x = sx(spec.reference.value);
    body += el('line', { class: 'reference', x1: x, y1: frame.top, x2: x, y2: frame.bottom, stroke: COLORS.muted, 'stroke-width': 1.5, 'stroke-dasharray': '4 3' });
  }
  items.forEach((item, row) => {
    const cy = frame.top + row * rowHeight + rowHeight / 2;
    const label = truncate(item.label, labelWidth - 4);
    body += el('text', { x: frame.left - 8, y: cy + 4, 'text-anchor': 'end', class: 'row-label' }, `${el('title', {}, escapeHtml(item.label))}${escapeHtml(label)}`);
    if (bars) {
      const x0 = sx(0);
      const x1 = sx(item.value);
      body += el('rect', { class: 'bar', x: Math.min(x0, x1), y: cy - 8, width: Math.max(1, Math.abs(x1 - x0)), height: 16, fill: color, 'fill-opacity': 0.85, rx: 2 });
    } else {
      body += el('circle', { class: 'dot', cx: sx(item.value), cy, r: 5, fill: color });
    }
    if (finite(item.lower) && finite(item.upper)) {
      const lo = sx(item.lower);
      const hi = sx(item.upper);
      body += el(
        'g',
        { class: 'whisker', stroke: COLORS.ink, 'stroke-width': 1.5 },
        el('line', { x1: lo, y1: cy, x2: hi, y2: cy }) + el('line', { x1: lo, y1: cy - 5, x2: lo, y2: cy + 5 }) + el('line', { x1: hi, y1: cy - 5, x2: hi, y2: cy + 5 }),
      );
    }
  });
  return figure(svgRoot(spec.title, width, height, body), spec.caption, width);
}

function mix(hex: string, amount: number): string {
  const channel = (i: number): number => {
    const c = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16);
    return Math.round(255 + (c - 255) * amount);
  };
  return `rgb(${channel(0)},${channel(1)},${channel(2)})`;
}

/** A grid of counts (e.g. a confusion matrix): darker cells hold more; colour tells right from wrong. All zero: no data. */
export function heatGrid(spec: HeatGridSpec): string {
  const rows = spec.rowLabels.length;
  const cols = spec.colLabels.length;
  const total = spec.cells.flat().reduce((sum, v) => sum + (finite(v) ? v : 0), 0);
  if (rows === 0 || cols === 0 || spec.cells.length < rows || spec.cells.some((r) => r.length < cols) || total === 0) {
    return noDataFigure(spec.title, spec.emptyNote ?? '');
  }
  const width = spec.width ?? DEFAULT_WIDTH;
  const leg = legend(
    [
      { name: spec.toneNames.good, swatch: 'box', color: COLORS.good },
      { name: spec.toneNames.bad, swatch: 'box', color: COLORS.bad },
      { name: 'darker = more customers', swatch: 'box', color: '#d1d5db' },
    ],
    width,
  );
  const labelWidth = Math.min(width * 0.35, Math.max(...spec.rowLabels.map((l) => textWidth(l))) + 12);
  const left = 28 + labelWidth;
  const top = LEGEND_TOP + leg.rows * LEGEND_ROW + 40;
  const cellW = (width - RIGHT - left) / cols;
  const cellH = 84;
  const height = top + rows * cellH + 12;
  const max = Math.max(1, ...spec.cells.flatMap((r) => r.slice(0, cols)));

  let body = leg.markup;
  body += text(spec.colTitle, { x: left + (cols * cellW) / 2, y: top - 26, 'text-anchor': 'middle', class: 'axis-label' });
  spec.colLabels.forEach((label, c) => {
    body += text(label, { x: left + (c + 0.5) * cellW, y: top - 8, 'text-anchor': 'middle', class: 'row-label' });
  });
  const cy = top + (rows * cellH) / 2;
  body += text(spec.rowTitle, { x: 14, y: cy, 'text-anchor': 'middle', transform: `rotate(-90 14 ${coord(cy)})`, class: 'axis-label' });
  for (let r = 0; r < rows; r++) {
    body += text(spec.rowLabels[r]!, { x: left - 8, y: top + (r + 0.5) * cellH + 4, 'text-anchor': 'end', class: 'row-label' });
    for (let c = 0; c < cols; c++) {
      const value = spec.cells[r]![c]!;
      const intensity = 0.1 + 0.8 * (finite(value) ? value / max : 0);
      const tone = spec.tone[r]?.[c] ?? 'good';
      const x = left + c * cellW;
      const y = top + r * cellH;
      const fill = mix(tone === 'good' ? COLORS.good : COLORS.bad, intensity);
      const ink = intensity > 0.55 ? '#fff' : COLORS.ink;
      body += el('rect', { class: 'cell', x: x + 1, y: y + 1, width: cellW - 2, height: cellH - 2, fill, rx: 3 });
      const note = spec.notes?.[r]?.[c];
      body += text(count(value), {
        x: x + cellW / 2, y: y + cellH / 2 + (note ? 0 : 8), 'text-anchor': 'middle', class: 'cell-value', fill: ink,
      });
      if (note) body += text(note, { x: x + cellW / 2, y: y + cellH / 2 + 20, 'text-anchor': 'middle', class: 'cell-note', fill: ink });
    }
  }
  return figure(svgRoot(spec.title, width, height, body), spec.caption, width);
}

export interface ScatterPoint {
  x: number;
  y: number;
  /** The colouring value (null: drawn grey). */
  color: number | null;
}

export interface ScatterChartSpec extends ChartBase {
  x: Axis;
  y: Axis;
  points: readonly ScatterPoint[];
  /** What colours the points, named in the legend ("low …", "high …"); none: one colour. */
  colorName?: string;
  /** A horizontal rule, e.g. "no push" at 0. */
  reference?: { value: number; name: string };
}

/** Blue for low, orange for high, by rank so a few extreme values do not wash out the rest. */
function rankColors(points: readonly ScatterPoint[]): string[] {
  const present = points.map((p) => p.color).filter((c): c is number => c !== null && Number.isFinite(c)).sort((a, b) => a - b);
  const low = [0x25, 0x63, 0xeb];
  const high = [0xea, 0x58, 0x0c];
  return points.map((p) => {
    if (p.color === null || !Number.isFinite(p.color) || present.length < 2) return present.length < 2 && p.color !== null ? COLORS.network : COLORS.reference;
    let lo = 0;
    let hi = present.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (present[mid]! < p.color) lo = mid + 1;
      else hi = mid;
    }
    const t = lo / (present.length - 1);
    return `rgb(${low.map((c, k) => Math.round(c + (high[k]! - c) * t)).join(',')})`;
  });
}

export function scatterChart(spec: ScatterChartSpec): string {
  const svg = scatterChartSvg(spec);
  return svg === null ? noDataFigure(spec.title, spec.emptyNote ?? '') : figure(svg, spec.caption, spec.width ?? DEFAULT_WIDTH);
}

/** A scatter of points coloured by a third value; null when there is nothing to draw. */
export function scatterChartSvg(spec: ScatterChartSpec): string | null {
  const points = spec.points.filter((p) => finite(p.x) && finite(p.y));
  if (points.length === 0) return null;
  const width = spec.width ?? DEFAULT_WIDTH;
  const height = spec.height ?? 340;
  const xDomain = extent([points.map((p) => p.x)], spec.x);
  const yDomain = extent([points.map((p) => p.y), spec.reference ? [spec.reference.value] : []], spec.y);
  const colored = spec.colorName !== undefined && points.some((p) => p.color !== null);
  const items: LegendItem[] = colored
    ? [
        { name: `low ${spec.colorName}`, swatch: 'dot', color: COLORS.good },
        { name: `high ${spec.colorName}`, swatch: 'dot', color: COLORS.bad },
        ...(points.some((p) => p.color === null) ? [{ name: `${spec.colorName} missing`, swatch: 'dot' as const, color: COLORS.reference }] : []),
      ]
    : [];
  if (spec.reference) items.push({ name: spec.reference.name, swatch: 'dashed', color: COLORS.muted });
  const leg = legend(items, width);
  const { frame, sx, sy, axes } = plotFrame(spec, xDomain, yDomain, width, height, LEGEND_TOP + leg.rows * LEGEND_ROW + 4);
  let body = leg.markup + axes;
  if (spec.reference) {
    const y = sy(spec.reference.value);
    body += el('line', { class: 'reference', x1: frame.left, y1: y, x2: frame.right, y2: y, stroke: COLORS.muted, 'stroke-width': 1.25, 'stroke-dasharray': '5 3' });
  }
  const colors = colored ? rankColors(points) : points.map(() => COLORS.network);
  points.forEach((p, i) => {
    body += el('circle', { class: 'dot', cx: sx(p.x), cy: sy(p.y), r: 2.6, fill: colors[i], 'fill-opacity': 0.75 });
  });
  return svgRoot(spec.title, width, height, body);
}
