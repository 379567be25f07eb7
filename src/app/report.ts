import { dirname, join } from 'node:path';
import { loadBundle } from '../bundle/load.js';
import { EVALUATION_FILE, REPORT_FILE } from '../bundle/layout.js';
import { atomicWriteFile } from '../data/write.js';
import { bundleError, usageError } from '../errors.js';
import { renderReport } from '../report/html.js';
import { parseEvaluation } from '../report/input.js';

export interface ReportResult {
  path: string;
  bytes: number;
}

/** Builds the HTML report of a verified bundle from its manifest and evaluation.json; default path <model>/report.html. */
export async function buildReport(options: { model: string; out?: string }): Promise<ReportResult> {
  const bundle = await loadBundle(options.model);
  if (!(EVALUATION_FILE in bundle.manifest.files)) {
    throw bundleError(options.model, `has no ${EVALUATION_FILE} (saved by an older rebuy); train it again to get a report`);
  }
  const evaluation = parseEvaluation((await bundle.readVerified(EVALUATION_FILE)).toString('utf8'), options.model);
  const html = renderReport({ manifest: bundle.manifest, evaluation, source: options.model });
  const path = options.out ?? join(options.model, REPORT_FILE);
  try {
    await atomicWriteFile(path, html);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw usageError(`cannot write the report to ${path}: the directory ${dirname(path)} does not exist`);
    }
    throw err;
  }
  return { path, bytes: Buffer.byteLength(html) };
}
