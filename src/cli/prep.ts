import { prepareParts } from '../app/prep.js';
import { parseSplit, type BalanceMode } from '../prep/split.js';
import type { DataSource } from '../train/dataset.js';
import { prepareOutputDirectory } from '../data/fs.js';

export interface PrepFlags extends DataSource {
  out: string;
  balance?: BalanceMode;
  split: string;
  seed: number;
  json?: boolean;
}

export async function runPrep(flags: PrepFlags): Promise<void> {
  await prepareOutputDirectory(flags.out);
  const result = await prepareParts({ ...flags, split: parseSplit(flags.split) });
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const lines = result.parts.map(
    (p) => `  ${p.name.padEnd(10)} ${String(p.rows).padStart(7)} rows (${p.positives} bought again)  ${p.npz}  ${p.csv}`,
  );
  process.stdout.write(
    [`wrote the parts to ${result.out} (standardized with training statistics only):`, ...lines, `  feature state: ${result.features}`, ''].join('\n'),
  );
}
