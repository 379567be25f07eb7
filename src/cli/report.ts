import { buildReport, type ReportResult } from '../app/report.js';
import { resolveOutputFile, STDOUT } from '../data/fs.js';
import { usageError } from '../errors.js';
import { historyNamed, resolveModelOption } from './options.js';

export interface ReportFlags {
  /** The model bundle directory. */
  model: string;
  store?: string;
  /** Where to write the page; default <model>/report.html; `-` for standard output. */
  out?: string;
  json?: boolean;
  /** A directory of recorded monitoring runs (rebuy monitor --history): adds their trend. */
  history?: string;
}

export async function runReport(flags: ReportFlags): Promise<ReportResult> {
  const toStdout = flags.out === STDOUT;
  if (flags.out !== undefined && !toStdout) await resolveOutputFile(flags.out);
  const { dir, stored } = await resolveModelOption(flags.model, flags.store);
  if (stored && flags.out === undefined) throw usageError(`${flags.model} is a version in the store, which rebuy never changes: give --out FILE (or - for standard output)`);
  const monitorRuns = flags.history ? await (await historyNamed(flags.history, flags.store)).list() : undefined;
  const result = await buildReport({ model: dir, ...(flags.out !== undefined && { out: flags.out }), ...(monitorRuns && { monitorRuns }) });
  // With the page on standard output, what the command says goes to stderr.
  (toStdout ? process.stderr : process.stdout).write(flags.json ? `${JSON.stringify(result)}\n` : `report written to ${toStdout ? 'standard output' : result.path}\n`);
  return result;
}
