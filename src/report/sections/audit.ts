/** Section 2: the data audit's findings, most severe first. */
import type { AuditReport, Severity } from '../../audit/types.js';
import { callout, list, p, section } from '../markup.js';
import { el, escapeHtml } from '../svg.js';
import { count, percent, plural } from '../words.js';

const BADGE: Record<Severity, string> = { problem: 'Problem', warning: 'Warning', info: 'Note' };

function verdict(report: AuditReport): string {
  if (report.counts.problem > 0) return 'Fix or explain the problems before trusting this model.';
  if (report.counts.warning > 0) return 'Nothing blocks training, but read the warnings.';
  return 'Nothing stands out: the table looks ready for training.';
}

function overview(report: AuditReport): string {
  const balance = report.classBalance;
  const buyers = balance ? `, of whom ${count(balance.positives)} (${percent(balance.positiveShare)}) bought again` : '';
  return (
    `Checked ${report.source}: ${plural(report.nRows, 'customer')} described by ${plural(report.nFeatures, 'column')}${buyers}. ` +
    `Found ${plural(report.counts.problem, 'problem')}, ${plural(report.counts.warning, 'warning')} and ${plural(report.counts.info, 'note')}. ${verdict(report)}`
  );
}

function finding(f: AuditReport['findings'][number]): string {
  const badge = el('span', { class: `badge badge-${f.severity}` }, BADGE[f.severity]);
  const column = f.column ? `${el('span', { class: 'finding-column' }, escapeHtml(f.column))} ` : '';
  return `${badge} ${column}${escapeHtml(f.message)}`;
}

export function auditSection(report: AuditReport): string {
  const kind = report.counts.problem > 0 ? 'danger' : report.counts.warning > 0 ? 'warning' : 'info';
  const body =
    callout(kind, escapeHtml(overview(report))) +
    (report.findings.length ? list(report.findings.map(finding), 'findings') : p('No findings.'));
  return section({ id: 'audit', title: 'Data audit', body });
}
