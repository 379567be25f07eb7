// @ts-check
/**
 * The Monitor tab: upload a customer list, see how it differs from the training data (drift per
 * feature and of the scores) and what the model can be expected to earn on it, before any labels.
 * Everything shown comes from POST /v1/monitor for the list uploaded; text goes in as text only.
 */
import { ApiError, getKey } from './api.js';
import { count, fixed, money, percent } from './lib/core/format.js';

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * @param {string} tag
 * @param {string} [text]
 * @param {string} [className]
 */
function make(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

/** @param {Blob} file */
async function monitorCsv(file) {
  const key = getKey();
  const res = await fetch('/v1/monitor', {
    method: 'POST',
    headers: { 'content-type': 'text/csv', accept: 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: file,
  });
  if (!res.ok) {
    let body = {};
    try {
      body = (await res.json())?.error ?? {};
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, body);
  }
  return res.json();
}

const METHODS = { ks: 'Kolmogorov–Smirnov p', 'chi-squared': 'chi-squared p', wasserstein: 'Wasserstein distance (std)', 'jensen-shannon': 'Jensen–Shannon distance', none: '—' };

/** @param {string[]} head @param {string[][]} rows @param {boolean[]} [flagged] rows drawn as warnings */
function table(head, rows, flagged = []) {
  const t = make('table', undefined, 'grid');
  const thead = t.createTHead().insertRow();
  for (const h of head) thead.append(make('th', h));
  const body = t.createTBody();
  rows.forEach((r, i) => {
    const tr = body.insertRow();
    if (flagged[i]) tr.className = 'flagged';
    for (const c of r) tr.append(make('td', c));
  });
  const wrap = make('div', undefined, 'table-wrap');
  wrap.append(t);
  return wrap;
}

/** @param {any} run */
function monitoredColumns(run) {
  return [...run.columns, ...(run.scores ? [run.scores] : [])];
}

/** @param {any} c a column of the run */
function changed(c) {
  return Boolean(c.drifted || c.meanDrifted || c.missingDrifted || c.newCategories?.drifted);
}

/** @param {any} run */
function driftRows(run) {
  return monitoredColumns(run).map((c) => [
    c.kind === 'score' ? 'predicted probability' : c.column,
    `${METHODS[/** @type {keyof typeof METHODS} */ (c.method)] ?? c.method} ${fixed(c.statistic ?? NaN, 3)}`,
    changed(c) ? 'yes' : 'no',
    fixed(c.psi ?? NaN, 3),
    `${percent(c.reference.missingShare ?? NaN)} → ${percent(c.current.missingShare ?? NaN)}`,
    c.newCategories?.values?.length ? c.newCategories.values.map((/** @type {{value: string}} */ v) => v.value).slice(0, 3).join(', ') : '',
  ]);
}

/** @param {any} run */
function performanceRows(run) {
  const e = run.estimate;
  const ref = run.referenceEstimate?.expected ?? null;
  const real = e.realized;
  /** @type {[string, (f: any) => string, any][]} */
  const lines = [
    ['customers', (f) => count(f.rows), null],
    ['accuracy', (f) => percent(f.accuracy ?? NaN), e.intervals.accuracy],
    ['ROC-AUC', (f) => fixed(f.rocAuc ?? NaN, 3), e.intervals.rocAuc],
    ['contacted', (f) => count(f.contacted), null],
    ['buyers among the contacted', (f) => fixed(f.buyersContacted ?? NaN, 1), e.intervals.buyersContacted],
  ];
  if (e.money) lines.push(['expected profit', (f) => (f.profit === null ? '—' : money(f.profit)), e.intervals.profit]);
  return lines.map(([label, show, interval]) => [
    label,
    ref ? show(ref) : '—',
    interval ? `${show(e.expected)} (${show({ ...e.expected, accuracy: interval.lower, rocAuc: interval.lower, buyersContacted: interval.lower, profit: interval.lower })} to ${show({ ...e.expected, accuracy: interval.upper, rocAuc: interval.upper, buyersContacted: interval.upper, profit: interval.upper })})` : show(e.expected),
    real ? show(real) : '—',
  ]);
}

/** @param {any} run */
function render(run) {
  const out = byId('monitor-results');
  out.replaceChildren();
  const verdict = make('p', run.alert.alert ? 'Alert: this list differs from the training data.' : 'No alert.', run.alert.alert ? 'monitor-alert' : 'muted');
  verdict.id = 'monitor-verdict';
  const summary = make('div');
  summary.id = 'monitor-summary';
  for (const line of run.summary) summary.append(make('p', line));
  out.append(verdict, summary, make('h3', 'Drift, feature by feature'));
  const drift = table(['column', 'test', 'changed', 'PSI', 'missing (training → list)', 'new categories'], driftRows(run), monitoredColumns(run).map(changed));
  drift.id = 'monitor-drift';
  out.append(drift, make('h3', 'Expected without labels'));
  const perf = table(['', 'held-out training customers', 'this list, expected (95 % interval)', 'this list, measured'], performanceRows(run));
  perf.id = 'monitor-performance';
  out.append(perf);
  out.hidden = false;
}

function start() {
  const input = /** @type {HTMLInputElement | null} */ (document.getElementById('monitor-file'));
  if (!input) return;
  const status = byId('monitor-status');
  input.addEventListener('change', async () => {
    const file = input.files?.[0];
    if (!file) return;
    status.textContent = `Comparing ${file.name} with the training data…`;
    byId('monitor-results').hidden = true;
    try {
      const run = await monitorCsv(file);
      render(run);
      // The server may have swapped models since the page loaded: name the one these figures are for.
      status.textContent = `${file.name}: compared with the training data of model ${run.model.hash.slice(0, 12)}.`;
    } catch (err) {
      status.textContent = err instanceof ApiError ? `${file.name} could not be monitored: ${err.message}` : `${file.name} could not be monitored.`;
    } finally {
      input.value = '';
    }
  });
}

start();
