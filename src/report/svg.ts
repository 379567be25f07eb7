/** Building blocks for inline SVG and HTML strings: escaping, elements, scales and ticks. */
import { count } from '../core/format.js';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML and SVG content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

export type Attributes = Record<string, string | number | null | undefined | false>;

/** A number as an SVG coordinate: at most 2 decimals, no "-0". */
export function coord(v: number): string {
  const r = Math.round(v * 100) / 100;
  return String(Object.is(r, -0) ? 0 : r);
}

function attributeText(attrs: Attributes): string {
  let out = '';
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    out += ` ${key}="${escapeHtml(typeof value === 'number' ? coord(value) : value)}"`;
  }
  return out;
}

/** An element; `children` is markup already built (escape text with escapeHtml first). */
export function el(tag: string, attrs: Attributes = {}, children?: string): string {
  return children === undefined ? `<${tag}${attributeText(attrs)}/>` : `<${tag}${attributeText(attrs)}>${children}</${tag}>`;
}

/** A text element whose content is escaped. */
export function text(content: string, attrs: Attributes): string {
  return el('text', attrs, escapeHtml(content));
}

/** Maps [d0, d1] linearly onto [r0, r1]; a zero-width domain maps to the middle of the range. */
export function linearScale(domain: readonly [number, number], range: readonly [number, number]): (v: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  if (d1 === d0) return () => (r0 + r1) / 2;
  const k = (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** A "nice" step (1, 2, 2.5 or 5 × 10^k) giving about `count` intervals over `span`. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const unit = raw / power;
  const nice = unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 2.5 ? 2.5 : unit <= 5 ? 5 : 10;
  return nice * power;
}

function roundToStep(v: number, step: number): number {
  const decimals = Math.max(0, Math.min(12, -Math.floor(Math.log10(step)) + 2));
  return Number(v.toFixed(decimals));
}

/** Tick values at a nice step inside [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) return [min];
  const step = niceStep(max - min, count);
  const ticks: number[] = [];
  for (let k = Math.ceil(min / step - 1e-9); k * step <= max + step * 1e-9; k++) ticks.push(roundToStep(k * step, step));
  return ticks;
}

/** [min, max] widened outwards to nice steps; a single value gets a unit-wide domain around it. */
export function niceDomain(min: number, max: number, count = 5): [number, number] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (min === max) return min === 0 ? [0, 1] : [min - Math.abs(min) / 2, max + Math.abs(max) / 2];
  const step = niceStep(max - min, count);
  return [roundToStep(Math.floor(min / step + 1e-9) * step, step), roundToStep(Math.ceil(max / step - 1e-9) * step, step)];
}

/** A tick label: grouping for thousands, no float noise. */
export function tickLabel(v: number): string {
  if (Math.abs(v) >= 1000) return count(v);
  return String(Number(v.toPrecision(6))).replace('-', '−');
}

/** Rough width in px of a label in the charts' 12 px system font (for layout only). */
export function textWidth(label: string, fontSize = 12): number {
  return label.length * fontSize * 0.56;
}
