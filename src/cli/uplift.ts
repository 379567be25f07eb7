/** `rebuy train --treatment …`: progress on stderr, the held-out comparison on stdout (or --json). */
import { trainUpliftBundle, type UpliftProgress, type UpliftTrainResult } from '../app/uplift.js';
import { checkBundleTarget } from '../bundle/save.js';
import type { Estimate } from '../evaluate/uplift.js';
import { usageError } from '../errors.js';

export interface UpliftTrainFlags {
  data?: string;
  target?: string;
  treatment: string;
  control?: string;
  ignore?: string[];
  id?: string;
  delimiter?: string;
  decimal?: string;
  out: string;
  seed: number;
  learners?: 'logistic' | 'all';
  json?: boolean;
}

function printProgress(event: UpliftProgress): void {
  const log = (line: string): boolean => process.stderr.write(`${line}\n`);
  if (event.kind === 'data') {
    const e = event.experiment;
    const counts = [e.control, ...e.treatments].map((g, arm) => `${g}: ${e.arm.filter((a) => a === arm).length}`).join(', ');
    log(`read ${e.table.nRows} customers from ${e.table.source}; groups in ${JSON.stringify(e.treatmentColumn)}: ${counts} (control: ${JSON.stringify(e.control)})`);
    log(`${event.learn} customers to learn from, ${event.test} held out; choosing the uplift learner by cross-validated Qini on the first part…`);
  } else if (event.kind === 'select') {
    log(`  [${event.done}/${event.total}] ${event.name} fold ${event.fold + 1}: Qini ${event.qini.toFixed(4)}`);
  } else if (event.kind === 'fit') log(`chose ${event.name}; fitting it on all the learning customers…`);
  else log('evaluating on the held-out customers (bootstrap intervals)…');
}

const pct = (x: number): string => `${(x * 100).toFixed(2)} pts`;
const range = (e: Estimate, f: (x: number) => string): string => `${f(e.value)} (95 % ${f(e.interval[0])} to ${f(e.interval[1])})`;

export function formatUpliftResult(result: UpliftTrainResult): string {
  const lines: string[] = ['', 'learners by cross-validated Qini coefficient (training part only):'];
  for (const r of result.selection.rows) lines.push(`  ${r.spec.name.padEnd(32)} ${r.mean.toFixed(4)} ± ${r.sd.toFixed(4)}`);
  for (const e of result.evaluation) {
    lines.push(
      '',
      `${e.treatment} vs control, held-out customers (${e.treated} contacted, ${e.control} control):`,
      `  Qini coefficient: uplift model ${range(e.qini.model, (x) => x.toFixed(4))}; response model ${range(e.qini.response, (x) => x.toFixed(4))}; random 0`,
      `  uplift model − response model: ${range(e.qini.versusResponse, (x) => x.toFixed(4))}`,
    );
    for (const k of e.upliftAt) {
      lines.push(
        `  top ${Math.round(k.share * 100)} %: uplift ${range(k.model, pct)}; response model ${pct(k.response.value)}; random ${pct(k.random.value)}; vs random ${range(k.versusRandom, pct)}`,
      );
    }
  }
  lines.push('', `uplift bundle saved to ${result.dir}`, `next: rebuy decide --model ${result.dir} --objective incremental-profit --contact-cost COST --value-per-return VALUE`);
  return lines.join('\n');
}

export async function runUpliftTrain(flags: UpliftTrainFlags): Promise<void> {
  if (!flags.data) throw usageError('--treatment takes one table: give --data FILE (the split is made inside)');
  if (!flags.target) throw usageError('--treatment needs --target COL: the outcome the contact should change');
  await checkBundleTarget(flags.out);
  const result = await trainUpliftBundle({ ...flags, data: flags.data, target: flags.target, onProgress: printProgress });
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ model: result.dir, uplift: result.manifest.uplift }, null, 2)}\n`);
  } else {
    process.stdout.write(`${formatUpliftResult(result)}\n`);
  }
}
