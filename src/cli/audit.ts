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
}

/** Reads a table, audits it and prints the report. Findings are the result, not a failure: exit code stays 0. */
export async function runAudit(flags: AuditFlags): Promise<void> {
  const table = await readTable(flags.data, { target: flags.target, id: flags.id, delimiter: flags.delimiter, decimal: flags.decimal, allowDuplicateIds: true });
  const report = auditTable(table);
  process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : renderAuditText(report));
}
