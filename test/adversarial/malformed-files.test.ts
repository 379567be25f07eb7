/**
 * The malformed-file corpus, through the command line: `rebuy score` on each bad CSV or Parquet file
 * ends with exit 2 and one line naming the file, the line (the row for Parquet), the column where
 * there is one and the bad value; nothing is written and no temporary file or spill directory is left.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withConnection } from '../../src/data/read/connection.js';
import { sqlString } from '../../src/data/duckdb.js';
import { generateAudiobooksSample } from '../../src/data/sample.js';
import { writeParquet, type OutputColumn } from '../../src/data/write.js';
import { AUDIOBOOKS_COLUMNS } from '../../src/domain/audiobooks.js';
import { CLI } from '../helpers/paths.js';

const COLUMNS = AUDIOBOOKS_COLUMNS.filter((c) => c !== 'target');
const HEADER = COLUMNS.join(',');
const row = (id: string | number, ...overrides: [number, string][]): string => {
  const values = [String(id), '1620', '1620', '19.73', '19.73', '1', '10', '0.99', '1603.8', '5', '92'];
  for (const [at, value] of overrides) values[at] = value;
  return values.join(',');
};
const csv = (...lines: string[]): string => `${lines.join('\n')}\n`;
const BIG = 2 << 20;

interface Case {
  content: string | Uint8Array;
  /** The line named (the row for Parquet), or null when the file as a whole is not readable. */
  line: number | null;
  /** The column named, or null when the problem is the line's (its field count, a quote). */
  column: string | null;
  problem: RegExp;
  /** The bad value, as the message quotes its start. */
  value?: string;
}

/** The cases the issue names (points 6 and 10) and the other ways a CSV file goes wrong. */
const CSV_CASES: Record<string, Case> = {
  'hexadecimal number': { content: csv(HEADER, row(1), row(2, [1, '0x10'])), line: 3, column: 'book_length_overall', problem: /not a number/, value: '0x10' },
  'binary number': { content: csv(HEADER, row(1), row(2, [2, '0b101'])), line: 3, column: 'book_length_avg', problem: /not a number/, value: '0b101' },
  'NaN (refused, as in Parquet)': { content: csv(HEADER, row(1), row(2, [3, 'NaN'])), line: 3, column: 'price_overall', problem: /NaN is not a number the model takes/, value: 'NaN' },
  infinity: { content: csv(HEADER, row(1), row(2, [4, 'Infinity'])), line: 3, column: 'price_avg', problem: /not a finite number/, value: 'Infinity' },
  'beyond float32': { content: csv(HEADER, row(1), row(2, [1, '1e39'])), line: 3, column: 'book_length_overall', problem: /beyond ±3\.4e38/, value: '1e39' },
  'text in a number column': { content: csv(HEADER, row(1), row(2), row(3, [6, 'ten'])), line: 4, column: 'review_score', problem: /not a number/, value: 'ten' },
  'a formula in a number column': { content: csv(HEADER, row(1), row(2, [1, '=1+1'])), line: 3, column: 'book_length_overall', problem: /not a number/, value: '=1+1' },
  'a NUL byte in a number': { content: csv(HEADER, row(1), row(2, [1, '16\u000020'])), line: 3, column: 'book_length_overall', problem: /not a number/ },
  'CR-only line ends': { content: `${HEADER}\r${row(1)}\r${row(2)}\r`, line: 1, column: null, problem: /carriage return alone.*convert with/ },
  'a quote in the header': { content: csv(HEADER.replace('book_length_overall', 'book "length"'), row(1)), line: 1, column: 'column2', problem: /a quote inside the column name/ },
  'too many fields': { content: csv(HEADER, row(1), `${row(2)},7`), line: 3, column: null, problem: /too many fields: 12, expected 11/, value: '7' },
  'too few fields': { content: csv(HEADER, row(1), '3,1620,1620,19.73'), line: 3, column: 'price_avg', problem: /too few fields: 4, expected 11/ },
  'a quote never closed': { content: csv(HEADER, row(1), `"${row(3)}`, row(4)), line: 3, column: null, problem: /not closed on this line/ },
  'a stray quote': { content: csv(HEADER, row(1), row(3, [1, '16"20'])), line: 3, column: 'book_length_overall', problem: /not a number/, value: '16"20' },
  'an over-long ID': { content: csv(HEADER, row(1), row('x'.repeat(BIG))), line: 3, column: 'id', problem: /field too long: 2,097,152 bytes/ },
  'an over-long last field': { content: csv(HEADER, row(1), row(3, [10, '9'.repeat(BIG)])), line: 3, column: 'last_visit_days', problem: /field too long: 2,097,152 bytes/ },
  // A line of exactly the header's 12 fields, one of them long: the long field is named, not a field count.
  'a 12-field line with a long field': {
    content: csv(`${HEADER},target`, `${row(1)},0`, `${row(2, [3, '1'.repeat(BIG)])},1`),
    line: 3,
    column: 'price_overall',
    problem: /field too long/,
  },
  'a missing customer ID': { content: csv(HEADER, row(1), row('')), line: 3, column: 'id', problem: /missing customer ID/ },
  'a missing column': { content: csv('id,book_length_overall', '1,2'), line: 1, column: 'book_length_avg', problem: /missing required column "book_length_avg"/ },
  'Windows-1252 text': {
    content: Buffer.concat([Buffer.from(`${HEADER}\n${row(1)}\n`), Buffer.from('caf\xe9', 'latin1'), Buffer.from(`${row('')}\n`)]),
    line: 3,
    column: 'id',
    problem: /not UTF-8.*WINDOWS-1252.*iconv/,
  },
  'UTF-16': { content: Buffer.from(`\ufeff${csv(HEADER, row(1))}`, 'utf16le'), line: 1, column: 'column1', problem: /not UTF-8.*UTF-16LE.*iconv/ },
  'an empty file': { content: '', line: 1, column: null, problem: /the file is empty/ },
  'a header alone': { content: csv(HEADER), line: 2, column: null, problem: /no data rows/ },
  'a blank first line': { content: `\n${csv(HEADER, row(1))}`, line: 1, column: null, problem: /the first line is empty/ },
};

