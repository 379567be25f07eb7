import { buildReport, type ReportResult } from '../app/report.js';
import { resolveOutputFile, STDOUT } from '../data/fs.js';
import { directoryHistory } from '../monitor/history.js';

export interface ReportFlags {
  /** The model bundle directory. */
  model: string;
  /** Where to write the page; default <model>/report.html; `-` for standard output. */
  out?: string;
  json?: boolean;
  /** A directory of recorded monitoring runs (rebuy monitor --history): adds their trend. */
  history?: string;
}

export async function runReport(flags: ReportFlags): Promise<ReportResult> {
  const toStdout = flags.out === STDOUT;
  if (flags.out !== undefined && !toStdout) await resolveOutputFile(flags.out);
  const monitorRuns = flags.history ? await directoryHistory(flags.history).list() : undefined;
  const result = await buildReport({ model: flags.model, ...(flags.out !== undefined && { out: flags.out }), ...(monitorRuns && { monitorRuns }) });
  // With the page on standard output, what the command says goes to stderr.
  (toStdout ? process.stderr : process.stdout).write(flags.json ? `${JSON.stringify(result)}\n` : `report written to ${toStdout ? 'standard output' : result.path}\n`);
  return result;
}
