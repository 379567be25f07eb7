import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scoreFile } from '../../src/predict/score-file.js';
import { AUDIOBOOKS_HEADER } from '../../src/domain/audiobooks.js';
import { fakePredictor } from '../server/fakes.js';

const row = (id: string, minutes: number): string => `${id},1620,1620,19.73,19.73,1,10,0.99,${minutes},5,92,0`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rebuy-score-dups-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('duplicate IDs in a list to score', () => {
  it('are counted in the summary and marked in a duplicate_id column', async () => {
    const input = join(dir, 'dups.csv');
    await writeFile(input, [AUDIOBOOKS_HEADER.join(','), row('7', 1), row('8', 2), row('7', 3), row('9', 4), row('8', 5), row('7', 6)].join('\n') + '\n');
    const out = join(dir, 'dups-scores.csv');
    const summary = await scoreFile(fakePredictor(), input, out);
    expect(summary.duplicateIds).toEqual({ ids: 2, rows: 5, examples: ['7', '8'] });
    const [header, ...lines] = (await readFile(out, 'utf8')).trim().split('\n');
    expect(header).toBe('id,probability,label,rank,duplicate_id');
    const marks = new Map(lines.map((l) => l.split(',')).map((f) => [f[0], f[4]]));
    expect(Object.fromEntries(marks)).toEqual({ '7': '1', '8': '1', '9': '0' });
  });

  it('are the same when the IDs are checked a share at a time, as a long list is', async () => {
    const input = join(dir, 'dups-passes.csv');
    const ids = ['7', '8', '7', '9', '8', '7', '10', '11', '12', '11'];
    await writeFile(input, [AUDIOBOOKS_HEADER.join(','), ...ids.map((id, i) => row(id, i))].join('\n') + '\n');
    const whole = join(dir, 'dups-whole.csv');
    const shares = join(dir, 'dups-shares.csv');
    const once = await scoreFile(fakePredictor(), input, whole);
    // Two rows per pass: five passes, each over the IDs whose hash falls in its share.
    const inPasses = await scoreFile(fakePredictor(), input, shares, { duplicateCheckRows: 2 });
    expect(inPasses.duplicateIds).toEqual({ ids: 3, rows: 7, examples: ['7', '8', '11'] });
    expect(inPasses.duplicateIds).toEqual(once.duplicateIds);
    expect(await readFile(shares, 'utf8')).toBe(await readFile(whole, 'utf8'));
  });

  it('leave a list without repeats in its usual four columns', async () => {
    const input = join(dir, 'unique.csv');
    await writeFile(input, [AUDIOBOOKS_HEADER.join(','), row('1', 1), row('2', 2)].join('\n') + '\n');
    const out = join(dir, 'unique-scores.csv');
    const summary = await scoreFile(fakePredictor(), input, out);
    expect(summary.duplicateIds).toEqual({ ids: 0, rows: 0, examples: [] });
    expect((await readFile(out, 'utf8')).split('\n')[0]).toBe('id,probability,label,rank');
  });
});

describe('a large list whose IDs repeat', () => {
  it('is scored within a small memory limit: finding and marking the repeats spills to disk like the ranking', async () => {
    // 200,000 IDs, each on two rows. At 24 MB, marking them with IN (a mark join, which did not spill)
    // and collecting every repeated ID into one list ran out of DuckDB's memory; 200,000 distinct IDs did not.
    const ids = 200_000;
    const input = join(dir, 'many-dups.csv');
    const body = Array.from({ length: ids }, (_, i) => row(String(i + 1), i % 97)).join('\n');
    await writeFile(input, `${AUDIOBOOKS_HEADER.join(',')}\n${body}\n${body}\n`);
    const out = join(dir, 'many-dups-scores.csv');
    const summary = await scoreFile(fakePredictor(), input, out, { memoryLimit: '24MB' });
    expect(summary.duplicateIds).toEqual({ ids, rows: 2 * ids, examples: ['1', '2', '3'] });
    const lines = (await readFile(out, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('id,probability,label,rank,duplicate_id');
    expect(lines).toHaveLength(2 * ids + 1);
    expect(lines.slice(1).every((l) => l.endsWith(',1'))).toBe(true);
  });
});
