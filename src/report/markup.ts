/** Small HTML builders shared by the report's sections. Text arguments are escaped here; markup arguments are not. */
import { el, escapeHtml } from './svg.js';

export interface SectionSpec {
  id: string;
  title: string;
  /** Markup. */
  body: string;
}

export function section({ id, title, body }: SectionSpec): string {
  return el('section', { id, class: 'report-section' }, `${el('h2', {}, escapeHtml(title))}${body}`);
}

/** A paragraph of markup. */
export function p(markup: string, cls?: string): string {
  return el('p', { class: cls }, markup);
}

export function h3(title: string): string {
  return el('h3', {}, escapeHtml(title));
}

export function strong(textContent: string): string {
  return el('strong', {}, escapeHtml(textContent));
}

export function code(textContent: string): string {
  return el('code', {}, escapeHtml(textContent));
}

export function list(itemsMarkup: readonly string[], cls?: string): string {
  return el('ul', { class: cls }, itemsMarkup.map((i) => el('li', {}, i)).join(''));
}

export function callout(kind: 'danger' | 'warning' | 'info', markup: string, extraClass?: string): string {
  const cls = `callout callout-${kind}${extraClass ? ` ${extraClass}` : ''}`;
  return el('div', { class: cls, role: kind === 'info' ? undefined : 'note' }, markup);
}

export interface TableSpec {
  /** Header cells as text. */
  head: readonly string[];
  /** Body cells as markup. */
  rows: readonly (readonly string[])[];
  /** Columns aligned right (numbers). */
  numeric?: readonly number[];
  rowClasses?: readonly (string | undefined)[];
  caption?: string;
  /** Keep the table as narrow as a chart. */
  compact?: boolean;
}

export function table(spec: TableSpec): string {
  const align = (i: number): string | undefined => (spec.numeric?.includes(i) ? 'num' : undefined);
  const head = el('tr', {}, spec.head.map((h, i) => el('th', { class: align(i), scope: 'col' }, escapeHtml(h))).join(''));
  const body = spec.rows
    .map((row, r) => el('tr', { class: spec.rowClasses?.[r] }, row.map((cell, i) => el('td', { class: align(i) }, cell)).join('')))
    .join('');
  const caption = spec.caption ? el('caption', {}, escapeHtml(spec.caption)) : '';
  return el('div', { class: spec.compact ? 'table-wrap compact' : 'table-wrap' }, el('table', {}, `${caption}${el('thead', {}, head)}${el('tbody', {}, body)}`));
}

/** Two charts side by side on wide screens. */
export function pair(left: string, right: string): string {
  return el('div', { class: 'chart-pair' }, `${left}${right}`);
}

export interface Kpi {
  value: string;
  label: string;
}

export function kpis(items: readonly Kpi[]): string {
  return el(
    'div',
    { class: 'kpis' },
    items
      .map((k) => el('div', { class: 'kpi' }, `${el('div', { class: 'kpi-value' }, escapeHtml(k.value))}${el('div', { class: 'kpi-label' }, escapeHtml(k.label))}`))
      .join(''),
  );
}
