// @ts-check
/** The rebuy page: upload → ranked customers → contact budget and expected profit → download. */
import { ApiError, getKey, getModel, scoreCsv, setKey } from './api.js';
// rebuy's own modules, compiled and served by this server: the same formula, charts and formats as the report and the CLI.
import { count, fixed, money, percent } from './lib/core/format.js';
import { METRIC_TABLE_KEYS, metricInfo, metricTitle } from './lib/evaluate/metric-labels.js';
import { createCsvRecordReader } from './lib/core/csv.js';
import { bestBudget, budgetCount, byLikelihood, contactExportCsv, decisionBudget, expectedProfitCurve, expectedReturns } from './lib/evaluate/profit.js';
import { COLORS, lineChartSvg, scatterChartSvg, thinPoints } from './lib/report/charts.js';
import { chartFigure, svgElement } from './figure.js';
import { saveBlob } from './save.js';
import { clearUpliftList, showUpliftList, showUpliftModel, upliftMoney } from './uplift.js';
import { dependenceChartSpec } from './lib/report/sections/dependence.js';
import { PURCHASES_SECTION, fitWords, holdoutChartSpec, summaryHeatMap } from './lib/report/sections/purchases.js';
import { accuracyChart, lossChart } from './lib/report/training-charts.js';

/** @typedef {{ text: string, group?: string, label?: string, columns?: string[], points?: number, direction?: 'raises' | 'lowers', actionable?: boolean }} Reason */
/** @typedef {{ probability: number, customers?: number, text: string }} Reference */
/** @typedef {{ mode: 'count' | 'percent', budget: number | null, cost: number, value: number, currency: string }} Settings */
/** @typedef {{ header: string[], rows: string[][] }} UploadRows */
/** @typedef {{ header: string[], byId: Map<string, string[][]> }} UploadTable */
/** @typedef {{ id: string, probability: number | null, label: number, rank: number, reasons?: Reason[], pos: number }} Row */

