import { buildFeatures } from '../app/features.js';
import { parseDay, parseHorizon, parseMemoryLimit } from '../purchases/customer-table.js';
import { usageError } from '../errors.js';

export interface FeaturesFlags {
  transactions: string;
  customer: string;
  date: string;
  amount?: string;
  columns?: string;
  cutoff: string;
  horizon: string;
  memoryLimit?: string;
  out: string;
  allowReturns?: boolean;
  outcomeCounts?: boolean;
  bgnbd?: boolean;
  json?: boolean;
}

function parseColumns(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const names = text.split(',').map((s) => s.trim());
  if (names.length < 2) throw usageError(`--columns: expected the names of the file's fields separated by commas, got ${JSON.stringify(text)}`);
  return names;
}

/** `r = 0.243 ± 0.013, …`: each parameter with its standard error. */
function describeFit(fit: { params: object; standardErrors: object }): string {
  const se = fit.standardErrors as Record<string, number>;
  return Object.entries(fit.params as Record<string, number>)
    .map(([k, v]) => `${k} = ${v.toPrecision(4)} ± ${se[k]!.toPrecision(2)}`)
    .join(', ');
}

export async function runFeatures(flags: FeaturesFlags): Promise<void> {
  const info = await buildFeatures({
    file: flags.transactions,
    customer: flags.customer,
    date: flags.date,
    amount: flags.amount,
    columns: parseColumns(flags.columns),
    allowReturns: flags.allowReturns ?? false,
    cutoff: parseDay(flags.cutoff, '--cutoff'),
    horizonDays: parseHorizon(flags.horizon),
    memoryLimit: flags.memoryLimit === undefined ? undefined : parseMemoryLimit(flags.memoryLimit),
    outcomeCounts: flags.outcomeCounts ?? false,
    bgnbd: flags.bgnbd ?? false,
    out: flags.out,
  });
  for (const note of info.notes) process.stderr.write(`rebuy: note: ${note}\n`);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ out: flags.out, ...info }, null, 2)}\n`);
    return;
  }
  const buyers = info.buyers === null ? '' : `, ${info.buyers} bought again within ${info.horizonDays} days`;
  process.stdout.write(
    [
      `wrote ${info.customers} customers to ${flags.out}${buyers}`,
      `  from ${info.log.rows} purchases, ${info.log.firstDay} to ${info.log.lastDay}; cutoff ${info.cutoff}`,
      `  columns: ${info.columns.join(', ')}`,
      ...(info.bgnbd ? [`  BG/NBD (days): ${describeFit(info.bgnbd)}, log-likelihood ${info.bgnbd.logLikelihood.toFixed(2)}`] : []),
      ...(info.gammaGamma ? [`  Gamma-Gamma: ${describeFit(info.gammaGamma)}`] : []),
      '',
    ].join('\n'),
  );
}
