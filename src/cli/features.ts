import { buildFeatures } from '../app/features.js';
import { parseDay, parseHorizon } from '../purchases/customer-table.js';
import { usageError } from '../errors.js';

export interface FeaturesFlags {
  transactions: string;
  customer: string;
  date: string;
  amount?: string;
  columns?: string;
  cutoff: string;
  horizon: string;
  out: string;
  allowReturns?: boolean;
  outcomeCounts?: boolean;
  json?: boolean;
}

function parseColumns(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const names = text.split(',').map((s) => s.trim());
  if (names.length < 2) throw usageError(`--columns: expected the names of the file's fields separated by commas, got ${JSON.stringify(text)}`);
  return names;
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
    outcomeCounts: flags.outcomeCounts ?? false,
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
      '',
    ].join('\n'),
  );
}
