// @ts-check
/**
 * The uplift view, shown when the server serves an uplift bundle: the held-out Qini curve and
 * uplift in the top k % per treatment, and for a scored list the decision in money — who to contact
 * with which treatment, the expected incremental profit of exactly that list, the customers the
 * contact would put off listed apart. The decision is computed by rebuy's own module, as the API and
 * `rebuy score` compute it; every figure names the list and the model it belongs to.
 */
import { count, money } from './lib/core/format.js';
import { chooseTreatments, expectedListProfit } from './lib/evaluate/uplift-decide.js';
import { PAIR_WIDTH } from './lib/report/charts.js';
import { UPLIFT_COMPARISON_HEAD, qiniChartSpec, upliftComparisonRows, upliftProfitChartSpec } from './lib/report/sections/uplift.js';
import { csvField, csvValue, spreadsheetSafe } from './lib/core/csv.js';
import { chartFigure } from './figure.js';
import { saveBlob } from './save.js';

/** The page's money settings when the model has none saved, until the user sets their own (the response view's, too). */
const DEFAULT_MONEY = { contactCost: 1, valuePerReturn: 10 };
const PAGE_SIZE = 50;

/** @param {string} id */
function $(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} missing`);
  return node;
}
const input = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ ($(id));

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

/** @typedef {{ id: string, p_no_contact: number | null, p: Record<string, number | null>, uplift: Record<string, number | null>, send: string | null, expected_incremental_profit: number | null, put_off: boolean }} UpliftRow */

const state = {
  /** @type {any} the API's answer for the list shown, or null: no list */ answer: null,
  listName: '',
  contactPage: 0,
  /** @type {ReturnType<typeof decide> | null} the decision shown, which the download saves */ shown: null,
  /** @type {{ contactCost: number, valuePerReturn: number } | null} null: the inputs do not form valid settings */
  money: { ...DEFAULT_MONEY },
};

/** The money settings the inputs hold, for the next upload. */
export function upliftMoney() {
  return state.money ?? DEFAULT_MONEY;
}

/**
 * Shows or hides the view for the model the page holds, with its held-out evaluation.
 * @param {any} model GET /v1/model's answer
 */
export function showUpliftModel(model) {
  const section = $('uplift');
  const uplift = model?.uplift ?? null;
  section.hidden = uplift === null;
  clearUpliftList();
  const evaluation = $('uplift-evaluation');
  evaluation.replaceChildren();
  if (uplift === null) return;
  $('uplift-sub').textContent =
    `Model ${model.hash.slice(0, 12)} learnt the effect of a contact from the randomized test in column "${uplift.treatmentColumn}" ` +
    `(control: "${uplift.control}"; treatments: ${uplift.treatments.map((/** @type {string} */ t) => `"${t}"`).join(', ')}), with the learner ${uplift.learner}. ` +
    'Its figures below are measured on customers of that test it did not learn from; intervals are 95 % bootstrap intervals.';
  // The model's saved decision sets the money settings, as the response view takes its saved ones.
  setMoneyInputs(model.money ?? DEFAULT_MONEY);
  if (uplift.decision) evaluation.append(savedDecision(uplift.decision, uplift.treatments));
  for (const e of uplift.evaluation) {
    const block = make('div', undefined, 'uplift-treatment');
    block.dataset.treatment = e.treatment;
    evaluation.append(block);
    block.append(make('h3', `${e.treatment} against ${uplift.control}`));
    chartFigure(block, { ...qiniChartSpec(e, uplift.control), width: PAIR_WIDTH });
    block.append(comparisonTable(upliftComparisonRows(e)));
  }
}

/** @param {{ contactCost: number, valuePerReturn: number }} settings */
function setMoneyInputs(settings) {
  input('uplift-cost').value = String(settings.contactCost);
  input('uplift-value').value = String(settings.valuePerReturn);
  state.money = { contactCost: settings.contactCost, valuePerReturn: settings.valuePerReturn };
  $('uplift-money-error').textContent = '';
}

/**
 * The decision `rebuy decide --objective incremental-profit` saved with the model: its list on the
 * test's customers and what it earned there, as the report shows it.
 * @param {any} d
 * @param {string[]} treatments
 */
function savedDecision(d, treatments) {
  const block = make('div', undefined, 'uplift-saved-decision');
  const level = Math.round(d.level * 100);
  const byTreatment = treatments.map((t, k) => `${count(d.byTreatment[k])} with ${t}`).join(', ');
  block.append(
    make('h3', 'The saved decision'),
    make(
      'p',
      `At ${money(d.money.contactCost)} per contact and ${money(d.money.valuePerReturn)} per customer who buys because of it, on ${d.source}: ` +
        `contact ${count(d.contacted)} of ${count(d.customers)} (${byTreatment}); ${count(d.putOff)} put off by every treatment, not contacted. ` +
        `Realized incremental profit ${money(d.realized.value)} (${level} % bootstrap interval ${money(d.realized.interval[0])} to ${money(d.realized.interval[1])}); expected from the uplifts ${money(d.expectedProfit)}.`,
      'hint',
    ),
  );
  chartFigure(block, { ...upliftProfitChartSpec(d), width: PAIR_WIDTH });
  return block;
}

/** @param {{ value: string, interval?: string }[][]} rows */
function comparisonTable(rows) {
  const t = make('table', undefined, 'grid uplift-comparison');
  const head = t.createTHead().insertRow();
  for (const h of UPLIFT_COMPARISON_HEAD) head.append(make('th', h));
  const body = t.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const cell of row) {
      const td = tr.insertCell();
      td.textContent = cell.value;
      if (cell.interval !== undefined) td.append(make('small', cell.interval, 'muted'));
    }
  }
  const wrap = make('div', undefined, 'table-wrap');
  wrap.append(t);
  return wrap;
}

/** Forgets the list: nothing drawn from a previous file stays on screen while another is scored or after it failed. */
export function clearUpliftList() {
  state.answer = null;
  state.listName = '';
  state.contactPage = 0;
  state.shown = null;
  $('uplift-decision').hidden = true;
  /** @type {HTMLButtonElement} */ ($('uplift-download')).disabled = true;
  $('uplift-contacts-body').replaceChildren();
  $('uplift-putoff-body').replaceChildren();
}

/**
 * Takes the API's answer for an uploaded list.
 * @param {any} answer POST /v1/scores's answer (kind "uplift")
 * @param {string} listName
 */
export function showUpliftList(answer, listName) {
  state.answer = answer;
  state.listName = listName;
  state.contactPage = 0;
  renderDecision();
}

/**
 * The decision for the list shown at the money settings shown: the same functions the API and
 * `rebuy score` call, over the figures the API gave for each customer.
 * @param {any} answer
 * @param {{ contactCost: number, valuePerReturn: number }} settings
 */
function decide(answer, settings) {
  /** @type {UpliftRow[]} */
  const rows = answer.rows;
  /** @type {string[]} */
  const treatments = answer.treatments;
  const figure = (/** @type {number | null | undefined} */ v) => (typeof v === 'number' ? v : Number.NaN);
  const uplift = treatments.map((t) => Float64Array.from(rows, (r) => figure(r.uplift[t])));
  const treated = treatments.map((t) => Float64Array.from(rows, (r) => figure(r.p[t])));
  const control = Float64Array.from(rows, (r) => figure(r.p_no_contact));
  const choice = chooseTreatments(uplift, settings);
  const profit = expectedListProfit({ control, treated }, choice, settings);
  const contacts = [];
  const putOff = [];
  for (let i = 0; i < rows.length; i++) {
    if (choice.treatment[i] >= 0) contacts.push(i);
    if (choice.putOff[i]) putOff.push(i);
  }
  contacts.sort((a, b) => choice.gain[b] - choice.gain[a] || a - b);
  return { rows, treatments, uplift, choice, profit, contacts, putOff };
}

function renderDecision() {
  const answer = state.answer;
  if (answer === null) return;
  $('uplift-decision').hidden = false;
  const settings = state.money;
  const profitEl = $('uplift-profit');
  const downloadButton = /** @type {HTMLButtonElement} */ ($('uplift-download'));
  state.shown = null;
  downloadButton.disabled = true;
  downloadButton.textContent = 'Download contact list';
  if (settings === null) {
    // Figures for other settings than those shown would be read as these: show none.
    $('uplift-list-line').textContent = 'Give a cost per contact of 0 or more and a value per buyer above 0 to see whom to contact.';
    profitEl.replaceChildren('–');
    delete profitEl.dataset.value;
    $('uplift-contacted').replaceChildren('–');
    $('uplift-putoff-count').replaceChildren('–');
    $('uplift-contacts-body').replaceChildren();
    $('uplift-putoff-body').replaceChildren();
    $('uplift-contacts-info').textContent = '';
    return;
  }
  const d = decide(answer, settings);
  const level = Math.round(d.profit.level * 100);
  $('uplift-list-line').textContent =
    `${state.listName}: ${count(d.rows.length)} customers scored by model ${answer.model.slice(0, 12)}, at ${money(settings.contactCost)} per contact and ${money(settings.valuePerReturn)} per customer who buys because of it.`;
  $('uplift-list-line').title = answer.model;
  const byTreatment = d.treatments.map((t, k) => `${count(d.choice.treatment.filter((c) => c === k).length)} with ${t}`).join(', ');
  $('uplift-contacted').replaceChildren(count(d.contacts.length), small(byTreatment));
  profitEl.replaceChildren(
    money(d.profit.value),
    small(`for these ${count(d.contacts.length)} contacts; ${level} % range ${money(d.profit.interval[0])} to ${money(d.profit.interval[1])} if the model's chances hold`),
  );
  // The unrounded figures, for scripts that read the page.
  profitEl.dataset.value = String(d.profit.value);
  profitEl.dataset.lower = String(d.profit.interval[0]);
  profitEl.dataset.upper = String(d.profit.interval[1]);
  profitEl.dataset.model = answer.model;
  $('uplift-putoff-count').replaceChildren(count(d.putOff.length), small('every treatment lowers their chance: not contacted'));
  renderContacts(d);
  renderPutOff(d);
  state.shown = d;
  downloadButton.disabled = d.contacts.length === 0;
  downloadButton.textContent = `Download contact list (${count(d.contacts.length)})`;
}

