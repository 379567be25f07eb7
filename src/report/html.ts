/** The model report: one self-contained HTML page (inline CSS and SVG, no scripts, nothing fetched). */
import type { BundleEvaluation } from '../bundle/evaluation.js';
import type { ManifestDraft } from '../bundle/manifest.js';
import { analyze, type ReportData } from './analysis.js';
import { callout, strong } from './markup.js';
import { auditSection } from './sections/audit.js';
import { calibrationSection } from './sections/calibration.js';
import { confusionSection } from './sections/confusion.js';
import { decisionSection } from './sections/decision.js';
import { detailsSection } from './sections/details.js';
import { importanceSection } from './sections/importance.js';
import { dependenceSection } from './sections/dependence.js';
import { leaderboardSection } from './sections/leaderboard.js';
import { monitorSection } from './sections/monitor.js';
import { PURCHASES_SECTION, purchasesSection } from './sections/purchases.js';
import type { RecordedRun } from '../monitor/history.js';
import { rankingSection } from './sections/ranking.js';
import { predictsWhat, summarySection } from './sections/summary.js';
import { trainingSection } from './sections/training.js';
import { reportPage } from './style.js';
import { el, escapeHtml } from './svg.js';
import { count } from './words.js';

/** In-memory results: the manifest (before its file hashes exist, as the report is one of the files) and the evaluation. */
export interface ReportInput {
  manifest: ManifestDraft;
  evaluation: BundleEvaluation;
  /** Where the bundle was read from, shown in the header and footer. */
  source?: string;
  /** Recorded monitoring runs of the model, oldest first: adds the Monitoring section. */
  monitorRuns?: readonly RecordedRun[];
}

interface Part {
  id: string;
  title: string;
  html: string;
}

function parts(data: ReportData): Part[] {
  const { manifest, evaluation } = data;
  const out: (Part | null)[] = [
    { id: 'summary', title: 'Summary', html: summarySection(data) },
    data.audit ? { id: 'audit', title: 'Data audit', html: auditSection(data.audit) } : null,
    { id: 'training', title: 'Training', html: trainingSection(manifest.model, manifest.baseline) },
    { id: 'ranking', title: 'Ranking quality', html: rankingSection(data) },
    { id: 'calibration', title: 'Calibration', html: calibrationSection(data) },
    { id: 'confusion', title: 'Right and wrong decisions', html: confusionSection(data) },
    { id: 'decision', title: 'Whom to contact', html: decisionSection(data) },
    evaluation.importance?.length ? { id: 'importance', title: 'What drives the predictions', html: importanceSection(evaluation.importance) } : null,
    evaluation.dependence?.length
      ? { id: 'dependence', title: 'The shape of each effect', html: dependenceSection(evaluation.dependence, evaluation.dependence[0]!.points.length) }
      : null,
    evaluation.purchases ? { ...PURCHASES_SECTION, html: purchasesSection(evaluation.purchases) } : null,
    evaluation.leaderboard?.rows.length ? { id: 'leaderboard', title: 'Leaderboard', html: leaderboardSection(evaluation.leaderboard) } : null,
    { id: 'details', title: 'Technical details', html: detailsSection(manifest) },
  ];
  return out.filter((p): p is Part => p !== null);
}

function header(data: ReportData, source: string | undefined): string {
  const d = data.manifest.data;
  const created = data.manifest.createdAt.slice(0, 10);
  const from = d.files.length ? ` on ${d.files.join(', ')}` : '';
  const subtitle = `Predicts ${predictsWhat(data)}. Trained ${created}${from}: ${count(d.rows)} customers.` + (source ? ` Bundle: ${source}.` : '');
  const banner = d.synthetic
    ? callout(
        'danger',
        `${strong('Synthetic demo data.')} ${escapeHtml('Every number in this report comes from generated customers. Train on your own data before deciding anything.')}`,
        'banner',
      )
    : '';
  return el(
    'header',
    { class: 'report-header' },
    `${el('h1', {}, 'Who will buy again? Model report')}${el('p', { class: 'subtitle' }, escapeHtml(subtitle))}`,
  ) + banner;
}

function toc(list: readonly Part[]): string {
  const items = list.map((p) => el('li', {}, el('a', { href: `#${p.id}` }, escapeHtml(p.title)))).join('');
  return el('nav', { class: 'toc', 'aria-label': 'Contents' }, el('ol', {}, items));
}

export function renderReport(input: ReportInput): string {
  const data = analyze(input.manifest, input.evaluation);
  const list = parts(data);
  if (input.monitorRuns) list.splice(list.length - 1, 0, { id: 'monitor', title: 'Monitoring', html: monitorSection(input.monitorRuns) });
  return reportPage(`Model report${input.source ? ` — ${input.source}` : ''}`, [header(data, input.source), toc(list), ...list.map((p) => p.html)], input.source);
}
