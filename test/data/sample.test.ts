import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTable } from '../../src/data/read.js';
import { drawCustomer, generateAudiobooksSample, SYNTHETIC_NOTE } from '../../src/data/sample.js';
import { AUDIOBOOKS_HEADER, AUDIOBOOKS_REVIEW_FILL, AUDIOBOOKS_SCHEMA } from '../../src/domain/audiobooks.js';
import type { Table } from '../../src/core/table.js';
import { createRng } from '../../src/core/random.js';

let dir: string;
let table: Table;
const ROWS = 20_000;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rebuy-sample-'));
  const path = join(dir, 'synthetic-audiobooks.csv');
  await writeFile(path, generateAudiobooksSample({ rows: ROWS, seed: 11 }));
  table = await readTable(path);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const values = (name: string): Float64Array => table.numeric.get(name)!;
/** Rows where `test` holds (for asserting that none do). */
const rowsWhere = (test: (i: number) => boolean): number[] => Array.from({ length: ROWS }, (_, i) => i).filter(test);
const share = (xs: ArrayLike<number>, test: (x: number, i: number) => boolean): number =>
  Array.from(xs).filter(test).length / xs.length;

describe('generateAudiobooksSample', () => {
  it('has the published header, CRLF line endings and one row per customer', () => {
    const text = generateAudiobooksSample({ rows: 3, seed: 1 });
    const lines = text.split('\r\n');
    expect(lines[0]).toBe(AUDIOBOOKS_HEADER.join(','));
    expect(lines).toHaveLength(5);
    expect(lines[4]).toBe('');
    expect(text.replace(/\r\n/g, '')).not.toContain('\n');
    expect(lines.slice(1, 4).map((l) => l.split(',')[0])).toEqual(['1', '2', '3']);
  });

  it('is deterministic under the seed', () => {
    expect(generateAudiobooksSample({ rows: 50, seed: 3 })).toBe(generateAudiobooksSample({ rows: 50, seed: 3 }));
    expect(generateAudiobooksSample({ rows: 50, seed: 3 })).not.toBe(generateAudiobooksSample({ rows: 50, seed: 4 }));
  });

  it('reads back as the Audiobooks schema', () => {
    expect(table.schema).toEqual(AUDIOBOOKS_SCHEMA);
    expect(table.nRows).toBe(ROWS);
    expect(table.ids[ROWS - 1]).toBe(String(ROWS));
  });

  it('says it is synthetic', () => {
    expect(SYNTHETIC_NOTE).toMatch(/synthetic/i);
  });
});

describe('the synthetic distributions', () => {
  it('has about 16 % positives', () => {
    expect(share(table.target!, (y) => y === 1)).toBeGreaterThan(0.12);
    expect(share(table.target!, (y) => y === 1)).toBeLessThan(0.2);
  });

  it('uses a few discrete book lengths, with total ≥ per-book and an integer ratio', () => {
    const perBook = values('book_length_overall');
    const total = values('book_length_avg');
    const common = new Set([1188, 1620, 2160]);
    expect(share(perBook, (x) => common.has(x))).toBeGreaterThan(0.7);
    const books = (i: number): number => total[i]! / perBook[i]!;
    expect(rowsWhere((i) => total[i]! < perBook[i]! || Math.abs(books(i) - Math.round(books(i))) > 1e-3)).toEqual([]);
    const price = values('price_overall');
    const priceTotal = values('price_avg');
    expect(rowsWhere((i) => Math.abs(priceTotal[i]! / price[i]! - books(i)) > 0.01)).toEqual([]);
  });

  it('reviews about one customer in six, filling 8.91 otherwise', () => {
    const review = values('review');
    const score = values('review_score');
    expect(share(review, (r) => r === 1)).toBeCloseTo(0.16, 1);
    expect(rowsWhere((i) => (review[i] === 0 ? score[i] !== AUDIOBOOKS_REVIEW_FILL : !(score[i]! >= 1)))).toEqual([]);
  });

  it('keeps completion in 0..1 with many zeros, and minutes = completion × total length', () => {
    const completion = values('completion');
    const minutes = values('minutes_listened');
    const total = values('book_length_avg');
    expect(share(completion, (c) => c === 0)).toBeGreaterThan(0.5);
    expect(rowsWhere((i) => !(completion[i]! >= 0 && completion[i]! <= 1))).toEqual([]);
    expect(rowsWhere((i) => Math.abs(minutes[i]! - completion[i]! * total[i]!) > 0.05)).toEqual([]);
  });

  it('has mostly no support requests and a long tail of days since the last visit', () => {
    expect(share(values('support_requests'), (s) => s === 0)).toBeGreaterThan(0.9);
    const days = values('last_visit_days');
    expect(share(days, (d) => d === 0)).toBeCloseTo(0.39, 1);
    expect(Math.max(...days)).toBeGreaterThan(300);
  });

  it('links the features to the target: listeners rarely buy again, multi-book buyers often do', () => {
    const y = table.target!;
    const completion = values('completion');
    const books = Float64Array.from(values('book_length_avg'), (t, i) => t / values('book_length_overall')[i]!);
    const rate = (pick: (i: number) => boolean): number => {
      let n = 0;
      let pos = 0;
      for (let i = 0; i < ROWS; i++) if (pick(i)) (n++, (pos += y[i]!));
      return pos / n;
    };
    expect(rate((i) => completion[i]! > 0)).toBeLessThan(0.08);
    expect(rate((i) => completion[i] === 0)).toBeGreaterThan(0.2);
    expect(rate((i) => books[i]! > 1.5)).toBeGreaterThan(0.35);
  });

  it('draws a customer from the shared seeded generator', () => {
    expect(drawCustomer(createRng(5))).toEqual(drawCustomer(createRng(5)));
  });
});
