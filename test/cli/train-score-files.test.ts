import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebuy } from '../helpers/cli.js';
import { REAL_CSV, realDataPresent } from '../helpers/paths.js';

const realData = realDataPresent('train verdict and score --skip-bad-rows at the prompt');

let dir: string;
let model: string;
let trained: { code: number | null; stdout: string; stderr: string };
let rows: string[];
let header: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rebuy-cli-files-'));
  if (!realData) return;
  model = join(dir, 'model');
  trained = rebuy(['train', '--data', REAL_CSV, '--out', model, '--preset', '2x10', '--epochs', '3']);
  [header, ...rows] = (await readFile(REAL_CSV, 'utf8')).trim().split(/\r?\n/).slice(0, 21) as [string, ...string[]];
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!realData)('at the prompt', () => {
  it('train ends with a verdict, the audit\'s most serious caveat and the next command', () => {
    expect(trained.code).toBe(0);
    expect(trained.stdout).toMatch(/verdict:\n {2}the network (beats|does not clearly beat|does worse than) the logistic-regression baseline: ROC-AUC on the natural mix/);
    expect(trained.stdout).toMatch(/95 % interval [+−]0\.\d{3} to [+−]0\.\d{3}, paired bootstrap/);
    expect(trained.stdout).toMatch(/most serious caveat from the audit \(problem\): /);
    expect(trained.stdout).toContain(`next: choose whom to contact: rebuy decide --model ${model} --contact-cost COST --value-per-return VALUE`);
  });

  it('score --skip-bad-rows scores the good rows, writes the bad ones with reasons beside the output, and counts them', async () => {
    const bad = rows.map((r, i) => (i === 2 ? r.replace(/^(\d+),(\d+)/, '$1,lots') : i === 5 ? r.split(',').slice(0, 9).join(',') : r));
    const input = join(dir, 'some-bad.csv');
    await writeFile(input, [header, ...bad].join('\n') + '\n');
    const out = join(dir, 'scores.csv');
    const strict = rebuy(['score', '--model', model, '--in', input, '--out', out]);
    expect(strict.code).toBe(2);
    expect(existsSync(out)).toBe(false);
    const result = rebuy(['score', '--model', model, '--in', input, '--out', out, '--skip-bad-rows']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`scored 18 customers`);
    expect(result.stdout).toContain(`skipped 2 bad rows (line, column, value and reason of each in ${join(dir, 'scores.bad-rows.csv')})`);
    expect((await readFile(join(dir, 'scores.bad-rows.csv'), 'utf8')).trim().split('\n')).toEqual([
      'line,column,value,reason',
      '4,Book length(mins)_overall,lots,not a number',
      '7,Support request,,"too few fields: 9, expected 12"',
    ]);
  });

  it('score reads a `;` file with decimal commas, by the flags or by itself', async () => {
    const european = (line: string): string => line.split(',').map((v) => v.replace('.', ',')).join(';');
    const input = join(dir, 'european.csv');
    await writeFile(input, [header, ...rows].map(european).join('\n') + '\n');
    const plain = join(dir, 'plain.csv');
    await writeFile(plain, [header, ...rows].join('\n') + '\n');
    const expected = rebuy(['score', '--model', model, '--in', plain, '--out', join(dir, 'plain-scores.csv')]);
    expect(expected.code).toBe(0);
    const flagged = rebuy(['score', '--model', model, '--in', input, '--out', join(dir, 'flagged.csv'), '--delimiter', ';', '--decimal', ',']);
    const detected = rebuy(['score', '--model', model, '--in', input, '--out', join(dir, 'detected.csv')]);
    expect([flagged.code, detected.code]).toEqual([0, 0]);
    const want = await readFile(join(dir, 'plain-scores.csv'), 'utf8');
    expect(await readFile(join(dir, 'flagged.csv'), 'utf8')).toBe(want);
    expect(await readFile(join(dir, 'detected.csv'), 'utf8')).toBe(want);
    expect(rebuy(['score', '--model', model, '--in', input, '--out', join(dir, 'x.csv'), '--delimiter', 'x']).code).toBe(2);
  });
});
