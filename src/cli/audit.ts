import { readTable } from '../data/read.js';
import { auditTable } from '../audit/audit.js';
import { renderAuditText } from '../audit/render.js';

export interface AuditFlags {
  data: string;
  target?: string;
  id?: string;
  delimiter?: string;
  decimal?: string;
  json: boolean;
  /** With a treatment column: the experiment's randomization is audited instead (cli/audit-experiment.ts). */
  treatment?: string;
  control?: string;
  planned?: string;
  ignore?: string[];
}

/** Reads a table, audits it and prints the report. Findings are the result, not a failure: exit code stays 0. */
export async function runAudit(flags: AuditFlags): Promise<void> {
  if (flags.treatment !== undefined) return (await import('./audit-experiment.js')).runExperimentAudit({ ...flags, treatment: flags.treatment });
  const table = await readTable(flags.data, { target: flags.target, id: flags.id, delimiter: flags.delimiter, decimal: flags.decimal, allowDuplicateIds: true });
  const report = auditTable(table);
  process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : renderAuditText(report));
}