/** The contact list shown, in its order: the customers, the treatment to send, its uplift and expected incremental profit. */
function downloadContacts() {
  const d = state.shown;
  if (d === null || state.listName === '') return;
  const text = (/** @type {string} */ v) => csvField(spreadsheetSafe(v));
  const lines = ['id,send,uplift,expected_incremental_profit'];
  for (const i of d.contacts) {
    const t = d.choice.treatment[i];
    lines.push([text(d.rows[i].id), text(d.treatments[t]), csvValue(d.uplift[t][i]), csvValue(d.choice.gain[i])].join(','));
  }
  const base = state.listName.replace(/\.csv$/i, '') || 'customers';
  saveBlob(new Blob([`${lines.join('\n')}\n`], { type: 'text/csv;charset=utf-8' }), `${base}-uplift-contacts.csv`);
}

/** @param {string} text */
function small(text) {
  return make('small', text);
}

/** @param {number | null | undefined} v */
function points(v) {
  return typeof v === 'number' && Number.isFinite(v) ? `${(v * 100).toFixed(2)} pts` : '–';
}

/** @param {ReturnType<typeof decide>} d */
function renderContacts(d) {
  const pages = Math.max(1, Math.ceil(d.contacts.length / PAGE_SIZE));
  state.contactPage = Math.min(Math.max(0, state.contactPage), pages - 1);
  const start = state.contactPage * PAGE_SIZE;
  const shown = d.contacts.slice(start, start + PAGE_SIZE);
  $('uplift-contacts-body').replaceChildren(
    ...shown.map((i, k) => {
      const tr = document.createElement('tr');
      const t = d.choice.treatment[i];
      const row = d.rows[i];
      tr.dataset.id = row.id;
      tr.dataset.send = d.treatments[t];
      tr.append(make('td', count(start + k + 1)), make('td', row.id, 'id'), make('td', d.treatments[t]), make('td', points(d.uplift[t][i]), 'num'), make('td', money(d.choice.gain[i]), 'num'));
      return tr;
    }),
  );
  $('uplift-contacts-info').textContent =
    d.contacts.length === 0
      ? 'Nobody on this list is worth a contact at these settings.'
      : `Contacts ${count(start + 1)}–${count(start + shown.length)} of ${count(d.contacts.length)}, highest expected incremental profit first; the profit above is for all ${count(d.contacts.length)}.`;
  /** @type {HTMLButtonElement} */ ($('uplift-prev')).disabled = state.contactPage === 0;
  /** @type {HTMLButtonElement} */ ($('uplift-next')).disabled = state.contactPage >= pages - 1;
}

