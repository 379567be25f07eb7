/** The uplift bundle's report: the learners compared, and per treatment the held-out Qini curve and uplift at k. */
import type { Manifest } from '../../bundle/manifest.js';
import { COLORS, lineChart, type LineChartSpec } from '../charts.js';
import { callout, code, h3, p, section, table } from '../markup.js';
import { reportPage } from '../style.js';
import { escapeHtml } from '../svg.js';
import { count, fixed, money, plural } from '../words.js';

type UpliftSection = NonNullable<Manifest['uplift']>;
type TreatmentEvaluation = UpliftSection['evaluation'][number];
type SavedDecision = NonNullable<UpliftSection['decision']>;
type Estimate = { value: number; interval: [number, number] };

/** A figure as the report and the page show it: the value, and its 95 % interval when it has one. */
export interface UpliftCell {
  value: string;
  interval?: string;
}

const withInterval = (e: Estimate, f: (x: number) => string): UpliftCell => ({ value: f(e.value), interval: `[${f(e.interval[0])}, ${f(e.interval[1])}]` });
const points = (x: number): string => `${(x * 100).toFixed(2)} pts`;

export const UPLIFT_COMPARISON_HEAD = ['', 'Uplift model', 'Response model', 'Random', 'Uplift − response', 'Uplift − random'] as const;

/** The held-out comparison of one treatment: Qini coefficient and uplift in the top k %, against the response model and random targeting. */
export function upliftComparisonRows(e: TreatmentEvaluation): UpliftCell[][] {
  const plain = (value: string): UpliftCell => ({ value });
  return [
    [plain('Qini coefficient'), withInterval(e.qini.model, (x) => fixed(x, 4)), withInterval(e.qini.response, (x) => fixed(x, 4)), plain('0'), withInterval(e.qini.versusResponse, (x) => fixed(x, 4)), withInterval(e.qini.model, (x) => fixed(x, 4))],
    ...e.upliftAt.map((k) => [
      plain(`uplift in the top ${Math.round(k.share * 100)} %`),
      withInterval(k.model, points),
      withInterval(k.response, points),
      plain(points(k.random.value)),
      withInterval(k.versusResponse, points),
      withInterval(k.versusRandom, points),
    ]),
  ];
}

/** The held-out Qini curve of one treatment against the straight line of random targeting. */
export function qiniChartSpec(e: TreatmentEvaluation, control: string): LineChartSpec {
  return {
    title: `Qini curve: ${e.treatment} vs ${control}`,
    x: { label: 'customers contacted, best predicted uplift first', tight: true },
    y: { label: 'incremental buyers' },
    series: [
      { name: 'uplift model', points: e.curve.targeted.map((x, i) => [x, e.curve.value[i]!] as const), color: COLORS.network },
      {
        name: 'random targeting',
        points: [
          [0, 0],
          [e.curve.targeted[e.curve.targeted.length - 1] ?? 0, e.curve.value[e.curve.value.length - 1] ?? 0],
        ],
        color: COLORS.baseline,
        dashed: true,
      },
    ],
    caption: `Held-out customers (${e.treated} contacted, ${e.control} control). The higher the curve above the straight line, the more buyers the contact adds among the first customers on the list.`,
  };
}

/** The saved decision's profit curve: realized incremental profit of the first n customers by expected incremental profit, with its bootstrap band and the list marked. */
export function upliftProfitChartSpec(d: SavedDecision): LineChartSpec {
  const level = Math.round(d.level * 100);
  // A depth where some treatment's contacted customers hold no one of an arm has no estimate: left out.
  const points = [{ contacted: 0, profit: { value: 0, interval: [0, 0] as [number, number] } }, ...d.curve].filter((pt) => Number.isFinite(pt.profit.value));
  const band = points.filter((pt) => Number.isFinite(pt.profit.interval[0]) && Number.isFinite(pt.profit.interval[1]));
  const last = d.curve[d.curve.length - 1]?.contacted ?? 0;
  return {
    title: 'Incremental profit over the number contacted',
    x: { label: 'customers contacted, highest expected incremental profit first', tight: true },
    y: { label: 'incremental profit', format: money },
    series: [
      { name: 'realized incremental profit', points: points.map((pt) => [pt.contacted, pt.profit.value] as const), color: COLORS.network },
      { name: 'break-even', points: [[0, 0], [last, 0]], color: COLORS.reference, dashed: true },
    ],
    bands: [{ name: `${level} % bootstrap interval`, points: band.map((pt) => ({ x: pt.contacted, lower: pt.profit.interval[0], upper: pt.profit.interval[1] })), color: COLORS.network }],
    markers: [
      { name: `the list: ${count(d.contacted)} contacted`, x: d.contacted, label: `the list (${count(d.contacted)})` },
      { name: `realized ${money(d.realized.value)}`, x: d.contacted, y: d.realized.value },
    ],
    caption: `${d.source}: each customer gets their best treatment, in order of expected incremental profit; profit from the test's arms at ${money(d.money.contactCost)} per contact and ${money(d.money.valuePerReturn)} per customer who buys because of it. The band is the ${level} % bootstrap interval; the line marks the list chosen.`,
  };
}

