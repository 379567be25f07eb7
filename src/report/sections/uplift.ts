/** The uplift bundle's report: the learners compared, and per treatment the held-out Qini curve and uplift at k. */
import type { Manifest } from '../../bundle/manifest.js';
import { COLORS, lineChart, type LineChartSpec } from '../charts.js';
import { callout, p, section, table } from '../markup.js';
import { reportPage } from '../style.js';
import { escapeHtml } from '../svg.js';
import { fixed, plural } from '../words.js';

type UpliftSection = NonNullable<Manifest['uplift']>;
type TreatmentEvaluation = UpliftSection['evaluation'][number];
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

/** A self-contained page with the uplift section, for the uplift bundle's report.html. */
export function renderUpliftReport(manifest: Pick<Manifest, 'uplift'>, source: string): string {
  if (!manifest.uplift) return '';
  return reportPage(`Uplift report — ${source}`, [upliftSection(manifest.uplift)], source);
}