/** @param {string} id */
function $(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} missing`);
  return node;
}
const input = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ ($(id));

const state = {
  /** @type {any} */ model: null,
  /** @type {Row[]} */ rows: [],
  /** @type {Row[]} most likely first */ ranked: [],
  sortedP: new Float64Array(0),
  curve: new Float64Array(1),
  /** @type {[number, number][]} the curve as chart points */ curvePoints: [],
  best: { k: 0, profit: 0 },
  k: 0,
  /** @type {'count' | 'percent'} */ mode: 'count',
  cost: 1,
  value: 10,
  currency: '',
  /** @type {number | null} the budget the user set, in the mode's units; null: the model's decision */ budget: null,
  sort: { key: 'rank', dir: 1 },
  /** @type {Row[]} */ view: [],
  page: 0,
  pageSize: 50,
  search: '',
  onlyChosen: false,
  /** The file being scored or that failed: named in messages. */
  fileName: '',
  /** The file whose scored list the page holds: names the download. Empty when it holds none. */
  listName: '',
  /** @type {UploadTable | null} the upload's own rows, by customer id, for the export */ upload: null,
  hasReasons: false,
  /** @type {Reference | null} what the reasons are measured from */ reference: null,
  /** @type {any[]} per fact, the explained customers' pushes against its value (the API's dependence charts) */ dependence: [],
  /** @type {string} the segment shown: a leading actionable reason's key, '' for all */ segment: '',
  /** @type {Set<string>} columns the training data audit flags as leakage suspects */ suspects: new Set(),
};

/** The bundle's defaults when the user has set nothing: money from the saved decision, else these. */
const FALLBACK_MONEY = { contactCost: 1, valuePerReturn: 10 };

// ---------- model ----------

async function loadModel() {
  try {
    state.model = await getModel();
    $('key-panel').hidden = true;
    renderModel();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      showKeyPanel(getKey() ? 'That key was not accepted.' : '');
      $('model-chip').textContent = 'API key needed';
      return;
    }
    const msg = err instanceof ApiError && err.status === 503 ? 'The model is loading…' : `Model unavailable: ${messageOf(err)}`;
    $('model-chip').textContent = msg;
    $('model-body').textContent = msg;
    if (err instanceof ApiError && err.status === 503) setTimeout(loadModel, 2000);
  }
}

/** @param {string} problem */
function showKeyPanel(problem) {
  $('key-panel').hidden = false;
  $('key-error').textContent = problem;
  input('key-input').focus();
}

/** @param {unknown} err */
function messageOf(err) {
  return err instanceof Error ? err.message : String(err);
}

function renderModel() {
  const m = state.model;
  const chip = $('model-chip');
  chip.replaceChildren();
  const created = new Date(m.createdAt);
  const name = document.createElement('span');
  name.append('Model ');
  const code = document.createElement('code');
  code.textContent = m.hash.slice(0, 10);
  code.title = m.hash;
  name.append(code);
  // Separate items spaced by the layout: a wrapped line never starts with a separator.
  chip.append(name, chipItem(`trained ${Number.isNaN(created.getTime()) ? m.createdAt : created.toLocaleDateString()}`), chipItem(`threshold ${fixed(m.threshold, 2)}`));
  if (m.synthetic) chip.append(badge('Synthetic data', 'synthetic'));
  name.className = 'chip-item';
  $('report-link').hidden = !m.report;
  const features = (m.schema?.features ?? []).map((/** @type {{ name: string }} */ f) => f.name);
  $('columns-hint').textContent = `Columns this model reads: ${[m.schema?.id ?? 'id', ...features].join(', ')}. Other columns are kept in the download.`;
  renderCaveats(m);
  applySettings(loadSettings());

  $('model-sub').textContent = m.synthetic
    ? 'Trained on generated demo data: its scores say nothing about real customers.'
    : `Trained on ${count(m.data?.rows ?? 0)} customers (${count(m.data?.positives ?? 0)} bought again).`;
  $('calibration-note').textContent =
    m.calibration?.method === 'none'
      ? 'These chances are not adjusted to your customers: read the expected profit as a ranking aid, not a forecast.'
      : `The chances are ${calibrationWords(m.calibration)}, so the expected profit is in the same units as your cost and value.`;

  const body = $('model-body');
  body.replaceChildren();
  const history = m.model?.history ?? [];
  if (history.length > 0) {
    chartFigure(body, lossChart(history, m.model.bestEpoch ?? 0));
    chartFigure(body, accuracyChart(history, m.model.bestEpoch ?? 0));
  }
  body.append(metricsBlock(m), factsBlock(m));
  const confusion = m.model?.metrics?.naturalTest?.confusion ?? m.model?.metrics?.balancedTest?.confusion;
  if (confusion) body.append(confusionBlock(confusion, m.model.metrics.naturalTest ? 'natural' : 'balanced'));
  body.append(featuresBlock(m));
  if (m.purchases) purchasesBlock(body, m.purchases);
  // An uplift bundle has its own view of a list; a response model's list sections stay closed for it.
  showUpliftModel(m);
}

/**
 * For a model trained on a customer table from a purchase log: BG/NBD's heat map and its holdout
 * chart, drawn by the report's own section code from the bundle's stored numbers.
 * @param {HTMLElement} body
 * @param {any} summary
 */
function purchasesBlock(body, summary) {
  const wrap = document.createElement('div');
  wrap.id = 'purchases-block';
  const h = document.createElement('h3');
  h.textContent = PURCHASES_SECTION.title;
  const p = document.createElement('p');
  p.className = 'muted';
  p.textContent = fitWords(summary);
  wrap.append(h, p, svgElement(summaryHeatMap(summary)));
  body.append(wrap);
  if (summary.holdout?.groups.length) chartFigure(wrap, holdoutChartSpec(summary.holdout, summary.horizonDays));
}

/** @param {string} text */
function chipItem(text) {
  const span = document.createElement('span');
  span.className = 'chip-item';
  span.textContent = text;
  return span;
}

/**
 * How the chances were adjusted, in a marketer's words.
 * @param {{ method: string }} calibration
 */
function calibrationWords(calibration) {
  if (calibration.method === 'prior') return "adjusted to the real share of customers who buy again (the training mix was half buyers)";
  if (calibration.method === 'platt') return 'adjusted so that a chance of 30 % means about 30 in 100 such customers buy again';
  return 'not adjusted';
}

/**
 * The training data audit's warnings, beside the results they bear on, with a link to the report.
 * @param {any} m
 */
function renderCaveats(m) {
  state.suspects = new Set(m.suspectColumns ?? []);
  /** @type {{ severity: string, column: string | null, message: string }[]} */
  const caveats = m.caveats ?? [];
  const box = $('caveats');
  box.hidden = caveats.length === 0;
  const list = $('caveats-list');
  list.replaceChildren(
    ...caveats.map((c) => {
      const li = document.createElement('li');
      li.className = c.severity;
      li.textContent = c.message;
      return li;
    }),
  );
  const more = $('caveats-more');
  more.replaceChildren();
  if (state.suspects.size > 0) more.append(`Reasons from a flagged column (${[...state.suspects].join(', ')}) are marked ⚠: they describe the data, not advice. `);
  if (m.report) {
    const a = document.createElement('a');
    a.href = '/report';
    a.target = '_blank';
    a.rel = 'noopener';
    a.textContent = "Read the model's full report";
    a.addEventListener('click', (e) => void openReport(e));
    more.append(a, '.');
  }
}

/**
 * With an API key the report needs it too, and a link cannot send it: fetch it and save it instead.
 * @param {MouseEvent} event
 */
async function openReport(event) {
  const key = getKey();
  if (!key) return;
  event.preventDefault();
  const res = await fetch('/report', { headers: { authorization: `Bearer ${key}` } });
  if (!res.ok) return;
  saveBlob(await res.blob(), `report-${state.model.hash.slice(0, 10)}.html`);
}

/** @param {string} text @param {string} cls */
function badge(text, cls) {
  const b = document.createElement('span');
  b.className = `badge ${cls}`;
  b.textContent = text;
  return b;
}

/** @param {any} m */
function metricsBlock(m) {
  const wrap = document.createElement('div');
  const h = document.createElement('h3');
  h.textContent = 'Test metrics';
  const same = m.sameThreshold;
  // Model and baseline side by side only where both are measured alike: same customers, same threshold.
  const columns = [
    ['Balanced test (threshold 0.5)', m.model?.metrics?.balancedTest],
    ...(same
      ? [['Model, natural mix', same.model], ...(same.baseline ? [['Baseline, natural mix', same.baseline]] : [])]
      : [['Natural test', m.model?.metrics?.naturalTest]]),
  ].filter(([, set]) => set);
  const table = document.createElement('table');
  table.className = 'metrics';
  const head = table.createTHead().insertRow();
  for (const label of ['Metric', ...columns.map(([name]) => name)]) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = label;
    head.append(th);
  }
  const tbody = table.createTBody();
  const sizes = tbody.insertRow();
  const th0 = document.createElement('th');
  th0.scope = 'row';
  th0.textContent = 'Customers (bought again)';
  sizes.append(th0);
  for (const [, set] of columns) sizes.insertCell().textContent = `${count(set.n)} (${count(set.positives)})`;
  for (const key of METRIC_TABLE_KEYS) {
    const { note, shownAs } = metricInfo(key);
    const tr = tbody.insertRow();
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = metricTitle(key);
    th.title = note;
    tr.append(th);
    for (const [, set] of columns) {
      const v = set[key];
      tr.insertCell().textContent = typeof v !== 'number' ? '–' : shownAs === 'percent' ? percent(v) : fixed(v);
    }
  }
  wrap.append(h, table);
  if (same) {
    const note = document.createElement('p');
    note.className = 'hint';
    note.id = 'metrics-note';
    note.textContent =
      `Model and baseline are compared on the same ${count(same.model.n)} test customers in their natural mix, both at the threshold ${fixed(same.threshold)} this server uses.` +
      (same.baseline ? '' : ' This bundle has no baseline to compare with.');
    wrap.append(note);
  }
  return wrap;
}

/** @param {any} m */
function factsBlock(m) {
  const wrap = document.createElement('div');
  const h = document.createElement('h3');
  h.textContent = 'Bundle';
  const dl = document.createElement('dl');
  dl.className = 'facts';
  const cfg = m.model?.config ?? {};
  const facts = [
    ['Model', `${m.model?.name ?? m.model?.kind ?? '?'} (${m.model?.kind ?? '?'}${Array.isArray(cfg.hidden) ? `, hidden ${cfg.hidden.join('×')}` : ''}${m.model?.derived ? ', derived features' : ''})`],
    ['Kept epoch', m.model?.bestEpoch != null ? `${m.model.bestEpoch} of ${m.model.history?.length ?? '?'}` : '–'],
    ['Threshold', `${fixed(m.threshold)}${m.thresholdObjective ? ` (${m.thresholdObjective})` : ''}`],
    ['Chances', m.calibration ? calibrationWords(m.calibration) : '–'],
    ['Training data', m.data ? `${count(m.data.rows)} rows, split ${(m.data.split ?? []).join(' / ')}, balance ${m.data.balance}` : '–'],
    ['Created', Number.isNaN(new Date(m.createdAt).getTime()) ? m.createdAt : new Date(m.createdAt).toLocaleString()],
    ['Version', m.version ?? '–'],
    ['Hash', m.hash],
  ];
  for (const [k, v] of facts) {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    if (k === 'Hash') dd.className = 'mono-break';
    dl.append(dt, dd);
  }
  wrap.append(h, dl);
  return wrap;
}

/** @param {number[][]} c @param {string} which */
function confusionBlock(c, which) {
  const wrap = document.createElement('div');
  const h = document.createElement('h3');
  h.textContent = `Confusion matrix (${which} test)`;
  const grid = document.createElement('div');
  grid.className = 'confusion';
  grid.setAttribute('role', 'table');
  grid.setAttribute('aria-label', 'Confusion matrix: rows actual, columns predicted');
  const cell = (/** @type {string} */ text, /** @type {string} */ cls) => {
    const d = document.createElement('div');
    d.className = cls;
    d.textContent = text;
    return d;
  };
  grid.append(cell('', 'head'), cell('predicted no', 'head'), cell('predicted yes', 'head'));
  grid.append(cell('actual no', 'head'), cell(count(c[0]?.[0] ?? 0), 'cell right'), cell(count(c[0]?.[1] ?? 0), 'cell'));
  grid.append(cell('actual yes', 'head'), cell(count(c[1]?.[0] ?? 0), 'cell'), cell(count(c[1]?.[1] ?? 0), 'cell right'));
  wrap.append(h, grid);
  return wrap;
}

/** @param {any} m */
function featuresBlock(m) {
  const wrap = document.createElement('div');
  const h = document.createElement('h3');
  h.textContent = 'Input columns';
  const p = document.createElement('p');
  p.className = 'muted';
  const cols = (m.schema?.features ?? []).map((/** @type {any} */ f) => `${f.name}${f.kind === 'categorical' ? ' (category)' : ''}`);
  p.textContent = cols.length ? cols.join(', ') : (m.featureNames ?? []).join(', ');
  wrap.append(h, p);
  return wrap;
}

// ---------- upload ----------

/** Counts uploads: only the latest one's answer may become the list. */
let uploads = 0;

/** @param {File} file */
async function upload(file) {
  const mine = ++uploads;
  state.fileName = file.name;
  // From here the page holds no list: nothing shown or downloadable may be taken for this file's.
  clearList();
  const status = $('status');
  $('file-error').hidden = true;
  status.className = 'status busy';
  status.textContent = `Scoring ${file.name} (${(file.size / 1048576).toFixed(1)} MB)…`;
  try {
    const [result, own] = await Promise.all([scoreCsv(file, state.model?.uplift ? upliftMoney() : undefined), readUpload(file)]);
    if (mine !== uploads) return;
    if (result.model !== state.model?.hash) {
      // The server swapped its model since the page showed it: the list is read with the model that scored it.
      state.model = await getModel();
      if (mine !== uploads) return;
      if (result.model !== state.model.hash) throw new Error('the server changed its model while this file was scored: upload it again');
      renderModel();
    }
    status.className = 'status';
    status.textContent = `Scored ${count(result.rows.length)} customers from ${file.name} in ${result.seconds.toFixed(2)} s.`;
    if (result.kind === 'uplift') {
      showUpliftList(result, file.name);
      return;
    }
    state.listName = file.name;
    state.upload = indexUpload(own, result.rows);
    state.reference = result.reference ?? null;
    state.dependence = result.dependence ?? [];
    setRows(result.rows);
  } catch (err) {
    if (mine !== uploads) return;
    status.className = 'status';
    status.textContent = `No list: ${file.name} could not be scored.`;
    if (err instanceof ApiError && err.status === 401) {
      showKeyPanel('The server needs an API key to score files.');
      return;
    }
    showFileError(err);
  }
}

/** Forgets the list the page holds and hides everything drawn from it. */
function clearList() {
  state.listName = '';
  state.upload = null;
  state.reference = null;
  state.dependence = [];
  state.segment = '';
  state.rows = [];
  state.ranked = [];
  state.view = [];
  state.sortedP = new Float64Array(0);
  state.k = 0;
  $('plan').hidden = true;
  $('results').hidden = true;
  $('tbody').replaceChildren();
  /** @type {HTMLButtonElement} */ ($('download')).disabled = true;
  clearUpliftList();
}

/**
 * The upload's own rows, read here as the server read them, so the export keeps every column of it.
 * Rows are found by customer id: the column whose cells are the ids the server answers with.
 * @param {Blob} file
 * @returns {Promise<UploadRows>}
 */
async function readUpload(file) {
  /** @type {string[][]} */
  const records = [];
  const reader = createCsvRecordReader((fields) => records.push(fields));
  reader.push((await file.text()).replace(/^\uFEFF/, ''));
  reader.end();
  const [header = [], ...rows] = records;
  return { header, rows };
}

/**
 * Indexes the upload's rows by the column holding the scored ids (the one that matches most of them).
 * A file without a header row (the course's original layout) has an id where a header would be: its
 * first row is a customer, and its columns take the model's names.
 * @param {UploadRows} table
 * @param {{ id: string }[]} scored
 * @returns {UploadTable}
 */
function indexUpload(table, scored) {
  const ids = new Set(scored.map((r) => r.id));
  const firstRows = table.rows.slice(0, 1000);
  let best = -1;
  let bestHits = 0;
  for (let j = 0; j < table.header.length; j++) {
    let hits = 0;
    for (const row of firstRows) if (ids.has((row[j] ?? '').trim())) hits++;
    if (hits > bestHits) [best, bestHits] = [j, hits];
  }
  const headerless = best >= 0 && ids.has((table.header[best] ?? '').trim());
  const rows = headerless ? [table.header, ...table.rows] : table.rows;
  const header = headerless ? columnNames(table.header.length) : table.header;
  /** @type {Map<string, string[][]>} */
  const byId = new Map();
  if (best >= 0) {
    for (const row of rows) {
      const id = (row[best] ?? '').trim();
      const same = byId.get(id);
      if (same) same.push(row);
      else byId.set(id, [row]);
    }
  }
  return { header, byId };
}

/** Names for a header-less file's columns: the model's own when they are as many, else numbered. @param {number} n */
function columnNames(n) {
  const schema = state.model?.schema;
  const names = schema ? [schema.id ?? 'id', ...schema.features.map((/** @type {{ name: string }} */ f) => f.name), ...(schema.target ? [schema.target] : [])] : [];
  return names.length === n ? names : Array.from({ length: n }, (_, j) => `column_${j + 1}`);
}

/** @param {unknown} err */
function showFileError(err) {
  const box = $('file-error');
  box.hidden = false;
  const name = state.fileName || 'the file';
  let text = messageOf(err).replaceAll('upload.csv', name);
  if (err instanceof ApiError && err.status === 413) text = `${text}. Split the file, or ask for a larger upload limit.`;
  if (!(err instanceof ApiError)) text = `The server could not be reached: ${text}`;
  $('file-error-message').textContent = text;
  const where = $('file-error-where');
  where.replaceChildren();
  if (err instanceof ApiError) {
    /** @type {[string, string | number | undefined][]} */
    const parts = [['Line', err.line], ['Column', err.column], ['Field', err.field]];
    for (const [k, v] of parts) {
      if (v === undefined) continue;
      const div = document.createElement('div');
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = String(v);
      div.append(dt, dd);
      where.append(div);
    }
  }
  box.focus?.();
}

/** @param {{ id: string, probability: number | null, label: number, rank: number, reasons?: Reason[] }[]} rows */
function setRows(rows) {
  /** @type {Row[]} */
  const all = rows.map((r) => ({ ...r, pos: 0 }));
  const ranked = [...all].sort(byLikelihood);
  ranked.forEach((r, i) => (r.pos = i));
  state.rows = all;
  state.ranked = ranked;
  state.sortedP = Float64Array.from(ranked, (r) => r.probability ?? 0);
  state.hasReasons = all.some((r) => r.reasons && r.reasons.length > 0);
  $('table').classList.toggle('no-reasons', !state.hasReasons);
  for (const th of document.querySelectorAll('.reasons-col')) /** @type {HTMLElement} */ (th).hidden = !state.hasReasons;
  const explained = all.filter((r) => r.reasons && r.reasons.length > 0).length;
  const note = $('reasons-note');
  note.hidden = !state.hasReasons || explained === all.length;
  note.textContent = `Reasons are given for the ${count(explained)} most likely customers. ↑ raises, ↓ lowers the chance of buying again.`;
  renderReference();
  renderSegments();
  renderEffects(explained);
  state.sort = { key: 'rank', dir: 1 };
  state.page = 0;
  recomputeCurve();
  state.k = budgetOf(state.budget);
  syncBudgetInputs();
  $('plan').hidden = false;
  $('results').hidden = false;
  refreshView();
  renderPlan();
}

// ---------- one decision: the model's saved one, or the user's settings ----------

/** Where this browser keeps the user's settings, per model: another model brings its own decision. */
function settingsKey() {
  return `rebuy.settings.${state.model?.hash ?? ''}`;
}

/** The model's saved decision as page settings. @returns {Settings} */
function modelDecision() {
  const money = state.model?.money ?? FALLBACK_MONEY;
  return { mode: 'count', budget: null, cost: money.contactCost, value: money.valuePerReturn, currency: '' };
}

/** @returns {Settings} */
function loadSettings() {
  const defaults = modelDecision();
  try {
    const saved = JSON.parse(localStorage.getItem(settingsKey()) ?? 'null');
    if (saved === null || typeof saved !== 'object') return defaults;
    const num = (/** @type {unknown} */ v, /** @type {number} */ fallback) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fallback);
    return {
      mode: saved.mode === 'percent' ? 'percent' : 'count',
      budget: saved.budget === null ? null : num(saved.budget, Number.NaN),
      cost: num(saved.cost, defaults.cost),
      value: num(saved.value, defaults.value),
      currency: typeof saved.currency === 'string' ? saved.currency.slice(0, 4) : '',
    };
  } catch {
    return defaults;
  }
}

function saveSettings() {
  /** @type {Settings} */
  const settings = { mode: state.mode, budget: state.budget, cost: state.cost, value: state.value, currency: state.currency };
  try {
    localStorage.setItem(settingsKey(), JSON.stringify(settings));
  } catch {
    /* storage unavailable: the settings last for this page */
  }
  showSettingsSource(true);
}

function resetSettings() {
  try {
    localStorage.removeItem(settingsKey());
  } catch {
    /* nothing stored */
  }
  applySettings(modelDecision());
  showSettingsSource(false);
}

/** @param {boolean} own */
function showSettingsSource(own) {
  const m = state.model;
  $('settings-source').textContent = own
    ? 'Your settings, kept in this browser. Reset to go back to the model’s decision.'
    : m?.money
      ? `The model’s saved decision: ${m.thresholdObjective}.`
      : `The model’s threshold (${m?.thresholdObjective ?? 'as trained'}); no cost or value was saved with it.`;
}

/** @param {Settings} settings */
function applySettings(settings) {
  state.mode = settings.mode;
  state.budget = Number.isNaN(settings.budget) ? null : settings.budget;
  state.cost = settings.cost;
  state.value = settings.value;
  state.currency = settings.currency;
  input('cost').value = String(settings.cost);
  input('value').value = String(settings.value);
  input('currency').value = settings.currency;
  for (const radio of /** @type {NodeListOf<HTMLInputElement>} */ (document.querySelectorAll('input[name="mode"]'))) radio.checked = radio.value === settings.mode;
  const stored = (() => {
    try {
      return localStorage.getItem(settingsKey()) !== null;
    } catch {
      return false;
    }
  })();
  showSettingsSource(stored);
  if (state.ranked.length === 0) return;
  recomputeCurve();
  state.k = budgetOf(state.budget);
  syncBudgetInputs();
  refreshView();
  renderPlan();
}

/**
 * How many customers the plan contacts: the user's budget, else the model's saved decision applied to this list.
 * @param {number | null} budget
 */
function budgetOf(budget) {
  const n = state.ranked.length;
  if (budget !== null) return budgetCount(state.mode, budget, n);
  const m = state.model;
  return m ? decisionBudget(m.objective ?? { kind: 'balanced' }, m.threshold, state.sortedP) : 0;
}

// ---------- budget ----------

const PROFIT_CHART_WIDTH = 640;

/** The profit chart is drawn at the width it is shown, so its text keeps its size on a phone. */
function profitChartWidth() {
  const shown = $('profit-chart').clientWidth;
  return shown > 0 ? Math.min(PROFIT_CHART_WIDTH, Math.max(300, shown)) : PROFIT_CHART_WIDTH;
}

function recomputeCurve() {
  state.curve = expectedProfitCurve(state.sortedP, state.cost, state.value);
  // Thinned once per curve: the chart is redrawn on every budget change, the curve only when cost or value change.
  state.curvePoints = thinPoints(Array.from(state.curve, (v, k) => [k, v]), PROFIT_CHART_WIDTH);
  state.best = bestBudget(state.curve);
}

function syncBudgetInputs() {
  const n = state.ranked.length;
  const range = input('budget');
  const number = input('budget-number');
  if (state.mode === 'count') {
    range.max = String(n);
    range.step = '1';
    number.max = String(n);
    number.step = '1';
    range.value = number.value = String(state.k);
    $('budget-label').textContent = 'Customers to contact';
  } else {
    const pct = n === 0 ? 0 : Math.round((state.k / n) * 1000) / 10;
    range.max = number.max = '100';
    range.step = number.step = '0.1';
    range.value = number.value = String(pct);
    $('budget-label').textContent = 'Share of customers to contact (%)';
  }
  range.setAttribute('aria-valuetext', `${count(state.k)} customers`);
}

/** @param {string} raw */
function setBudgetFrom(raw) {
  const amount = Number(raw);
  state.budget = Number.isFinite(amount) && amount >= 0 ? amount : 0;
  state.k = budgetCount(state.mode, amount, state.ranked.length);
  saveSettings();
  scheduleRender();
}

let frame = 0;
function scheduleRender() {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    renderPlan();
    if (state.onlyChosen || state.sort.key === 'chosen' || state.sort.key === 'label') refreshView();
    else renderTable();
  });
}

/** Money in the user's units, with their currency when they gave one. @param {number} v */
function cash(v) {
  return state.currency ? `${state.currency} ${money(v)}` : money(v);
}

/** The probability of the last customer contacted: the plan's cut-off. */
function cutoff() {
  return state.k > 0 ? state.sortedP[state.k - 1] ?? 0 : Number.NaN;
}

function renderPlan() {
  const n = state.ranked.length;
  const k = state.k;
  const profit = state.curve[k] ?? 0;
  const returns = expectedReturns(state.sortedP, k);
  $('kpi-contacted').replaceChildren(count(k), small(n ? `${percent(k / n)} of ${count(n)}` : ''));
  // Buyers are whole customers: a fraction of one would read as precision the estimate does not have.
  $('kpi-returns').replaceChildren(`about ${count(returns)}`, small(k ? `${percent(returns / k)} of contacted` : ''));
  const profitEl = $('kpi-profit');
  profitEl.replaceChildren(cash(profit), small(`cost ${cash(k * state.cost)}`));
  // The unrounded figure, for scripts that read the page.
  profitEl.dataset.value = String(profit);
  profitEl.classList.toggle('neg', profit < 0);
  $('kpi-best').replaceChildren(cash(state.best.profit), small(`contact top ${count(state.best.k)}${n ? ` (${percent(state.best.k / n)})` : ''}`));
  $('budget-hint').textContent =
    k === state.best.k ? 'This is the most profitable budget.' : `The best budget is ${count(state.best.k)} customers.`;
  const range = input('budget');
  range.setAttribute('aria-valuetext', `${count(k)} customers`);
  /** @type {HTMLButtonElement} */ ($('download')).textContent = `Download contact list (${count(k)})`;
  /** @type {HTMLButtonElement} */ ($('download')).disabled = k === 0 || state.listName === '';
  $('cutoff-note').textContent =
    k === 0
      ? 'Nobody is contacted: every Prediction reads “below”.'
      : `Contacting ${count(k)} of ${count(n)}: Prediction reads “above” for customers with a chance of at least ${percent(cutoff())}, the ${count(k)}th customer’s, and they are the ones marked Contact and downloaded.`;

  const best = state.best;
  const chart = lineChartSvg({
    title: 'Expected profit by customers contacted',
    caption: '',
    width: profitChartWidth(),
    height: 300,
    x: { label: 'Customers contacted (most likely first)', format: count, tight: true },
    y: { label: state.currency ? `Expected profit (${state.currency})` : 'Expected profit', format: money },
    series: [{ name: 'expected profit', points: state.curvePoints, color: COLORS.network }],
    markers: [
      { name: `best: ${count(best.k)} customers, ${cash(best.profit)}`, x: best.k, y: best.profit, color: COLORS.best },
      { name: `chosen: ${count(k)} customers, ${cash(profit)}`, x: k, y: profit, color: COLORS.threshold },
    ],
  });
  $('profit-chart').replaceChildren(...(chart === null ? [] : [svgElement(chart)]));
}

/** @param {string} text */
function small(text) {
  const s = document.createElement('small');
  s.textContent = text;
  return s;
}

function download() {
  if (state.listName === '' || state.k === 0) return;
  const chosen = state.ranked.slice(0, state.k).map((row) => ({ ...row, cells: ownCells(row) }));
  const csv = contactExportCsv(state.upload?.header ?? [], chosen, state.cost, state.value);
  const base = state.listName.replace(/\.csv$/i, '') || 'customers';
  saveBlob(new Blob([csv], { type: 'text/csv;charset=utf-8' }), `${base}-contact-top-${state.k}.csv`);
}

/**
 * The upload's own cells for a scored row; a repeated id takes its rows in file order.
 * @param {Row} row
 */
function ownCells(row) {
  const same = state.upload?.byId.get(row.id);
  if (!same || same.length === 0) return null;
  return same.length === 1 ? same[0] ?? null : same[sameIdIndex(row)] ?? null;
}

/** Among rows sharing an id, this row's place in rank order, which keeps file order for equal chances. @param {Row} row */
function sameIdIndex(row) {
  let i = 0;
  for (const other of state.ranked) {
    if (other === row) return i;
    if (other.id === row.id) i++;
  }
  return i;
}

/** A sample upload: this model's columns and one made-up customer, to show the shape of a file. */
function downloadSample() {
  const m = state.model;
  if (!m) return;
  const names = [m.schema?.id ?? 'id', ...(m.schema?.features ?? []).map((/** @type {{ name: string }} */ f) => f.name)];
  const example = names.map((name, j) => (j === 0 ? '00001' : (m.schema.features[j - 1]?.kind === 'categorical' ? 'a' : '1')));
  saveBlob(new Blob([`${names.join(',')}\r\n${example.join(',')}\r\n`], { type: 'text/csv;charset=utf-8' }), 'sample-customers.csv');
}

// ---------- table ----------

// ---------- reasons: the reference and segments by leading actionable reason ----------

/** Once above the table: what every reason's points are measured from. */
function renderReference() {
  const note = $('reference-note');
  const ref = state.reference;
  note.hidden = !state.hasReasons || ref === null;
  if (ref === null) return;
  note.textContent = `Each reason is ${ref.text}: how many percentage points one fact about the customer adds (↑) or takes away (↓). Facts marketing can act on come first.`;
}

/**
 * A customer's leading actionable reason: the first actionable one (the server lists the largest first).
 * @param {Row} row
 * @returns {{ key: string, text: string } | null}
 */
function segmentOf(row) {
  const lead = (row.reasons ?? []).find((r) => r.actionable);
  if (!lead) return null;
  const direction = lead.direction === 'lowers' ? 'lowers' : 'raises';
  return { key: `${lead.group ?? lead.label ?? ''}:${direction}`, text: `${lead.label ?? lead.group ?? 'a behaviour'} ${direction} the chance` };
}

/**
 * One dependence chart per fact over the customers with reasons, drawn as the report draws them.
 * @param {number} explained customers the charts cover
 */
function renderEffects(explained) {
  const box = $('effects');
  box.hidden = state.dependence.length === 0;
  if (box.hidden) return;
  const flips = state.dependence.filter((c) => c.interaction);
  $('effects-note').textContent =
    `Each dot is one of the ${count(explained)} customers with reasons: how far a fact moves their chance from the typical customer’s, against its value. ` +
    (flips.length ? `Where one value pushes both ways, another column decides which: ${flips.map((c) => c.interaction.text).join('; ')}.` : 'No fact pushes both ways at one value among these customers.');
  const charts = $('effects-charts');
  charts.replaceChildren(
    ...state.dependence.map((chart) => {
      const spec = dependenceChartSpec(chart, 480);
      const figure = document.createElement('figure');
      figure.className = 'chart';
      figure.dataset.group = chart.group;
      figure.innerHTML = scatterChartSvg(spec) ?? '';
      const caption = document.createElement('figcaption');
      caption.textContent = spec.caption;
      figure.append(caption);
      return figure;
    }),
  );
}

/** The segment filter: one option per leading actionable reason, with how many customers it holds. */
function renderSegments() {
  const select = /** @type {HTMLSelectElement} */ ($('segment'));
  /** @type {Map<string, { text: string, n: number }>} */
  const segments = new Map();
  for (const row of state.ranked) {
    const s = segmentOf(row);
    if (!s) continue;
    const known = segments.get(s.key);
    if (known) known.n++;
    else segments.set(s.key, { text: s.text, n: 1 });
  }
  const all = document.createElement('option');
  all.value = '';
  all.textContent = 'All customers';
  const options = [...segments].sort((a, b) => b[1].n - a[1].n).map(([key, { text, n }]) => {
    const option = document.createElement('option');
    option.value = key;
    option.textContent = `${text} (${count(n)})`;
    return option;
  });
  select.replaceChildren(all, ...options);
  if (!segments.has(state.segment)) state.segment = '';
  select.value = state.segment;
  $('segment-tools').hidden = segments.size === 0;
  renderSegmentNote();
}

function renderSegmentNote() {
  const note = $('segment-note');
  const chosen = state.segment ? state.ranked.find((r) => segmentOf(r)?.key === state.segment) : undefined;
  note.hidden = !chosen;
  if (!chosen) return;
  const n = state.ranked.filter((r) => segmentOf(r)?.key === state.segment).length;
  note.textContent = `${count(n)} customers whose leading actionable reason is: ${segmentOf(chosen)?.text}. One message can reach them all.`;
}

/** @type {Record<string, (a: Row, b: Row) => number>} */
const COMPARE = {
  rank: (a, b) => a.pos - b.pos,
  probability: (a, b) => (a.probability ?? -1) - (b.probability ?? -1) || b.pos - a.pos,
  id: (a, b) => a.id.localeCompare(b.id, undefined, { numeric: true }) || a.pos - b.pos,
  label: (a, b) => Number(a.pos < state.k) - Number(b.pos < state.k) || b.pos - a.pos,
  chosen: (a, b) => Number(a.pos < state.k) - Number(b.pos < state.k) || b.pos - a.pos,
};

function refreshView() {
  const q = state.search.trim().toLowerCase();
  let rows = state.ranked;
  if (state.onlyChosen) rows = rows.slice(0, state.k);
  if (state.segment) rows = rows.filter((r) => segmentOf(r)?.key === state.segment);
  if (q) rows = rows.filter((r) => r.id.toLowerCase().includes(q));
  const cmp = COMPARE[state.sort.key] ?? COMPARE.rank;
  const dir = state.sort.dir;
  state.view = state.sort.key === 'rank' && dir === 1 ? rows : [...rows].sort((a, b) => dir * cmp(a, b));
  const pages = Math.max(1, Math.ceil(state.view.length / state.pageSize));
  state.page = Math.min(state.page, pages - 1);
  for (const th of document.querySelectorAll('#table th[data-key]')) {
    const key = th.getAttribute('data-key');
    th.setAttribute('aria-sort', key === state.sort.key ? (dir === 1 ? 'ascending' : 'descending') : 'none');
  }
  renderTable();
}

function renderTable() {
  const start = state.page * state.pageSize;
  const slice = state.view.slice(start, start + state.pageSize);
  const tbody = $('tbody');
  const frag = document.createDocumentFragment();
  for (const r of slice) {
    const tr = document.createElement('tr');
    const chosen = r.pos < state.k;
    if (chosen) tr.className = 'chosen';
    const rank = tr.insertCell();
    rank.textContent = count(r.pos + 1);
    const id = tr.insertCell();
    id.className = 'id';
    id.textContent = r.id;
    const prob = tr.insertCell();
    prob.className = 'num';
    const wrap = document.createElement('div');
    wrap.className = 'prob';
    const bar = document.createElement('div');
    bar.className = 'bar';
    const fill = document.createElement('span');
    fill.style.width = `${Math.round((r.probability ?? 0) * 100)}%`;
    bar.append(fill);
    const val = document.createElement('span');
    val.textContent = r.probability == null ? '–' : percent(r.probability);
    wrap.append(bar, val);
    prob.append(wrap);
    // The plan's one decision: above its cut-off exactly when contacted.
    tr.insertCell().append(badge(chosen ? 'above' : 'below', chosen ? 'yes' : 'no'));
    tr.insertCell().textContent = chosen ? 'Contact' : '';
    if (state.hasReasons) {
      const reasons = tr.insertCell();
      reasons.className = 'reasons';
      for (const reason of r.reasons ?? []) {
        const item = document.createElement('span');
        item.className = `reason ${reason.direction === 'lowers' ? 'lowers' : 'raises'}`;
        item.textContent = reason.text;
        if (reason.group) item.dataset.group = reason.group;
        if (reason.actionable) {
          item.classList.add('actionable');
          item.title = 'Something marketing can act on';
        }
        if ((reason.columns ?? []).some((c) => state.suspects.has(c))) {
          item.classList.add('suspect');
          item.title = 'The data audit flags this column: it may have been recorded after the purchase, so read it as a fact of the data, not as advice.';
          const mark = document.createElement('span');
          mark.className = 'suspect-mark';
          mark.textContent = '⚠ ';
          mark.setAttribute('aria-label', 'flagged by the data audit: ');
          item.prepend(mark);
        }
        reasons.append(item);
      }
    }
    frag.append(tr);
  }
  tbody.replaceChildren(frag);
  const total = state.view.length;
  $('page-info').textContent = total === 0 ? 'No customers match.' : `Customers ${count(start + 1)}–${count(start + slice.length)} of ${count(total)}`;
  const pages = Math.max(1, Math.ceil(total / state.pageSize));
  /** @type {HTMLButtonElement} */ ($('first')).disabled = /** @type {HTMLButtonElement} */ ($('prev')).disabled = state.page === 0;
  /** @type {HTMLButtonElement} */ ($('last')).disabled = /** @type {HTMLButtonElement} */ ($('next')).disabled = state.page >= pages - 1;
}

/** @param {number} page */
function goTo(page) {
  const pages = Math.max(1, Math.ceil(state.view.length / state.pageSize));
  state.page = Math.max(0, Math.min(page, pages - 1));
  renderTable();
}

// ---------- wiring ----------

function wire() {
  $('key-form').addEventListener('submit', (e) => {
    e.preventDefault();
    setKey(input('key-input').value.trim());
    input('key-input').value = '';
    void loadModel();
  });

  const file = input('file');
  file.addEventListener('change', () => {
    const f = file.files?.[0];
    if (f) void upload(f);
    file.value = '';
  });
  const drop = $('drop');
  for (const type of ['dragenter', 'dragover']) {
    drop.addEventListener(type, (e) => {
      e.preventDefault();
      drop.classList.add('over');
    });
  }
  for (const type of ['dragleave', 'drop']) drop.addEventListener(type, () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    const f = /** @type {DragEvent} */ (e).dataTransfer?.files?.[0];
    if (f) void upload(f);
  });
  // A file dropped outside the zone should not navigate away.
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => e.preventDefault());

  for (const radio of document.querySelectorAll('input[name="mode"]')) {
    radio.addEventListener('change', (e) => {
      state.mode = /** @type {HTMLInputElement} */ (e.target).value === 'percent' ? 'percent' : 'count';
      syncBudgetInputs();
      // The same customers, in the new mode's units.
      state.budget = Number(input('budget-number').value);
      saveSettings();
    });
  }
  input('budget').addEventListener('input', (e) => {
    const v = /** @type {HTMLInputElement} */ (e.target).value;
    input('budget-number').value = v;
    setBudgetFrom(v);
  });
  input('budget-number').addEventListener('input', (e) => {
    const v = /** @type {HTMLInputElement} */ (e.target).value;
    input('budget').value = v;
    setBudgetFrom(v);
  });
  for (const id of ['cost', 'value']) {
    input(id).addEventListener('input', () => {
      const cost = Number(input('cost').value);
      const value = Number(input('value').value);
      if (!Number.isFinite(cost) || !Number.isFinite(value) || cost < 0 || value < 0) return;
      state.cost = cost;
      state.value = value;
      saveSettings();
      recomputeCurve();
      scheduleRender();
    });
  }
  input('currency').addEventListener('input', () => {
    state.currency = input('currency').value.trim();
    saveSettings();
    scheduleRender();
  });
  $('use-best').addEventListener('click', () => {
    state.k = state.best.k;
    syncBudgetInputs();
    state.budget = Number(input('budget-number').value);
    saveSettings();
    scheduleRender();
  });
  $('reset-settings').addEventListener('click', resetSettings);
  $('download').addEventListener('click', download);
  $('sample-link').addEventListener('click', (e) => {
    e.preventDefault();
    downloadSample();
  });
  $('report-link').addEventListener('click', (e) => void openReport(e));
  // The profit chart is drawn at its shown width: a turned phone or a resized window redraws it.
  window.addEventListener('resize', () => {
    if (state.ranked.length > 0) scheduleRender();
  });

  for (const th of document.querySelectorAll('#table th[data-key]')) {
    th.querySelector('button')?.addEventListener('click', () => {
      const key = th.getAttribute('data-key') ?? 'rank';
      const natural = key === 'probability' || key === 'chosen' || key === 'label' ? -1 : 1;
      state.sort = state.sort.key === key ? { key, dir: -state.sort.dir } : { key, dir: natural };
      state.page = 0;
      refreshView();
    });
  }
  input('search').addEventListener('input', (e) => {
    state.search = /** @type {HTMLInputElement} */ (e.target).value;
    state.page = 0;
    refreshView();
  });
  $('segment').addEventListener('change', (e) => {
    state.segment = /** @type {HTMLSelectElement} */ (e.target).value;
    state.page = 0;
    renderSegmentNote();
    refreshView();
  });
  input('only-chosen').addEventListener('change', (e) => {
    state.onlyChosen = /** @type {HTMLInputElement} */ (e.target).checked;
    state.page = 0;
    refreshView();
  });
  $('page-size').addEventListener('change', (e) => {
    state.pageSize = Number(/** @type {HTMLSelectElement} */ (e.target).value) || 50;
    state.page = 0;
    renderTable();
  });
  $('first').addEventListener('click', () => goTo(0));
  $('prev').addEventListener('click', () => goTo(state.page - 1));
  $('next').addEventListener('click', () => goTo(state.page + 1));
  $('last').addEventListener('click', () => goTo(Infinity));
}

wire();
void loadModel();
