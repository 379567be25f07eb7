import { decide, type Decision } from '../app/decide.js';
import { usageError } from '../errors.js';
import { choiceRuleInWords, type ThresholdObjective } from '../evaluate/decide.js';
import { objectiveInWords } from '../bundle/objective.js';
import { resolveModelOption } from './options.js';
import type { UpliftDecideFlags } from './uplift.js';

export interface DecideFlags extends UpliftDecideFlags {
  store?: string;
  objective?: string;
  top?: number;
  topPercent?: number;
}

/** The objective from the flags: explicit --objective, or implied by --top / --top-percent / money settings. */
export function objectiveFromFlags(flags: DecideFlags): ThresholdObjective {
  const kind = flags.objective ?? (flags.top !== undefined || flags.topPercent !== undefined ? 'budget' : flags.contactCost !== undefined ? 'profit' : 'f1');
  switch (kind) {
    case 'accuracy':
      return { kind: 'accuracy' };
    case 'f1':
      return { kind: 'f1' };
    case 'budget':
      if (flags.top !== undefined) return { kind: 'topK', k: flags.top };
      if (flags.topPercent !== undefined) return { kind: 'topFraction', fraction: flags.topPercent / 100 };
      throw usageError('the budget objective needs --top K or --top-percent X');
    case 'profit':
      if (flags.contactCost === undefined || flags.valuePerReturn === undefined) {
        throw usageError('the profit objective needs --contact-cost C and --value-per-return V');
      }
      return { kind: 'profit', contactCost: flags.contactCost, valuePerReturn: flags.valuePerReturn };
    default:
      throw usageError(`--objective must be accuracy, f1, budget, profit or incremental-profit (uplift bundles); got ${JSON.stringify(kind)}`);
  }
}

const money = (v: number): string => `${v < 0 ? '−' : ''}$${Math.abs(v).toLocaleString('en', { maximumFractionDigits: 0 })}`;
const pct = (v: number): string => `${(v * 100).toFixed(1)} %`;

export function formatDecision(d: Decision): string {
  const m = d.choice.metrics;
  const customers = d.population.customers;
  const lines = [
    `Decision for ${d.model} on ${d.population.source}: ${customers} customers, ${d.population.buyers} bought again`,
    `objective: ${objectiveInWords(d.objective)}`,
    `rule: the list was chosen ${choiceRuleInWords(d.rule)}; it is judged on these ${customers} customers, whose labels played no part in choosing it`,
    `threshold: contact customers with probability ≥ ${d.choice.threshold.toFixed(4)}`,
    `  → contacts ${d.choice.contacted} of ${customers} (${pct(d.choice.contacted / customers)}); ` +
      `${m.confusion[1][1]} of them bought again (precision ${pct(m.precision)}), reaching ${pct(m.recall)} of all buyers`,
    '',
    'Cumulative gains and lift by decile (customers sorted by probability, best first):',
    '  decile  contacted  buyers reached  response rate  lift',
    ...d.gains.map(
      (g) =>
        `  ${String(g.group).padStart(6)}  ${pct(g.contactedShare).padStart(9)}  ${pct(g.capturedShare).padStart(14)}  ${pct(g.responseRate).padStart(13)}  ${g.lift.toFixed(2).padStart(4)}`,
    ),
  ];
  if (d.profit) {
    const { settings, bootstrap, curve, expected } = d.profit;
    const b = bootstrap.chosen;
    const level = Math.round(bootstrap.level * 100);
    const rows: [string, string][] = [
      ['expected profit (from the probabilities)', money(expected)],
      ["realized profit (from these customers' labels)", money(b.profit)],
      [`${level} % interval for another ${customers.toLocaleString('en')} customers`, `${money(b.lower)} to ${money(b.upper)} (bootstrap; chance of a loss ${pct(b.lossProbability)})`],
    ];
    const width = Math.max(...rows.map(([label]) => label.length));
    lines.push(
      '',
      `Money: ${money(settings.contactCost)} per contact, ${money(settings.valuePerReturn)} per returning customer`,
      `  the chosen list of ${d.choice.contacted}:`,
      ...rows.map(([label, value]) => `    ${label.padEnd(width)}  ${value}`),
      `  in hindsight, the most profitable cut on these same labels contacts ${curve.best.contacted} → ${money(curve.best.profit)}: chosen with the labels it is judged on, so optimistic, not a plan`,
    );
  }
  lines.push('', d.saved ? `saved: every later \`rebuy score --model ${d.model}\` uses this threshold` : 'not saved (--no-save)', '');
  return lines.join('\n');
}

export async function runDecide(flags: DecideFlags): Promise<void> {
  const { dir, stored } = await resolveModelOption(flags.model, flags.store);
  if (flags.valueColumn !== undefined && flags.objective !== 'incremental-profit') return runDecideByValue({ ...flags, model: dir }, flags.valueColumn);
  if (stored && flags.save) {
    throw usageError(`${flags.model} is a version in the store, which rebuy never changes: add --no-save to see the decision, or decide on the bundle directory and register it as a new version`);
  }
  if (flags.objective === 'incremental-profit') return (await import('./uplift.js')).runUpliftDecide({ ...flags, model: dir, shownAs: flags.model });
  const decided = await decide({
    model: dir,
    data: flags.data,
    objective: objectiveFromFlags(flags),
    contactCost: flags.contactCost,
    valuePerReturn: flags.valuePerReturn,
    seed: flags.seed,
    save: flags.save,
  });
  const result = { ...decided, model: flags.model };
  process.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : formatDecision(result));
}

/** `--value-column`: each customer's own value if they buy again; the list and its profit, judged on --data. */
async function runDecideByValue(flags: DecideFlags, valueColumn: string): Promise<void> {
  if (flags.data === undefined) throw usageError('--value-column needs --data: the labelled customer table that holds the column');
  if (flags.contactCost === undefined) throw usageError('--value-column needs --contact-cost C');
  if (flags.valuePerReturn !== undefined) throw usageError('give either --value-per-return or --value-column, not both');
  if (flags.objective !== undefined && flags.objective !== 'profit') throw usageError(`--value-column decides by profit; got --objective ${flags.objective}`);
  const { decideByValue } = await import('../app/decide-value.js');
  const d = await decideByValue({ model: flags.model, data: flags.data, valueColumn, contactCost: flags.contactCost, seed: flags.seed });
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(d, null, 2)}\n`);
    return;
  }
  const pr = d.profit;
  const i = pr.interval;
  const money = (v: number): string => v.toFixed(2);
  process.stdout.write(
    [
      `Customers: ${d.population.customers} in ${d.population.source}, ${d.population.buyers} bought again`,
      `Money: ${money(pr.contactCost)} per contact; each customer's value if they buy again from column "${d.valueColumn}"`,
      `The list was chosen by expected profit (contact whoever's probability × value exceeds the contact cost), using no labels.`,
      `  contacted            ${pr.contacted} (${pr.returners} bought again)`,
      `  expected profit      ${money(pr.expected)}`,
      `  realized profit      ${money(pr.realized)}`,
      `  another draw (${Math.round(i.level * 100)} %)  ${money(i.lower)} to ${money(i.upper)}`,
      'not saved: a list by value is not a threshold on the probability',
      '',
    ].join('\n'),
  );
}