/** @param {ReturnType<typeof decide>} d */
function renderPutOff(d) {
  const head = $('uplift-putoff-head');
  head.replaceChildren(make('th', 'Customer'), ...d.treatments.map((t) => make('th', `Uplift of ${t}`, 'num')));
  $('uplift-putoff-body').replaceChildren(
    ...d.putOff.map((i) => {
      const tr = document.createElement('tr');
      tr.dataset.id = d.rows[i].id;
      tr.append(make('td', d.rows[i].id, 'id'), ...d.treatments.map((_, t) => make('td', points(d.uplift[t][i]), 'num')));
      return tr;
    }),
  );
  $('uplift-putoff-note').textContent =
    d.putOff.length === 0 ? 'No customer on this list is expected to be put off by a contact.' : `${count(d.putOff.length)} customers every treatment is expected to put off; none of them is on the contact list.`;
}

function readMoney() {
  const cost = Number(input('uplift-cost').value);
  const value = Number(input('uplift-value').value);
  const valid = input('uplift-cost').value.trim() !== '' && Number.isFinite(cost) && cost >= 0 && Number.isFinite(value) && value > 0;
  state.money = valid ? { contactCost: cost, valuePerReturn: value } : null;
  $('uplift-money-error').textContent = valid ? '' : 'The cost per contact must be 0 or more and the value per buyer above 0.';
  renderDecision();
}

function wire() {
  if (!document.getElementById('uplift')) return;
  setMoneyInputs(DEFAULT_MONEY);
  for (const id of ['uplift-cost', 'uplift-value']) input(id).addEventListener('input', readMoney);
  $('uplift-download').addEventListener('click', downloadContacts);
  $('uplift-prev').addEventListener('click', () => {
    state.contactPage--;
    renderDecision();
  });
  $('uplift-next').addEventListener('click', () => {
    state.contactPage++;
    renderDecision();
  });
}

wire();
