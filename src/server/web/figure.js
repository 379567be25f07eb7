// @ts-check
/** Charts of rebuy's chart module (the report's) placed on the page. */
import { lineChartSvg } from './lib/report/charts.js';

/**
 * A chart drawn by the report's chart module, framed with its caption, at the width it is shown
 * (never wider than the report draws it), so its text keeps its size on a phone.
 * @param {HTMLElement} parent
 * @param {import('./lib/report/charts.js').LineChartSpec} spec
 */
export function chartFigure(parent, spec) {
  const fig = document.createElement('figure');
  fig.className = 'chart';
  parent.append(fig);
  const shown = fig.clientWidth;
  const svg = lineChartSvg(shown > 0 && spec.width !== undefined ? { ...spec, width: Math.min(spec.width, Math.max(300, shown)) } : spec);
  if (svg === null) {
    const none = document.createElement('p');
    none.className = 'muted';
    none.textContent = `${spec.title}: no data to draw. ${spec.emptyNote ?? ''}`;
    fig.append(none);
  } else {
    fig.append(svgElement(svg));
  }
  const caption = document.createElement('figcaption');
  caption.className = 'muted';
  caption.textContent = spec.caption;
  fig.append(caption);
  return fig;
}

/**
 * The chart module's markup as a node. Every text in it was escaped by the module, and this page's
 * content security policy runs no inline script or style.
 * @param {string} markup
 */
export function svgElement(markup) {
  const holder = document.createElement('div');
  holder.innerHTML = markup;
  return /** @type {Element} */ (holder.firstElementChild);
}