type ParquetCase = Omit<Case, 'content'> & { write: (path: string) => Promise<void> };

/** The Audiobooks columns of `rows` good customers, with one column's values replaced. */
function parquetColumns(rows: number, replace: Record<string, (number | string | null)[]> = {}): OutputColumn[] {
  return COLUMNS.map((name, i) => ({
    name,
    values: replace[name] ?? Array.from({ length: rows }, (_, r) => (i === 0 ? String(r + 1) : Number(row(r).split(',')[i]))),
  }));
}

const PARQUET_CASES: Record<string, ParquetCase> = {
  // Parquet's NaN is refused as CSV's is; a null is a missing value.
  'NaN (refused, as in CSV)': {
    write: (path) =>
      withConnection(async (con) => {
        const cols = COLUMNS.map((c) => (c === 'id' ? `'c' || i::VARCHAR AS id` : c === 'price_overall' ? `CASE WHEN i = 3 THEN 'NaN'::DOUBLE WHEN i = 2 THEN NULL ELSE 19.73 END AS ${c}` : `1.0::DOUBLE AS ${c}`));
        await con.run(`COPY (SELECT ${cols.join(', ')} FROM range(1, 4) t(i) ORDER BY i) TO ${sqlString(path)} (FORMAT parquet)`);
      }),
    line: 3,
    column: 'price_overall',
    problem: /NaN is not a number the model takes/,
  },
  'text in a number column': {
    write: (path) => writeParquet(path, parquetColumns(3, { completion: ['0.5', 'lots', '0.1'] })),
    line: 2,
    column: 'completion',
    problem: /not a number/,
    value: 'lots',
  },
  infinity: {
    write: (path) => writeParquet(path, parquetColumns(3, { review_score: [1, 2, Infinity] })),
    line: 3,
    column: 'review_score',
    problem: /not a finite number/,
  },
  'a missing customer ID': {
    write: (path) => writeParquet(path, parquetColumns(3, { id: ['a', null, 'c'] })),
    line: 2,
    column: 'id',
    problem: /missing customer ID/,
  },
  'a missing column': {
    write: (path) => writeParquet(path, parquetColumns(2).filter((c) => c.name !== 'support_requests')),
    line: 1,
    column: 'support_requests',
    problem: /missing required column "support_requests"/,
  },
  'bytes that are not Parquet': { write: (path) => writeFile(path, csv(HEADER, row(1))), line: null, column: null, problem: /not a readable Parquet file/ },
};

