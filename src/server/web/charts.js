// @ts-check
/** Small inline-SVG charts: line charts with axes, ticks and markers. No library, no network. */

const NS = 'http://www.w3.org/2000/svg';

/**
 * @param {string} name
 * @param {Record<string, string | number>} [attrs]
 * @param {string} [text]
 * @returns {SVGElement}
 */
function el(name, attrs = {}, text) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** About `count` round tick values between lo and hi. */
export function ticks(lo, hi, count = 5) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

/**
 * @typedef {{ name: string, values: ArrayLike<number>, cls: string, dashed?: boolean }} Series
 * @typedef {{ x: number, label: string, cls: string }} Marker
 * @typedef {{
 *   title: string, xLabel: string, yLabel?: string, x0?: number, xs?: ArrayLike<number>,
 *   series: Series[], markers?: { x: number, y?: number, cls: string, label?: string }[],
 *   vlines?: { x: number, cls: string }[], zeroLine?: boolean, area?: boolean,
 *   formatY?: (v: number) => string, formatX?: (v: number) => string, width?: number, height?: number
 * }} ChartSpec
 */

/**
 * A line chart. Values that are not finite are skipped.
 * @param {ChartSpec} spec
 * @returns {SVGElement}
 */
export function lineChart(spec) {
  const W = spec.width ?? 640;
  const H = spec.height ?? 260;
  const m = { l: 58, r: 16, t: 14, b: 38 };
  const n = Math.max(...spec.series.map((s) => s.values.length));
  const xAt = (i) => (spec.xs ? spec.xs[i] : (spec.x0 ?? 0) + i);
  let yLo = Infinity;
  let yHi = -Infinity;
  for (const s of spec.series) {
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i];
      if (Number.isFinite(v)) {
        if (v < yLo) yLo = v;
        if (v > yHi) yHi = v;
      }
    }
  }
  if (!Number.isFinite(yLo)) {
    yLo = 0;
    yHi = 1;
  }
  if (spec.zeroLine) {
    yLo = Math.min(yLo, 0);
    yHi = Math.max(yHi, 0);
  }
  const pad = (yHi - yLo) * 0.06 || Math.abs(yHi) * 0.1 || 1;
  yLo -= pad;
  yHi += pad;
  const xLo = xAt(0);
  const xHi = xAt(Math.max(n - 1, 1));
  const sx = (x) => m.l + ((x - xLo) / (xHi - xLo || 1)) * (W - m.l - m.r);
  const sy = (y) => m.t + (1 - (y - yLo) / (yHi - yLo)) * (H - m.t - m.b);
  const fy = spec.formatY ?? ((v) => String(v));
  const fx = spec.formatX ?? ((v) => String(v));

  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': spec.title });
  svg.append(el('title', {}, spec.title));

  for (const t of ticks(yLo, yHi, 4)) {
    svg.append(el('line', { class: 'grid-line', x1: m.l, x2: W - m.r, y1: sy(t), y2: sy(t) }));
    svg.append(el('text', { x: m.l - 8, y: sy(t) + 4, 'text-anchor': 'end' }, fy(t)));
  }
  for (const t of ticks(xLo, xHi, 6)) {
    svg.append(el('line', { class: 'axis', x1: sx(t), x2: sx(t), y1: H - m.b, y2: H - m.b + 4 }));
    svg.append(el('text', { x: sx(t), y: H - m.b + 16, 'text-anchor': 'middle' }, fx(t)));
  }
  svg.append(el('line', { class: 'axis', x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b }));
  svg.append(el('text', { x: (m.l + W - m.r) / 2, y: H - 4, 'text-anchor': 'middle' }, spec.xLabel));
  if (spec.yLabel) {
    svg.append(el('text', { x: 12, y: (m.t + H - m.b) / 2, 'text-anchor': 'middle', transform: `rotate(-90 12 ${(m.t + H - m.b) / 2})` }, spec.yLabel));
  }
  if (spec.zeroLine && yLo < 0 && yHi > 0) svg.append(el('line', { class: 'zero', x1: m.l, x2: W - m.r, y1: sy(0), y2: sy(0) }));

  for (const s of spec.series) {
    // Long series are thinned to about one point per pixel column.
    const stride = Math.max(1, Math.floor(s.values.length / (W - m.l - m.r)));
    let d = '';
    for (let i = 0; i < s.values.length; i += stride) {
      const v = s.values[i];
      if (!Number.isFinite(v)) continue;
      d += `${d === '' ? 'M' : 'L'}${sx(xAt(i)).toFixed(1)},${sy(v).toFixed(1)}`;
    }
    const last = s.values.length - 1;
    if (last >= 0 && last % stride !== 0 && Number.isFinite(s.values[last])) d += `L${sx(xAt(last)).toFixed(1)},${sy(s.values[last]).toFixed(1)}`;
    if (spec.area && d !== '') {
      const base = sy(Math.max(yLo, Math.min(0, yHi)));
      svg.append(el('path', { class: 'area', d: `${d}L${sx(xAt(last)).toFixed(1)},${base}L${sx(xAt(0)).toFixed(1)},${base}Z` }));
    }
    svg.append(el('path', { class: `${s.cls}${s.dashed ? ' dashed' : ''}`, d }));
  }
  for (const v of spec.vlines ?? []) {
    svg.append(el('line', { class: v.cls, x1: sx(v.x), x2: sx(v.x), y1: m.t, y2: H - m.b }));
  }
  for (const mk of spec.markers ?? []) {
    if (mk.y === undefined || !Number.isFinite(mk.y)) continue;
    const dot = el('circle', { class: mk.cls, cx: sx(mk.x), cy: sy(mk.y), r: 5 });
    if (mk.label) dot.append(el('title', {}, mk.label));
    svg.append(dot);
  }
  return svg;
}

/**
 * A legend below a chart.
 * @param {{ name: string, cls: string }[]} items
 */
export function legend(items) {
  const div = document.createElement('div');
  div.className = 'legend';
  for (const item of items) {
    const span = document.createElement('span');
    const sw = document.createElement('span');
    sw.className = `swatch ${item.cls}`;
    span.append(sw, item.name);
    div.append(span);
  }
  return div;
}
