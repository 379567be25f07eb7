import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FORBID_TRAINING_CODE, rebuy } from '../helpers/cli.js';
import { REAL_CSV, REAL_NOHEADER_CSV, realDataPresent } from '../helpers/paths.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rebuy-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function parseCsv(text: string): string[][] {
  return text.trim().split(/\r?\n/).map((line) => line.split(','));
}

describe('rebuy --help', () => {
  it('lists every command, and each command explains its flags', () => {
    const top = rebuy(['--help']);
    expect(top.code).toBe(0);
    for (const command of ['demo', 'prep', 'train', 'evaluate', 'score']) expect(top.stdout).toContain(command);
    const train = rebuy(['train', '--help']);
    expect(train.code).toBe(0);
    for (const option of ['--preset', '--hidden', '--batch', '--epochs', '--patience', '--balance', '--split', '--seed', '--json']) {
      expect(train.stdout).toContain(option);
    }
  });

  it('exits 2 on an unknown flag or a missing required one', () => {
    expect(rebuy(['train', '--bogus']).code).toBe(2);
    const missing = rebuy(['score', '--model', 'x']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--in/);
  });
});

describe('messages in the words of the command line', () => {
  it('names the flag where the library names its option', async () => {
    const custom = join(dir, 'custom.csv');
    await writeFile(custom, 'a,b,c\n1,2,0\n3,4,1\n');
    const unknownTarget = rebuy(['audit', '--data', custom, '--target', 'label']);
    expect(unknownTarget.code).toBe(2);
    expect(unknownTarget.stderr).toContain('no column named "label" (the --target option)');
    const noTarget = rebuy(['audit', '--data', join(dir, 'custom.csv')]);
    expect(noTarget.stderr).toContain('no target column: name it with the --target option');
    expect(noTarget.stderr).not.toContain('`');
  });

  it('rejects a bad --split and --data beside --train by their flags', () => {
    const split = rebuy(['prep', '--data', 'x.csv', '--out', join(dir, 'never'), '--split', '0.8,0.2']);
    expect(split.code).toBe(2);
    expect(split.stderr).toContain('rebuy: --split expects three comma-separated numbers train,valid,test');
    const both = rebuy(['train', '--data', 'a.csv', '--train', 'b.csv', '--out', join(dir, 'never')]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('rebuy: give either --data or --train/--valid/--test, not both');
    const neither = rebuy(['train', '--out', join(dir, 'never')]);
    expect(neither.stderr).toContain('rebuy: give --data FILE, or --train FILE and --valid FILE (and --test FILE)');
  });
});

describe('rebuy demo', () => {
  it('generates a synthetic sample, trains, saves a bundle and scores every customer', () => {
    const out = join(dir, 'demo');
    const result = rebuy(['demo', '--out', out, '--rows', '3000', '--seed', '5']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/SYNTHETIC/);
    expect(result.stderr).toMatch(/epoch\s+1\//);
    expect(result.stdout).toMatch(/balanced accuracy/);
    expect(result.stdout).toContain(join(out, 'scores.csv'));
    const scores = parseCsv(readFileSync(join(out, 'scores.csv'), 'utf8'));
    expect(scores[0]).toEqual(['id', 'probability', 'label', 'rank']);
    expect(scores).toHaveLength(3001);
    const probabilities = scores.slice(1).map((r) => Number(r[1]));
    for (let i = 1; i < probabilities.length; i++) expect(probabilities[i - 1]).toBeGreaterThanOrEqual(probabilities[i]!);
    expect(scores.slice(1).map((r) => Number(r[3]))).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
  });
});

describe.skipIf(!realDataPresent('the CLI on the real data', [REAL_CSV, REAL_NOHEADER_CSV]))('train, evaluate and score the real data from the command line', () => {
  const model = (): string => join(dir, 'real-model');

  beforeAll(() => {
    const result = rebuy(['train', '--data', REAL_CSV, '--out', model(), '--preset', '2x10', '--seed', '1', '--json']);
    expect(result.code, result.stderr).toBe(0);
  });

  it('train --json reports both models on both test parts, and the bundle holds the per-epoch history', async () => {
    const manifest = JSON.parse(await readFile(join(model(), 'manifest.json'), 'utf8'));
    expect(manifest.model.history.length).toBeGreaterThan(2);
    expect(manifest.model.history[0]).toHaveProperty('valLoss');
    expect(manifest.model.metrics.balancedTest.accuracy).toBeGreaterThan(0.72);
    expect(manifest.model.metrics.naturalTest.rocAuc).toBeGreaterThan(0.85);
    expect(manifest.baseline.kind).toBe('logistic');
    expect(manifest.data.rows).toBe(14_084);
    expect(manifest.data.synthetic).toBe(false);
  });

  it('evaluate prints a readable table, and --json the numbers', () => {
    const text = rebuy(['evaluate', '--model', model(), '--data', REAL_CSV]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/ROC-AUC/);
    const json = rebuy(['evaluate', '--model', model(), '--data', REAL_CSV, '--json']);
    const result = JSON.parse(json.stdout);
    expect(result.natural.n).toBe(14_084);
    expect(result.balanced.n).toBe(2 * 2237);
    expect(result.natural.rocAuc).toBeGreaterThan(0.85);
  });

  it('score keeps IDs as strings, ranks best first, and loads neither TF.js nor the ONNX builder', async () => {
    const out = join(dir, 'scores-noheader.csv');
    const result = rebuy(['score', '--model', model(), '--in', REAL_NOHEADER_CSV, '--out', out], { nodeArgs: FORBID_TRAINING_CODE });
    expect(result.code, result.stderr).toBe(0);
    const rows = parseCsv(await readFile(out, 'utf8'));
    expect(rows).toHaveLength(14_085);
    expect(rows.some((r) => r[0] === '00994')).toBe(true);
    // The hook really refuses both: training under it fails, and so does importing either directly.
    const control = rebuy(['train', '--data', REAL_CSV, '--out', join(dir, 'never')], { nodeArgs: FORBID_TRAINING_CODE });
    expect(control.code).not.toBe(0);
    expect(control.stderr).toMatch(/was loaded/);
    for (const [specifier, refusal] of [['@tensorflow/tfjs', /TF\.js was loaded/], ['onnx-proto', /the ONNX builder was loaded/]] as const) {
      const imported = spawnSync(process.execPath, [...FORBID_TRAINING_CODE, '--input-type=module', '-e', `await import('${specifier}')`], { encoding: 'utf8' });
      expect(imported.status).not.toBe(0);
      expect(imported.stderr).toMatch(refusal);
    }
  });

  it('score --reasons adds the top reasons in words', async () => {
    const input = join(dir, 'few.csv');
    await writeFile(input, (await readFile(REAL_CSV, 'utf8')).split('\r\n').slice(0, 21).join('\r\n'));
    const out = join(dir, 'reasons.csv');
    const result = rebuy(['score', '--model', model(), '--in', input, '--out', out, '--reasons', '2']);
    expect(result.code, result.stderr).toBe(0);
    const rows = parseCsv(await readFile(out, 'utf8'));
    expect(rows[0]).toEqual(['id', 'probability', 'label', 'rank', 'reason_1', 'reason_2']);
    expect(rows).toHaveLength(21);
    for (const row of rows.slice(1)) {
      expect(row.slice(4).join(' ')).toMatch(/(raises|lowers) the chance by \d+\.\d points?/);
    }
    expect(result.stdout).toMatch(/reasons: each fact's push in percentage points, compared with a typical customer, who has a [\d.]+ % chance/);
  });

  it('score --group names a fact for the reasons, and a column the model lacks is refused by name', async () => {
    const input = join(dir, 'few-grouped.csv');
    await writeFile(input, (await readFile(REAL_CSV, 'utf8')).split('\r\n').slice(0, 6).join('\r\n'));
    const out = join(dir, 'grouped.csv');
    const grouped = rebuy(['score', '--model', model(), '--in', input, '--out', out, '--reasons', '20', '--json', '--group', 'engagement=completion,minutes_listened,support_requests']);
    expect(grouped.code, grouped.stderr).toBe(0);
    expect(JSON.parse(grouped.stdout).reference.text).toMatch(/^compared with a typical customer/);
    const lines = (await readFile(out, 'utf8')).trim().split(/\r?\n/).slice(1);
    expect(lines).toHaveLength(5);
    // The group is one reason: its three columns in one quoted cell.
    for (const line of lines) expect(line).toMatch(/"completion = [^",]+, minutes_listened = [^",]+, support_requests = [^",]+: (raises|lowers) the chance/);
    const bad = rebuy(['score', '--model', model(), '--in', input, '--out', out, '--reasons', '2', '--group', 'x=completion,nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--group x: the model has no feature column "nope"/);
  });

  it('score writes Parquet when asked', async () => {
    const out = join(dir, 'scores.parquet');
    const result = rebuy(['score', '--model', model(), '--in', REAL_CSV, '--out', out, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).rows).toBe(14_084);
    const head = (await readFile(out)).subarray(0, 4).toString();
    expect(head).toBe('PAR1');
  });

  it('refuses a tampered bundle with exit 2 and writes nothing', async () => {
    const tampered = join(dir, 'tampered');
    await (await import('node:fs/promises')).cp(model(), tampered, { recursive: true });
    const onnx = await readFile(join(tampered, 'model.onnx'));
    onnx[onnx.length - 5] = onnx[onnx.length - 5]! ^ 1;
    await writeFile(join(tampered, 'model.onnx'), onnx);
    const out = join(dir, 'never.csv');
    const result = rebuy(['score', '--model', tampered, '--in', REAL_CSV, '--out', out]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/model\.onnx was altered/);
    expect(existsSync(out)).toBe(false);
  });

  it('a bad input file: exit 2, a message naming file, line, column and value, and no output file', async () => {
    const bad = join(dir, 'bad.csv');
    const lines = (await readFile(REAL_CSV, 'utf8')).split('\r\n').slice(0, 50);
    const fields = lines[7]!.split(',');
    fields[7] = 'lots';
    lines[7] = fields.join(',');
    await writeFile(bad, lines.join('\n'));
    const out = join(dir, 'bad-scores.csv');
    const result = rebuy(['score', '--model', model(), '--in', bad, '--out', out]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('bad.csv');
    expect(result.stderr).toMatch(/8/);
    expect(result.stderr).toMatch(/Completion|completion/);
    expect(result.stderr).toContain('lots');
    expect(existsSync(out)).toBe(false);
    const train = rebuy(['train', '--data', bad, '--out', join(dir, 'bad-model')]);
    expect(train.code).toBe(2);
    expect(existsSync(join(dir, 'bad-model'))).toBe(false);
    expect((await readdir(dir)).some((f) => f.includes('partial'))).toBe(false);
  });

  it('a missing file: exit 2 naming it', () => {
    const result = rebuy(['evaluate', '--model', model(), '--data', join(dir, 'nope.csv')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('nope.csv');
  });

  it('prep writes the parts as npz and CSV that train reads back as --train/--valid/--test', async () => {
    const out = join(dir, 'parts');
    const prep = rebuy(['prep', '--data', REAL_CSV, '--out', out, '--balance', 'first', '--seed', '2', '--json']);
    expect(prep.code, prep.stderr).toBe(0);
    const result = JSON.parse(prep.stdout);
    expect(result.parts.map((p: { rows: number }) => p.rows).reduce((a: number, b: number) => a + b, 0)).toBe(2 * 2237);
    for (const name of ['train', 'validation', 'test']) {
      expect((await readFile(join(out, `${name}.npz`))).subarray(0, 2).toString()).toBe('PK');
    }
    const train = rebuy([
      'train', '--train', join(out, 'train.csv'), '--valid', join(out, 'validation.csv'), '--test', join(out, 'test.csv'),
      '--out', join(dir, 'own-split-model'), '--preset', '2x10', '--json',
    ]);
    expect(train.code, train.stderr).toBe(0);
    const manifest = JSON.parse(await readFile(join(dir, 'own-split-model', 'manifest.json'), 'utf8'));
    expect(manifest.data.trainRows).toBe(result.parts[0].rows);
    expect(manifest.model.metrics.balancedTest.accuracy).toBeGreaterThan(0.7);
  });
});
