import { monitorList, monitorTrend } from '../app/monitor.js';
import { count, fixed, money, percent } from '../core/format.js';
import { usageError } from '../errors.js';
import { directoryHistory, storeHistory, type RecordedRun } from '../monitor/history.js';
import { historyNamed, openStore, resolveModelOption } from './options.js';
import { methodWords, type MonitorRun } from '../monitor/run.js';
import type { Interval, PerformanceFigures } from '../monitor/estimate.js';

export interface MonitorFlags {
  model?: string;
  data?: string;
  json?: boolean;
  threshold?: number;
  history?: string;
  store?: string;
  delimiter?: string;
  decimal?: string;
}

/** The exit code of a run that alerts, so a scheduled job can tell it from success (0) and bad input (2). */
export const ALERT_EXIT_CODE = 3;

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => `  ${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd()).join('\n');
}

function driftTable(run: MonitorRun): string {
  const rows = [['column', 'test', 'drifted', 'PSI', 'mean (training → list)', 'missing (training → list)', 'new categories']];
  for (const c of [...run.columns, ...(run.scores ? [run.scores] : [])]) {
    rows.push([
      c.kind === 'score' ? 'predicted probability' : c.column,
      methodWords(c),
      c.drifted ? 'yes' : 'no',
      `${fixed(c.psi, 3)}${c.psiDrifted ? ' (> 0.1)' : ''}`,
      c.reference.mean === null ? '' : `${fixed(c.reference.mean, 2)} → ${fixed(c.current.mean ?? Number.NaN, 2)}${c.meanDrifted ? ' (flagged)' : ''}`,
      `${percent(c.reference.missingShare)} → ${percent(c.current.missingShare)}${c.missingDrifted ? ' (flagged)' : ''}`,
      c.newCategories && c.newCategories.values.length > 0 ? `${c.newCategories.values.map((v) => v.value).slice(0, 3).join(', ')} (${percent(c.newCategories.share)})` : '',
    ]);
  }
  return table(rows);
}

function withInterval(value: string, interval: Interval | null, show: (v: number) => string): string {
  return interval ? `${value} (${show(interval.lower)} to ${show(interval.upper)})` : value;
}

function performanceTable(run: MonitorRun): string {
  const e = run.estimate;
  const ref = run.referenceEstimate?.expected ?? null;
  const real = e.realized;
  const columns: [string, (f: PerformanceFigures) => string, Interval | null, (v: number) => string][] = [
    ['customers', (f) => count(f.rows), null, count],
    ['accuracy', (f) => percent(f.accuracy), e.intervals.accuracy, (v) => percent(v)],
    ['ROC-AUC', (f) => fixed(f.rocAuc), e.intervals.rocAuc, (v) => fixed(v)],
    ['contacted', (f) => count(f.contacted), null, count],
    ['buyers among the contacted', (f) => fixed(f.buyersContacted, 1), e.intervals.buyersContacted, (v) => fixed(v, 1)],
    ...(e.money ? [['profit', (f: PerformanceFigures) => (f.profit === null ? '' : money(f.profit)), e.intervals.profit, money] as [string, (f: PerformanceFigures) => string, Interval | null, (v: number) => string]] : []),
  ];
  const rows = [['', 'held-out training customers (expected)', 'this list, expected (95 % interval)', ...(real ? ['this list, measured'] : [])]];
  for (const [label, show, interval, format] of columns) {
    rows.push([label, ref ? show(ref) : '', withInterval(show(e.expected), interval, format), ...(real ? [show(real)] : [])]);
  }
  return table(rows);
}

function trendTable(runs: RecordedRun[]): string {
  const rows = [['when', 'list', 'customers', 'flagged features', 'scores drifted', 'expected accuracy', 'expected ROC-AUC', 'expected profit', 'alert']];
  for (const r of runs) {
    const e = r.estimate.expected;
    rows.push([
      r.at,
      r.data.file,
      count(r.data.rows),
      r.alert.flagged.join(', ') || '—',
      r.alert.scoresDrifted ? 'yes' : 'no',
      e.accuracy === null ? '—' : percent(e.accuracy),
      e.rocAuc === null ? '—' : fixed(e.rocAuc),
      e.profit === null ? '—' : money(e.profit),
      r.alert.alert ? 'ALERT' : '',
    ]);
  }
  return table(rows);
}

export async function runMonitor(flags: MonitorFlags): Promise<void> {
  if (flags.threshold !== undefined && !(flags.threshold >= 0 && flags.threshold <= 1)) {
    throw usageError(`\`threshold\` is a share of the features, from 0 to 1; got ${flags.threshold}`);
  }
  if (!flags.data) {
    const history = flags.history === undefined ? null : await historyNamed(flags.history, flags.store);
    if (!history) throw usageError('give `data` FILE to monitor a list (with `model`), or `history` DIR to see the trend of recorded runs');
    const runs = await monitorTrend(history);
    process.stdout.write(flags.json ? `${JSON.stringify(runs, null, 2)}\n` : runs.length === 0 ? `no runs recorded in ${flags.history}\n` : `${trendTable(runs)}\n`);
    return;
  }
  if (!flags.model) throw usageError('give `model` DIR or NAME@ALIAS: the model whose training profile the list is compared with');
  const { dir, stored } = await resolveModelOption(flags.model, flags.store);
  // A version from the store keeps its runs beside it; `history` DIR records them there instead.
  const history = flags.history !== undefined ? directoryHistory(flags.history) : stored ? storeHistory(await openStore(flags.store), stored.name, { name: stored.name, version: stored.version }) : null;
  const run = await monitorList({
    model: dir,
    data: flags.data,
    history,
    ...(flags.threshold !== undefined && { alertShare: flags.threshold }),
    ...(flags.delimiter !== undefined && { delimiter: flags.delimiter }),
    ...(flags.decimal !== undefined && { decimal: flags.decimal }),
    onProgress: (rows) => process.stderr.write(`\rread and scored ${count(rows)} customers`),
  });
  process.stderr.write('\n');
  if (flags.json) process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
  else {
    process.stdout.write(
      [
        ...run.summary,
        '',
        `compared with ${run.reference.source}${run.reference.scores ? `; scores with ${run.reference.scores}` : ''}`,
        '',
        driftTable(run),
        '',
        performanceTable(run),
        '',
        'Estimates assume the model stays calibrated on this list (confidence-based performance estimation); a change in how customers behave, not in who they are, does not show until the labels arrive.',
        '',
      ].join('\n'),
    );
  }
  if (run.alert.alert) process.exitCode = ALERT_EXIT_CODE;
}
