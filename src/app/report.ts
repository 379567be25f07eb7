import { dirname, join, resolve } from 'node:path';
import { readEvaluation } from '../bundle/evaluation.js';
import { REPORT_FILE } from '../bundle/layout.js';
import { loadBundle, type LoadedBundle } from '../bundle/load.js';
import { updateBundle } from '../bundle/update.js';
import { atomicWriteFile } from '../data/write.js';
import { usageError } from '../errors.js';
import { renderReport } from '../report/html.js';
import type { RecordedRun } from '../monitor/history.js';

export interface ReportResult {
  path: string;
  bytes: number;
}

/**
 * The bundle's HTML report. Without `out` it is the report the bundle keeps, added to it (listed and
 * hashed) when the bundle was trained without one; with `out`, a copy goes to that file.
 */
export async function buildReport(options: { model: string; out?: string; monitorRuns?: readonly RecordedRun[] }): Promise<ReportResult> {
  const bundle = await loadBundle(options.model);
  if (options.monitorRuns) return monitoredReport(bundle, options.model, options.out, options.monitorRuns);
  const inBundle = join(options.model, REPORT_FILE);
  const stored = REPORT_FILE in bundle.manifest.files ? await bundle.readVerified(REPORT_FILE) : null;
  const html = stored ?? renderReport({ manifest: bundle.manifest, evaluation: await readEvaluation(bundle), source: options.model });
  const bytes = Buffer.byteLength(html);
  if (options.out === undefined || resolve(options.out) === resolve(inBundle)) {
    if (!stored) await updateBundle(bundle, (_manifest, files) => void files.set(REPORT_FILE, html));
    return { path: inBundle, bytes };
  }
  try {
    await atomicWriteFile(options.out, html);
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') {
      throw usageError(`cannot write the report to ${options.out}: the directory ${dirname(options.out)} does not exist`);
    }
    throw err;
  }
  return { path: options.out, bytes };
}

/** The report with the Monitoring section: rendered afresh and written to `out` only (a bundle stays as trained). */
async function monitoredReport(bundle: LoadedBundle, model: string, out: string | undefined, runs: readonly RecordedRun[]): Promise<ReportResult> {
  if (out === undefined || resolve(out) === resolve(join(model, REPORT_FILE))) throw usageError('a report with monitoring runs goes to its own file: give `out` FILE (or - for standard output)');
  const html = renderReport({ manifest: bundle.manifest, evaluation: await readEvaluation(bundle), source: model, monitorRuns: runs });
  await atomicWriteFile(out, html);
  return { path: out, bytes: Buffer.byteLength(html) };
}
