/** `rebuy train --treatment …`: progress on stderr, the held-out comparison on stdout (or --json). */
import { trainUpliftBundle, type UpliftProgress, type UpliftTrainOptions, type UpliftTrainResult } from '../app/uplift.js';
import { checkBundleTarget } from '../bundle/save.js';
import { decideUplift, type UpliftDecision } from '../app/uplift-decide.js';
import { scoreUpliftFile } from '../predict/uplift-score.js';
import type { Predictor } from '../predict/types.js';
import type { Estimate } from '../evaluate/uplift.js';
import { usageError } from '../errors.js';

/** The library's options as flags: data and target may be missing until checked; no progress callback. */
export type UpliftTrainFlags = Omit<UpliftTrainOptions, 'data' | 'target' | 'folds' | 'onProgress'> & {
  data?: string;
  target?: string;
  json?: boolean;
};

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
  lines.push(`chosen: ${result.selection.chosen.name} (the default learner is kept unless another beats it by more than a standard error)`);
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

/** Cents shown for small amounts, so that a contact cost of $0.50 is not shown as $1. */
const dollars = (v: number): string => `${v < 0 ? '−' : ''}$${Math.abs(v).toLocaleString('en', Math.abs(v) < 100 ? { minimumFractionDigits: 2, maximumFractionDigits: 2 } : { maximumFractionDigits: 0 })}`;

export function formatUpliftDecision(d: UpliftDecision): string {
  const level = Math.round(d.level * 100);
  const r = d.realized;
  const lines = [
    `Incremental-profit decision for ${d.model} on ${d.source}: ${d.customers} customers`,
    `money: ${dollars(d.money.contactCost)} per contact, ${dollars(d.money.valuePerReturn)} per customer who buys because of it`,
    'rule: contact a customer with the treatment whose uplift × value − cost is highest, only when that is positive',
    `  → contacts ${d.contacted} of ${d.customers}: ${d.treatments.map((t, k) => `${d.byTreatment[k]} with ${JSON.stringify(t)}`).join(', ')}`,
    `  expected incremental profit (from the uplifts): ${dollars(d.expectedProfit)}`,
    `  realized incremental profit (from the test's arms among these customers): ${dollars(r.value)} (${level} % bootstrap interval ${dollars(r.interval[0])} to ${dollars(r.interval[1])})`,
    '',
    `put off: ${d.putOff} customers are expected to buy less if contacted with any treatment; none of them is on the list${d.putOffIds.length > 0 ? ` (first IDs: ${d.putOffIds.slice(0, 5).join(', ')}; all in --json)` : ''}`,
    '',
    `profit curve (first n customers by expected incremental profit, each with its best treatment; ${level} % bootstrap interval):`,
    '  contacted   profit',
    ...d.curve.map((p) => `  ${String(p.contacted).padStart(9)}   ${dollars(p.profit.value)} (${dollars(p.profit.interval[0])} to ${dollars(p.profit.interval[1])})${p.contacted === d.contacted ? '   ← the list' : ''}`),
    '',
    d.saved ? `saved: the bundle's report and GET /v1/model show this decision` : 'not saved (--no-save)',
    '',
  ];
  return lines.join('\n');
}

/** The flags `rebuy decide` shares with its incremental-profit objective. */
export interface UpliftDecideFlags {
  model: string;
  data?: string;
  contactCost?: number;
  valuePerReturn?: number;
  valueColumn?: string;
  seed: number;
  save: boolean;
  json?: boolean;
}

export async function runUpliftDecide(
  flags: UpliftDecideFlags & {
    /** The model as the user named it (a store reference or the directory). */
    shownAs?: string;
  },
): Promise<void> {
  if (flags.valueColumn !== undefined) throw usageError('--objective incremental-profit takes one --value-per-return V, not --value-column');
  if (flags.contactCost === undefined) throw usageError('--objective incremental-profit needs --contact-cost C (the cost of one contact)');
  if (flags.valuePerReturn === undefined) throw usageError('--objective incremental-profit needs --value-per-return V (what a customer who buys because of the contact is worth)');
  const decision = await decideUplift({ model: flags.model, data: flags.data, contactCost: flags.contactCost, valuePerReturn: flags.valuePerReturn, seed: flags.seed, save: flags.save });
  const shown = { ...decision, model: flags.shownAs ?? flags.model };
  process.stdout.write(flags.json ? `${JSON.stringify(shown, null, 2)}\n` : formatUpliftDecision(shown));
}

export async function runUpliftScore(
  predictor: Predictor,
  flags: { in: string; out: string; contactCost?: number; valuePerReturn?: number; reasons?: number; skipBadRows?: boolean; json?: boolean },
): Promise<void> {
  try {
    if (flags.reasons || flags.skipBadRows) throw usageError('an uplift bundle scores without --reasons and --skip-bad-rows');
    if ((flags.contactCost === undefined) !== (flags.valuePerReturn === undefined)) throw usageError('give both --contact-cost and --value-per-return, or neither');
    if (flags.out === '-') throw usageError('an uplift bundle writes its scores to a file: give --out a file name');
    const money = flags.contactCost !== undefined ? { contactCost: flags.contactCost, valuePerReturn: flags.valuePerReturn! } : undefined;
    const summary = await scoreUpliftFile(predictor, flags.in, flags.out, money);
    if (flags.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else {
      process.stdout.write(
        `scored ${summary.rows} customers → ${summary.output}\ncolumns: ${summary.columns.join(', ')}\n` +
          (summary.contacted !== null ? `to contact: ${summary.contacted} (uplift × value − cost > 0 for the treatment sent)\n` : 'give --contact-cost and --value-per-return for whom to contact and the expected incremental profit\n') +
          `put off (every treatment lowers buying): ${summary.putOff}, marked in put_off\n`,
      );
    }
  } finally {
    await predictor.close();
  }
}
