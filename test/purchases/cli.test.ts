import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURES_DEFAULTS } from '../../src/config.js';
import { rebuy } from '../helpers/cli.js';
import { CDNOW, hasCdnow } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rebuy-features-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('rebuy features', () => {
  it('--help says that same-day purchases count as one', () => {
    const help = rebuy(['features', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Same-day purchases of one customer count as one transaction/);
    for (const flag of ['--transactions', '--customer', '--date', '--amount', '--columns', '--cutoff', '--horizon', '--allow-returns']) {
      expect(help.stdout).toContain(flag);
    }
    // The defaults shown are the ones in src/config.ts.
    expect(help.stdout).toContain(`(default: "${FEATURES_DEFAULTS.horizon}")`);
    expect(help.stdout).toContain(`(default: "${FEATURES_DEFAULTS.memoryLimit}")`);
  });

  it('exits 2 naming the flag and value on a memory limit DuckDB cannot take', async () => {
    const log = join(dir, 'ok.csv');
    await writeFile(log, 'customer,date\nA,2024-01-01\nA,2024-02-01\n');
    const run = rebuy(['features', '--transactions', log, '--customer', 'customer', '--date', 'date', '--cutoff', '2024-01-15', '--memory-limit', 'lots', '--out', join(dir, 'm.csv')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--memory-limit');
    expect(run.stderr).toContain('"lots"');
  });

  it.runIf(hasCdnow)('builds the CDNOW customer table from the header-less file', async () => {
    const out = join(dir, 'cdnow.csv');
    const args = ['--transactions', CDNOW, '--columns', 'full_id,id,date,cds,amount', '--customer', 'id', '--date', 'date', '--amount', 'amount'];
    const run = rebuy(['features', ...args, '--cutoff', '1997-09-30', '--horizon', '39w', '--out', out, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { customers: number; buyers: number; horizonDays: number };
    expect(result).toMatchObject({ customers: 2357, horizonDays: 273 });
    const lines = (await readFile(out, 'utf8')).trim().split('\n');
    expect(lines.length).toBe(2358);
    expect(lines[0]!.startsWith('id,frequency,recency,age,days_since_last')).toBe(true);
    expect(lines.slice(1).filter((l) => l.endsWith(',1')).length).toBe(result.buyers);
  });

  it('exits 2 with file, line, column and value on a bad date', async () => {
    const log = join(dir, 'bad.csv');
    await writeFile(log, 'customer,date\nA,2024-01-01\nA,01/02/2024\n');
    const run = rebuy(['features', '--transactions', log, '--customer', 'customer', '--date', 'date', '--cutoff', '2024-01-01', '--out', join(dir, 'x.csv')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${log}:3, column "date": not a date`);
    expect(run.stderr).toContain('"01/02/2024"');
  });
});