let root: string;
let model: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'rebuy-malformed-'));
  model = join(root, 'model');
  const data = join(root, 'train.csv');
  await writeFile(data, generateAudiobooksSample({ rows: 2000, seed: 3 }));
  const trained = spawnSync(process.execPath, [CLI, 'train', '--data', data, '--out', model, '--preset', '2x10', '--epochs', '2', '--no-baseline'], { encoding: 'utf8' });
  expect(trained.status, trained.stderr).toBe(0);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The two ways `rebuy score` reads a local file: the streaming ONNX path, and DuckDB running the compiled SQL. */
const SCORE_PATHS = ['onnx', 'sql'] as const;
type ScorePath = (typeof SCORE_PATHS)[number];

/** Runs `rebuy score` on `input` into a directory of its own, with a temp directory of its own. */
async function scoreBadFile(name: string, input: string, path: ScorePath): Promise<{ code: number | null; stderr: string; outDir: string; tmp: string }> {
  const outDir = join(root, `out-${name}`);
  const tmp = join(root, `tmp-${name}`);
  await mkdir(outDir);
  await mkdir(tmp);
  const child = spawn(process.execPath, [CLI, 'score', '--model', model, '--in', input, '--out', join(outDir, 'scores.csv'), '--path', path], {
    env: { ...process.env, TMPDIR: tmp },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((done) => child.once('close', done));
  return { code, stderr, outDir, tmp };
}

async function expectRefused(name: string, input: string, expected: Omit<Case, 'content'>, path: ScorePath): Promise<void> {
  const { code, stderr, outDir, tmp } = await scoreBadFile(`${name}-${path}`, input, path);
  expect(code, stderr).toBe(2);
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  const message = lines[0]!;
  expect(message.startsWith(`rebuy: ${input}:${expected.line ?? ' '}`), message).toBe(true);
  if (expected.column !== null) expect(message).toContain(`column "${expected.column}"`);
  expect(message).toMatch(expected.problem);
  if (expected.value !== undefined) expect(message).toContain(`(value ${JSON.stringify(expected.value)})`);
  expect(message).not.toMatch(/\n\s+at |internal error/);
  // Nothing written, nothing left behind.
  expect(await readdir(outDir)).toEqual([]);
  expect(await readdir(tmp)).toEqual([]);
}

describe.concurrent.each(SCORE_PATHS)('--path %s', (path) => {
  describe('a malformed CSV file: exit 2 naming the line, column and value; nothing written, nothing left', () => {
    it.each(Object.entries(CSV_CASES))('%s', async (name, { content, ...expected }) => {
      const slug = name.replace(/[^a-z0-9]+/gi, '-');
      const input = join(root, `${slug}-${path}.csv`);
      await writeFile(input, content);
      await expectRefused(`csv-${slug}`, input, expected, path);
    });
  });

  describe('a malformed Parquet file: exit 2 naming the row, column and value; nothing written, nothing left', () => {
    it.each(Object.entries(PARQUET_CASES))('%s', async (name, { write, ...expected }) => {
      const slug = name.replace(/[^a-z0-9]+/gi, '-');
      const input = join(root, `${slug}-${path}.parquet`);
      await write(input);
      await expectRefused(`parquet-${slug}`, input, expected, path);
    });
  });
});
