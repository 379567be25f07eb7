/** The report's stylesheet, inlined in the page. */
import { CHART_CSS } from './charts.js';
import { escapeHtml } from './svg.js';

export const REPORT_CSS = `
:root {
  --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --paper: #ffffff; --wash: #f8fafc;
  --accent: #2563eb; --danger: #b91c1c; --danger-wash: #fef2f2; --warn: #b45309; --warn-wash: #fffbeb;
  --info: #1d4ed8; --info-wash: #eff6ff;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--wash); color: var(--ink);
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif;
  counter-reset: section;
}
main { max-width: 1080px; margin: 0 auto; padding: 32px 24px 64px; background: var(--paper); }
header.report-header { border-bottom: 3px solid var(--ink); padding-bottom: 16px; margin-bottom: 8px; }
h1 { font-size: 2rem; line-height: 1.2; margin: 0 0 4px; letter-spacing: -0.01em; }
.subtitle { color: var(--muted); margin: 0; }
h2 { font-size: 1.45rem; margin: 0 0 12px; padding-top: 8px; border-top: 1px solid var(--line); }
.report-section { counter-increment: section; margin-top: 36px; }
.report-section > h2::before { content: counter(section) ". "; color: var(--muted); }
h3 { font-size: 1.1rem; margin: 24px 0 6px; }
p { margin: 8px 0; max-width: 78ch; }
p.lead { font-size: 1.1rem; }
code { font: 0.92em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f3f4f6; padding: 1px 5px; border-radius: 4px; }
nav.toc { margin: 16px 0 0; font-size: 0.95rem; }
nav.toc ol { display: flex; flex-wrap: wrap; gap: 4px 22px; margin: 0; padding: 0; list-style: none; counter-reset: toc; }
nav.toc li { counter-increment: toc; }
nav.toc li::before { content: counter(toc) ". "; color: var(--muted); }
nav.toc a { color: var(--accent); text-decoration: none; }
nav.toc a:hover { text-decoration: underline; }
.callout { border-left: 5px solid; border-radius: 6px; padding: 12px 16px; margin: 14px 0; max-width: 78ch; }
.callout-danger { border-color: var(--danger); background: var(--danger-wash); }
.callout-warning { border-color: var(--warn); background: var(--warn-wash); }
.callout-info { border-color: var(--info); background: var(--info-wash); }
.banner { font-size: 1.05rem; margin-top: 16px; max-width: none; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; margin: 20px 0; }
.kpi { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; background: var(--wash); }
.kpi-value { font-size: 1.7rem; font-weight: 700; line-height: 1.15; font-variant-numeric: tabular-nums; }
.kpi-label { color: var(--muted); font-size: 0.88rem; }
ul.caveats li, ul.findings li { margin: 6px 0; }
ul.findings { list-style: none; padding-left: 0; }
.badge { display: inline-block; min-width: 68px; text-align: center; font-size: 0.75rem; font-weight: 700; text-transform: uppercase;
  letter-spacing: 0.04em; border-radius: 999px; padding: 1px 8px; margin-right: 4px; }
.badge-problem { background: var(--danger); color: #fff; }
.badge-warning { background: #f59e0b; color: #1f2937; }
.badge-info { background: #e5e7eb; color: #374151; }
.finding-column { font-weight: 600; }
figure.chart { margin: 18px 0; padding: 12px 14px 10px; border: 1px solid var(--line); border-radius: 8px; background: #fff; min-width: 0;
  break-inside: avoid; page-break-inside: avoid; }
figcaption { color: var(--muted); font-size: 0.88rem; margin-top: 6px; }
.chart-pair { display: grid; grid-template-columns: 1fr; gap: 0 18px; }
@media (min-width: 900px) { .chart-pair { grid-template-columns: 1fr 1fr; } }
${CHART_CSS}.table-wrap { overflow-x: auto; margin: 14px 0; }
.table-wrap.compact { max-width: 790px; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; font-variant-numeric: tabular-nums; }
caption { caption-side: bottom; text-align: left; color: var(--muted); font-size: 0.85rem; padding-top: 6px; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--wash); font-weight: 600; border-bottom: 2px solid #d1d5db; }
td.num, th.num { text-align: right; white-space: nowrap; }
tr.contacted td { background: #eff6ff; }
.interval { color: var(--muted); font-size: 0.85em; }
#details td { word-break: break-word; }
footer { margin-top: 48px; color: var(--muted); font-size: 0.85rem; border-top: 1px solid var(--line); padding-top: 12px; }
@media (max-width: 600px) {
  main { padding: 20px 14px 48px; }
  h1 { font-size: 1.6rem; }
  figure.chart { padding: 8px 6px; }
  th, td { padding: 5px 6px; }
}
@media print {
  body { background: #fff; font-size: 11pt; }
  main { max-width: none; padding: 0; }
  nav.toc { display: none; }
  .report-section { break-before: auto; }
  h2, h3 { break-after: avoid; }
  .chart-pair { grid-template-columns: 1fr 1fr; }
  figure.chart, .kpi, .callout, tr { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
`;

/** A self-contained report page: no scripts, nothing loaded from the network (its CSP says so); `body` is markup. */
export function reportPage(title: string, body: readonly string[], source: string | undefined): string {
  const footer = `<footer>${escapeHtml(`Generated by rebuy${source ? ` from ${source}` : ''}. This page is self-contained: it runs no scripts and loads nothing from the network.`)}</footer>`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${REPORT_CSS}</style>`,
    '</head>',
    '<body>',
    '<main>',
    ...body,
    footer,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
