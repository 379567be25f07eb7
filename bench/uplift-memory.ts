/**
 * npm run bench:uplift-memory — peak memory of `rebuy score` on an uplift bundle as the list grows,
 * for CSV and Parquet output (a script, not a test). An uplift bundle with logistic learners is trained
 * on Hillstrom (women's e-mail and men's against none, outcome `visit`); its rows, repeated, make lists
 * of 1M and 4M customers. Each list and format is scored by fresh processes in turn (--runs N, 3):
 * peak RSS medians, and 4M over 1M per format. Target: Parquet as flat as CSV (4M within 10 % of 1M).
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from '../src/evaluate/stats.js';
import { packageRoot } from '../src/paths.js';
import { CLI, flag, fmt, runProcess, runTimed } from './common.js';

const HILLSTROM = join(packageRoot(), '..', 'shared', 'data', 'hillstrom.csv');
const SIZES = [1_000_000, 4_000_000];
const FORMATS = ['csv', 'parquet'] as const;
const log = (line: string): boolean => process.stderr.write(`${line}\n`);

async function repeatedRows(path: string, rows: number): Promise<void> {
  const [header, ...lines] = (await readFile(HILLSTROM, 'utf8')).trimEnd().split(/\r?\n/);
  const out = createWriteStream(path);
  out.write(`${header}\n`);
  for (let written = 0; written < rows; ) {
    const take = lines.slice(0, Math.min(lines.length, rows - written));
    if (!out.write(`${take.join('\n')}\n`)) await once(out, 'drain');
    written += take.length;
  }
  out.end();
  await once(out, 'finish');
}

const runs = flag('runs', 3);
const dir = await mkdtemp(join(tmpdir(), 'rebuy-bench-uplift-memory-'));
try {
  log('training an uplift bundle on Hillstrom (logistic learners)');
  const model = join(dir, 'uplift');
  const trained = await runProcess(process.execPath, [CLI, 'train', '--data', HILLSTROM, '--target', 'visit', '--treatment', 'segment', '--control', 'No E-Mail', '--ignore', 'conversion,spend', '--learners', 'logistic', '--out', model]);
  if (trained.code !== 0) throw new Error(`rebuy train failed: ${trained.stderr}`);
  const peaks = new Map<string, number[]>();
  for (const rows of SIZES) {
    const input = join(dir, `customers-${rows}.csv`);
    log(`writing ${rows.toLocaleString('en')} customers (Hillstrom's rows repeated), then ${runs} runs of each format in turn`);
    await repeatedRows(input, rows);
    for (let run = 0; run < runs; run++) {
      for (const format of FORMATS) {
        const scored = await runTimed(process.execPath, [CLI, 'score', '--model', model, '--in', input, '--out', join(dir, `scores.${format}`)]);
        if (scored.code !== 0) throw new Error(`rebuy score failed: ${scored.stderr}`);
        const key = `${format} ${rows}`;
        peaks.set(key, [...(peaks.get(key) ?? []), scored.peakRssMb]);
        log(`   ${format}, ${rows.toLocaleString('en')} rows: ${fmt(scored.peakRssMb, 0)} MB, ${fmt(scored.seconds, 1)} s`);
      }
    }
    await rm(input);
  }
  console.log(`\nrebuy score on an uplift bundle, peak RSS (median of ${runs} fresh processes run in turn):`);
  for (const format of FORMATS) {
    const [small, large] = SIZES.map((rows) => median(peaks.get(`${format} ${rows}`)!));
    console.log(`  ${format.padEnd(8)} 1M rows ${fmt(small!, 0)} MB, 4M rows ${fmt(large!, 0)} MB: 4M / 1M ${fmt(large! / small!, 2)} (target ≤ 1.10)`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
