/** `rebuy audit --treatment COL`: the randomization of a test, before uplift is trained on it. */
import { readTable } from '../data/read.js';
import { auditExperiment, renderExperimentAudit } from '../audit/experiment.js';
import { readExperiment } from '../train/uplift-data.js';
import { usageError } from '../errors.js';

export interface ExperimentAuditFlags {
  data: string;
  treatment: string;
  control?: string;
  /** Planned shares, "group=share,group=share"; equal shares when omitted. */
  planned?: string;
  /** Columns that are not features: the test's outcomes differ between groups by design. */
  ignore?: string[];
  target?: string;
  id?: string;
  delimiter?: string;
  decimal?: string;
  json: boolean;
}

function plannedShares(text: string, groups: readonly string[]): number[] {
  const given = new Map<string, number>();
  for (const part of text.split(',')) {
    const at = part.lastIndexOf('=');
    const share = Number(part.slice(at + 1));
    if (at <= 0 || !(share > 0)) throw usageError(`--planned takes group=share pairs separated by commas, e.g. "control=1,mail=2"; got ${JSON.stringify(part)}`);
    given.set(part.slice(0, at).trim(), share);
  }
  const unknown = [...given.keys()].filter((g) => !groups.includes(g));
  if (unknown.length > 0 || given.size !== groups.length) {
    throw usageError(`--planned must give a share for each group: ${groups.map((g) => JSON.stringify(g)).join(', ')}${unknown.length > 0 ? `; unknown: ${unknown.join(', ')}` : ''}`);
  }
  return groups.map((g) => given.get(g)!);
}

export async function runExperimentAudit(flags: ExperimentAuditFlags): Promise<void> {
  const table = await readTable(flags.data, { target: flags.target, id: flags.id, delimiter: flags.delimiter, decimal: flags.decimal, requireTarget: false, allowDuplicateIds: true });
  const experiment = readExperiment(table, { treatment: flags.treatment, control: flags.control, ignore: flags.ignore });
  const groups = [experiment.control, ...experiment.treatments];
  const audit = auditExperiment(experiment.table, experiment.treatmentColumn, groups, experiment.arm, flags.planned ? plannedShares(flags.planned, groups) : undefined);
  process.stdout.write(flags.json ? `${JSON.stringify(audit, null, 2)}\n` : renderExperimentAudit(audit));
}