/** The saved incremental-profit decision: whom to contact with which treatment, the put-off apart, and what the list earned. */
export function upliftDecisionSection(uplift: UpliftSection): string {
  const d = uplift.decision;
  if (!d) {
    return section({
      id: 'uplift-decision',
      title: 'Whom to contact',
      body: callout(
        'info',
        `No contact cost or value per extra buyer is saved with this model, so no list is chosen. Run ${code('rebuy decide --model DIR --objective incremental-profit --contact-cost C --value-per-return V')} on it.`,
      ),
    });
  }
  const level = Math.round(d.level * 100);
  const share = (n: number): string => (d.customers > 0 ? `${fixed((100 * n) / d.customers, 1)} %` : '—');
  const contacts = table({
    head: ['', 'Customers', 'Share'],
    numeric: [1, 2],
    rows: [
      ...uplift.treatments.map((t, k) => [escapeHtml(`contact with ${t}`), count(d.byTreatment[k] ?? 0), share(d.byTreatment[k] ?? 0)]),
      [escapeHtml('not contacted'), count(d.customers - d.contacted), share(d.customers - d.contacted)],
      [escapeHtml('of them put off by every treatment'), count(d.putOff), share(d.putOff)],
    ],
    caption: `The list for ${d.source}.`,
  });
  const profit = table({
    head: ['Contacted', 'Expected incremental profit (from the uplifts)', "Realized (from the test's arms)", `${level} % bootstrap interval`],
    numeric: [0, 1, 2, 3],
    rows: [[count(d.contacted), money(d.expectedProfit), money(d.realized.value), escapeHtml(`${money(d.realized.interval[0])} to ${money(d.realized.interval[1])}`)]],
  });
  return section({
    id: 'uplift-decision',
    title: 'Whom to contact',
    body:
      p(
        escapeHtml(
          `Saved by rebuy decide --objective incremental-profit: ${money(d.money.contactCost)} per contact, ${money(d.money.valuePerReturn)} per customer who buys because of it. ` +
            'Each customer is sent the treatment whose uplift × value − cost is highest, and only when that is positive; the list is chosen from the uplifts alone, then judged on the customers below through their randomized arms.',
        ),
      ) +
      h3('The list') +
      contacts +
      (d.putOff > 0 ? callout('info', escapeHtml(`${count(d.putOff)} customers are expected to buy less if contacted with any treatment: they are counted apart and none of them is on the list.`)) : '') +
      h3('Profit') +
      profit +
      lineChart(upliftProfitChartSpec(d)),
  });
}

const cellMarkup = (c: UpliftCell): string => (c.interval === undefined ? escapeHtml(c.value) : `${escapeHtml(c.value)}<br><span class="interval">${escapeHtml(c.interval)}</span>`);

export function upliftSection(uplift: UpliftSection): string {
  const selection = table({
    head: ['#', 'Learner', 'Mean Qini coefficient', 'SD over folds'],
    rows: uplift.selection.map((r, k) => [String(k + 1), escapeHtml(r.name), fixed(r.mean, 4), fixed(r.sd, 4)]),
    numeric: [0, 2, 3],
  });
  const chosen = p(
    escapeHtml(
      `Chosen: ${uplift.learner}, by ${plural(uplift.selection[0]?.qini.length ?? 0, 'fold')} of cross-validation on the training part (the default learner is kept unless another beats it by more than a standard error).`,
    ),
  );
  const parts = uplift.evaluation.map((e) => {
    const chart = lineChart(qiniChartSpec(e, uplift.control));
    const comparison = table({ head: UPLIFT_COMPARISON_HEAD, rows: upliftComparisonRows(e).map((row) => row.map(cellMarkup)), numeric: [1, 2, 3, 4, 5] });
    return p(escapeHtml(`${e.treatment} against ${uplift.control}:`)) + chart + comparison;
  });
  return section({
    id: 'uplift',
    title: "Uplift: the contact's effect",
    body:
      p(
        escapeHtml(
          `Learnt from the randomized test in column "${uplift.treatmentColumn}" (control: "${uplift.control}"). Intervals are 95 % bootstrap intervals over the held-out customers; the response model ranks by the probability of buying, ignoring the contact.`,
        ),
      ) +
      callout('info', escapeHtml('Uplift is causal only if the groups were assigned at random: check with rebuy audit --treatment.')) +
      selection +
      chosen +
      parts.join(''),
  });
}

/** A self-contained page with the uplift sections, for the uplift bundle's report.html. */
export function renderUpliftReport(manifest: Pick<Manifest, 'uplift'>, source: string): string {
  if (!manifest.uplift) return '';
  return reportPage(`Uplift report — ${source}`, [upliftSection(manifest.uplift), upliftDecisionSection(manifest.uplift)], source);
}
