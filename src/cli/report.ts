import { buildReport, type ReportResult } from '../app/report.js';

export interface ReportFlags {
  /** The model bundle directory. */
  model: string;
  /** Where to write the page; default <model>/report.html. */
  out?: string;
  json?: boolean;
}

export async function runReport(flags: ReportFlags): Promise<ReportResult> {
  const result = await buildReport(flags);
  process.stdout.write(flags.json ? `${JSON.stringify(result)}\n` : `report written to ${result.path}\n`);
  return result;
}
