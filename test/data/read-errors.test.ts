import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RebuyError } from '../../src/errors.js';
import { readTable, streamTable } from '../../src/data/read.js';
import { AUDIOBOOKS_HEADER, AUDIOBOOKS_SCHEMA } from '../../src/domain/audiobooks.js';
import { type TableSchema } from '../../src/core/schema.js';
import { writeParquet } from '../../src/data/write.js';
import { sqlString } from '../../src/data/duckdb.js';
import { withConnection } from '../../src/data/read/connection.js';
import { REAL_CSV, realDataPresent } from '../helpers/paths.js';

const realData = realDataPresent('read errors deep inside the real file');
const HEADER = AUDIOBOOKS_HEADER.join(',');
const ROW_A = '994,1620,1620,19.73,19.73,1,10,0.99,1603.8,5,92,0';
const ROW_B = '1143,2160,2160,5.33,5.33,0,8.91,0,0,0,0,1';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rebuy-read-errors-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
async function fileWith(content: string | Uint8Array, ext = 'csv'): Promise<string> {
  const path = join(dir, `case-${++counter}.${ext}`);
  await writeFile(path, content);
  return path;
}

interface Expected {
  line?: number;
  column?: string;
  value?: string;
  problem: RegExp;
}

/** The read fails with an InputError (exit code 2) whose message names file, line, column and value. */
async function expectInputError(read: Promise<unknown>, file: string, expected: Expected): Promise<RebuyError> {
  const err = await read.then(
    () => expect.fail('expected the read to fail'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RebuyError);
  const error = err as RebuyError;
  // Broken structure (quotes, field counts, encoding, emptiness) is MALFORMED (HTTP 400); bad values INPUT_INVALID (422).
  expect(['INPUT_INVALID', 'MALFORMED']).toContain(error.code);
  expect(error.exitCode).toBe(2);
  expect(error.message).toMatch(expected.problem);
  expect(error.message).toContain(file);
  expect(error.location.file).toBe(file);
  if (expected.line !== undefined) {
    expect(error.message).toContain(`${file}:${expected.line}`);
    expect(error.location.line).toBe(expected.line);
  }
  if (expected.column !== undefined) {
    expect(error.message).toContain(JSON.stringify(expected.column));
    expect(error.location.column).toBe(expected.column);
  }
  if (expected.value !== undefined) {
    expect(error.message).toContain(`(value ${JSON.stringify(expected.value)})`);
    expect(error.location.value).toBe(expected.value);
  }
  return error;
}

describe('missing and unknown columns', () => {
  it('names a missing required column and lists the columns found', async () => {
    const header = AUDIOBOOKS_HEADER.filter((h) => h !== 'Completion');
    const path = await fileWith(`${header.join(',')}\n994,1620,1620,19.73,19.73,1,10,1603.8,5,92,0\n`);
    const err = await expectInputError(readTable(path, { schema: AUDIOBOOKS_SCHEMA }), path, {
      line: 1,
      column: 'completion',
      problem: /missing required column "completion"/,
    });
    expect(err.message).toContain('"Listened(mins)"');
    expect(err.message).toContain('"Support request"');
  });

  it('requires the target column for training', async () => {
    const path = await fileWith(`${AUDIOBOOKS_HEADER.slice(0, -1).join(',')}\n${ROW_A.slice(0, -2)}\n`);
    await expectInputError(readTable(path), path, { line: 1, column: 'target', problem: /missing required column "target"/ });
  });

  it('asks for the target option when a custom table has none', async () => {
    const path = await fileWith('a,b\n1,2\n');
    await expectInputError(readTable(path), path, { line: 1, problem: /no target column: name it with the `target` option/ });
  });

  it('rejects an unknown target or ID column, naming the option and listing the columns', async () => {
    const path = await fileWith('a,b,c\n1,2,0\n');
    const err = await expectInputError(readTable(path, { target: 'label' }), path, {
      line: 1,
      column: 'label',
      problem: /no column named "label" \(the `target` option\)/,
    });
    expect(err.message).toContain('"a", "b", "c"');
    await expectInputError(readTable(path, { target: 'c', id: 'key' }), path, {
      line: 1,
      column: 'key',
      problem: /\(the `id` option\)/,
    });
  });

  it('rejects a header that names a column twice', async () => {
    const path = await fileWith('a,b,a,target\n1,2,3,0\n');
    await expectInputError(readTable(path), path, { line: 1, column: 'a', problem: /appears twice \(columns 1 and 3\)/ });
  });

  it('rejects a header that names a model\'s column twice, under one spelling or two', async () => {
    const row = AUDIOBOOKS_HEADER.map((_, i) => (i === AUDIOBOOKS_HEADER.length - 1 ? '0' : String(i + 1))).join(',');
    const twice = await fileWith(`${AUDIOBOOKS_HEADER.join(',')},ID\n${row},99\n`);
    const n = AUDIOBOOKS_HEADER.length;
    await expectInputError(readTable(twice, { schema: AUDIOBOOKS_SCHEMA }), twice, { line: 1, column: 'ID', problem: new RegExp(`appears twice \\(columns 1 and ${n + 1}\\)`) });
    const spellings = await fileWith(`${AUDIOBOOKS_HEADER.join(',')},customer_id\n${row},99\n`);
    await expectInputError(readTable(spellings, { schema: AUDIOBOOKS_SCHEMA }), spellings, { line: 1, column: 'customer_id', problem: /columns 1 \("ID"\) and 13 \("customer_id"\) both name the column id/ });
  });
});

describe('bad values', () => {
  it('reports a non-numeric value in a numeric column', async () => {
    const path = await fileWith(`${HEADER}\n${ROW_A}\n1143,2160,2160,abc,5.33,0,8.91,0,0,0,0,1\n`);
    await expectInputError(readTable(path), path, { line: 3, column: 'Price_overall', value: 'abc', problem: /not a number/ });
  });

  it.each([
    ['inf', /^(?!.*3\.4e38).*not a finite number/],
    ['-Infinity', /^(?!.*3\.4e38).*not a finite number/],
    ['nan', /^(?!.*3\.4e38).*NaN is not a number the model takes/],
    ['1e999', /beyond ±3\.4e38/],
    ['-4e38', /beyond ±3\.4e38/],
  ])('rejects the value %j the model cannot take, saying why', async (bad, problem) => {
    const path = await fileWith(`${HEADER}\r\n${ROW_A}\r\n${ROW_B}\r\n1143,2160,2160,5.33,5.33,0,8.91,${bad},0,0,0,1\r\n`);
    await expectInputError(readTable(path), path, { line: 4, column: 'Completion', value: bad, problem });
  });

  it('mentions the model\'s range only when a value is beyond it', async () => {
    const path = await fileWith(`${HEADER}\n${ROW_A}\n1143,2160,2160,abc,5.33,0,8.91,0,0,0,0,1\n`);
    const err = await expectInputError(readTable(path), path, { line: 3, column: 'Price_overall', value: 'abc', problem: /not a number/ });
    expect(err.message).not.toContain('3.4e38');
  });

  it('reports the line of a bad value in a header-less file by its column name', async () => {
    const path = await fileWith('00994,1620,1620,19.73,19.73,1,10.00,0.99,1603.80,5,92,0\r\n01143,2160,2160,5.33,5.33,0,8.91,x,0.00,0,0,0');
    await expectInputError(readTable(path), path, { line: 2, column: 'completion', value: 'x', problem: /not a number/ });
  });

  it.each(['2', '0.5', '-1', 'yes'])('rejects the target value %j', async (bad) => {
    const path = await fileWith(`${HEADER}\n${ROW_A}\n${ROW_B.slice(0, -1)}${bad}\n`);
    await expectInputError(readTable(path), path, { line: 3, column: 'Targets', value: bad, problem: /target must be 0 or 1/ });
  });

  it('rejects a missing target value', async () => {
    const path = await fileWith(`${HEADER}\n${ROW_A}\n${ROW_B.slice(0, -1)}\n`);
    await expectInputError(readTable(path), path, { line: 3, column: 'Targets', value: '', problem: /missing target value/ });
  });

  it('rejects a missing customer ID', async () => {
    const path = await fileWith(`${HEADER}\n${ROW_A}\n${ROW_B.replace('1143', '')}\n`);
    await expectInputError(readTable(path), path, { line: 3, column: 'ID', value: '', problem: /missing customer ID/ });
  });

  it('names both lines of a duplicate customer ID', async () => {
    const path = await fileWith(`${HEADER}\n${ROW_A}\n${ROW_B}\n${ROW_A}\n`);
    await expectInputError(readTable(path), path, { line: 4, column: 'ID', value: '994', problem: /duplicate customer ID \(also on line 2\)/ });
  });

  it('reports a bad value in a numeric column of a custom schema when scoring', async () => {
    const schema: TableSchema = { name: 'custom', id: null, target: null, features: [{ name: 'spend', kind: 'numeric' }] };
    const path = await fileWith('spend,plan\n1,a\n2,b\nlots,c\n');
    await expectInputError(readTable(path, { schema }), path, { line: 4, column: 'spend', value: 'lots', problem: /not a number/ });
  });
});

describe('malformed files', () => {
  it('rejects a file that does not exist (FILE_NOT_FOUND, exit code 2)', async () => {
    const path = join(dir, 'nope.csv');
    const err = await readTable(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RebuyError);
    expect(err).toMatchObject({ code: 'FILE_NOT_FOUND', exitCode: 2, location: { file: path } });
    expect((err as Error).message).toContain(path);
  });

  it('rejects a directory', async () => {
    const path = join(dir, 'a-directory.csv');
    await mkdir(path);
    await expectInputError(readTable(path), path, { problem: /not a regular file/ });
  });

  it.each([
    ['an empty file', ''],
    ['a file of blank lines', '\n\r\n\n'],
  ])('rejects %s', async (_, content) => {
    const path = await fileWith(content);
    await expectInputError(readTable(path), path, { line: 1, problem: /the file is empty/ });
  });

  it('rejects a header-only file', async () => {
    const path = await fileWith(`${HEADER}\r\n`);
    await expectInputError(readTable(path), path, { line: 2, problem: /no data rows/ });
    const custom = await fileWith('a,target\n');
    await expectInputError(readTable(custom), custom, { line: 2, problem: /no data rows/ });
  });

  it('rejects a blank first line', async () => {
    const path = await fileWith(`\n${HEADER}\n${ROW_A}\n`);
    await expectInputError(readTable(path), path, { line: 1, problem: /first line is empty/ });
  });

  it('reports a row with too few fields, naming the first missing column', async () => {
    const path = await fileWith(`${HEADER}\r\n${ROW_A}\r\n1143,2160,2160,5.33,5.33,0,8.91,0,0,0\r\n`);
    await expectInputError(readTable(path), path, {
      line: 3,
      column: 'Last visited after Purchase date ',
      value: '1143,2160,2160,5.33,5.33,0,8.91,0,0,0',
      problem: /too few fields: 10, expected 12/,
    });
  });

  it('reports a row with too many fields and the extra value', async () => {
    const path = await fileWith(`${HEADER}\n${ROW_A}\n${ROW_B},7\n`);
    await expectInputError(readTable(path), path, { line: 3, value: '7', problem: /too many fields: 13, expected 12/ });
  });

  it('reports bytes that are not UTF-8, in any column', async () => {
    const bytes = (text: string, at: number, bad: number[]): Buffer =>
      Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from(bad), Buffer.from(text.slice(at))]);
    const third = `${HEADER}\n${ROW_A}\n${ROW_B}\n`;
    const inId = await fileWith(bytes(third, third.indexOf('1143'), [0xff, 0xfe]));
    await expectInputError(readTable(inId), inId, { line: 3, column: 'ID', value: '\uFFFD\uFFFD1143', problem: /not UTF-8/ });
    const inNumber = await fileWith(bytes(third, third.indexOf(',5.33'), [0xe9]));
    await expectInputError(readTable(inNumber), inNumber, { line: 3, column: 'Book length(mins)_avg', problem: /not UTF-8/ });
    const inHeader = await fileWith(bytes('plan,target\n1,0\n', 2, [0xe9]));
    await expectInputError(readTable(inHeader), inHeader, { line: 1, column: 'column1', value: 'pl\u00e9an', problem: /not UTF-8/ });
  });

  it('names the likely encoding of bytes that are not UTF-8, and how to convert them', async () => {
    const latin = await fileWith(Buffer.from(`${HEADER}\n${ROW_A}\nM\u00fcller,2160,2160,5.33,5.33,0,8.91,0,0,0,0,1\n`, 'latin1'));
    const err = await expectInputError(readTable(latin), latin, { line: 3, column: 'ID', value: 'M\u00fcller', problem: /looks like WINDOWS-1252/ });
    expect(err.message).toContain(`iconv -f WINDOWS-1252 -t UTF-8 ${latin}`);
    const utf16 = await fileWith(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`x,target\n1,0\n`, 'utf16le')]));
    await expectInputError(readTable(utf16), utf16, { line: 1, problem: /looks like UTF-16LE.*iconv -f UTF-16LE -t UTF-8/ });
  });

  it('reads a file whose lines end in LF in some places and CRLF in others', async () => {
    const mixed = await fileWith(`${HEADER}\r\n${ROW_A}\r\n${ROW_B}\n${ROW_A.replace('994', '995')}\r\n`);
    const table = await readTable(mixed);
    expect(table.ids).toEqual(['994', '1143', '995']);
    expect(Array.from(table.numeric.get('price_overall')!)).toEqual([19.73, 5.33, 19.73]);
  });

  it('still refuses too many fields in a file with mixed line ends', async () => {
    const mixed = await fileWith(`${HEADER}\r\n${ROW_A}\n${ROW_B},7\r\n`);
    await expectInputError(readTable(mixed), mixed, { line: 3, value: '7', problem: /too many fields: 13, expected 12/ });
  });

  it('says that lines ending in CR alone are an old format, and how to convert', async () => {
    const cr = await fileWith(`${HEADER}\r${ROW_A}\r${ROW_B}\r`);
    await expectInputError(readTable(cr), cr, { line: 1, problem: /carriage return alone.*tr '\\r' '\\n'/ });
  });

  it('names a quote inside a header name instead of counting every line as one record', async () => {
    const path = await fileWith(`${HEADER.replace('Review ?/10', 'Review "?/10')}\n${ROW_A}\n${ROW_B}\n`);
    const err = await expectInputError(readTable(path), path, { line: 1, column: 'column7', value: 'Review "?/10', problem: /a quote inside the column name 7/ });
    expect(err.message).not.toMatch(/expected \d+ fields/);
  });

  it('reports a quote that is never closed, or a stray quote, instead of dropping rows', async () => {
    const open = await fileWith('x,target\n1,0\n"2,1\n3,0\n');
    await expectInputError(readTable(open), open, { line: 3, value: '"2,1', problem: /unbalanced quotes/ });
    const stray = await fileWith('x,note,target\n1,ok,0\n2,5" tall,1\n3,fine,0\n');
    await expectInputError(readTable(stray), stray, { line: 3, value: '2,5" tall,1', problem: /unbalanced quotes/ });
  });

  it('reports a quote left open after a stray one (an even count of quotes), last line without newline', async () => {
    // Found by the server's property test: DuckDB dropped this row without an error.
    const path = await fileWith(`${HEADER}\n${ROW_A}\n-","`);
    await expectInputError(readTable(path), path, { line: 3, value: '-","', problem: /unbalanced quotes/ });
    const streamed = (async () => {
      for await (const _ of streamTable(path, AUDIOBOOKS_SCHEMA)) void _;
    })();
    await expectInputError(streamed, path, { line: 3, value: '-","', problem: /unbalanced quotes/ });
  });

  it('reports the physical line when a quoted field spans lines', async () => {
    const path = await fileWith('note,target\n"two\nlines",0\nok,2\n');
    await expectInputError(readTable(path), path, { line: 4, column: 'target', value: '2', problem: /target must be 0 or 1/ });
  });
});

describe.skipIf(!realData)('errors deep inside the real file', () => {
  let lines: string[];
  beforeAll(async () => {
    lines = (await readFile(REAL_CSV, 'utf8')).split('\r\n');
  });

  const withLine = (lineNo: number, edit: (line: string) => string): string =>
    lines.map((l, i) => (i === lineNo - 1 ? edit(l) : l)).join('\r\n');

  it('finds a non-numeric value on line 12,345', async () => {
    const path = await fileWith(withLine(12345, (l) => l.replace(/,([^,]*),([^,]*)$/, ',n/a,$2')));
    await expectInputError(readTable(path), path, {
      line: 12345,
      column: 'Last visited after Purchase date ',
      value: 'n/a',
      problem: /not a number/,
    });
  });

  it('finds a bad target on line 9,000 and a duplicate ID on the last line', async () => {
    const badTarget = await fileWith(withLine(9000, (l) => l.replace(/,0$|,1$/, ',3')));
    await expectInputError(readTable(badTarget), badTarget, { line: 9000, column: 'Targets', value: '3', problem: /target must be 0 or 1/ });
    const firstId = lines[1]!.split(',')[0]!;
    const duplicate = await fileWith(withLine(14085, (l) => l.replace(/^\d+/, firstId)));
    await expectInputError(readTable(duplicate), duplicate, {
      line: 14085,
      column: 'ID',
      value: firstId,
      problem: /duplicate customer ID \(also on line 2\)/,
    });
  });

  it('reports the earliest of several problems of different kinds', async () => {
    const both = (first: [number, (l: string) => string], second: [number, (l: string) => string]): string =>
      lines.map((l, i) => (i === first[0] - 1 ? first[1](l) : i === second[0] - 1 ? second[1](l) : l)).join('\r\n');
    const ragged: [number, (l: string) => string] = [14000, (l) => `${l},extra`];
    const text: [number, (l: string) => string] = [100, (l) => l.replace(/^(\d+),\d+/, '$1,long')];
    const target: [number, (l: string) => string] = [50, (l) => l.replace(/,0$|,1$/, ',2')];
    const a = await fileWith(both(text, ragged));
    await expectInputError(readTable(a), a, { line: 100, column: 'Book length(mins)_overall', value: 'long', problem: /not a number/ });
    const b = await fileWith(both(target, text));
    await expectInputError(readTable(b), b, { line: 50, column: 'Targets', value: '2', problem: /target must be 0 or 1/ });
    const c = await fileWith(both(text, [200, (l) => l.replace(/,0$|,1$/, ',2')]));
    await expectInputError(readTable(c), c, { line: 100, value: 'long', problem: /not a number/ });
  });

  it('finds a ragged row on line 14,000', async () => {
    const path = await fileWith(withLine(14000, (l) => `${l},extra`));
    await expectInputError(readTable(path), path, { line: 14000, value: 'extra', problem: /too many fields/ });
  });
});

describe('Parquet errors', () => {
  it('rejects a file that is not Parquet', async () => {
    const path = await fileWith(`${HEADER}\n${ROW_A}\n`, 'parquet');
    await expectInputError(readTable(path), path, { problem: /not a readable Parquet file/ });
  });

  it('reports a non-numeric text value by row number', async () => {
    const path = join(dir, 'text.parquet');
    await writeParquet(path, [
      { name: 'spend', values: ['1.5', '2', 'lots'] },
      { name: 'target', values: [0, 1, 0] },
    ]);
    const schema: TableSchema = { name: 'custom', id: null, target: 'target', features: [{ name: 'spend', kind: 'numeric' }] };
    await expectInputError(readTable(path, { schema }), path, { line: 3, column: 'spend', value: 'lots', problem: /not a number/ });
  });

  it.each([
    ['infinite', Infinity, /not a finite number/],
    ['beyond float32', 1e39, /beyond ±3\.4e38/],
  ])('refuses a number the model cannot take (%s) in a numeric Parquet column', async (_, bad, problem) => {
    const path = join(dir, `numeric-${bad}.parquet`);
    await writeParquet(path, [
      { name: 'spend', values: [1.5, 2, bad] },
      { name: 'target', values: [0, 1, 0] },
    ]);
    const err = await readTable(path).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(RebuyError);
    expect((err as RebuyError).location).toMatchObject({ file: path, line: 3, column: 'spend' });
    expect((err as RebuyError).message).toMatch(problem);
  });

  it('refuses NaN in a numeric Parquet column, as a CSV file\'s `NaN` is refused (null is missing)', async () => {
    const path = join(dir, 'numeric-nan.parquet');
    await withConnection(async (con) => {
      await con.run(
        `COPY (SELECT * FROM (VALUES (1.5, 0), (NULL, 1), ('NaN'::DOUBLE, 0)) t(spend, target)) TO ${sqlString(path)} (FORMAT parquet)`,
      );
    });
    const err = await readTable(path).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(RebuyError);
    expect((err as RebuyError).location).toMatchObject({ file: path, line: 3, column: 'spend' });
    expect((err as RebuyError).message).toMatch(/NaN is not a number the model takes/);
  });

  it('reads empty text as missing in a text Parquet column of numbers', async () => {
    const path = join(dir, 'text-missing.parquet');
    await writeParquet(path, [
      { name: 'spend', values: ['1.5', ' ', null] },
      { name: 'target', values: [0, 1, 0] },
    ]);
    const schema: TableSchema = { name: 'custom', id: null, target: 'target', features: [{ name: 'spend', kind: 'numeric' }] };
    expect([...(await readTable(path, { schema })).numeric.get('spend')!]).toEqual([1.5, NaN, NaN]);
  });

  it('reports a bad target by row number', async () => {
    const path = join(dir, 'target.parquet');
    await writeParquet(path, [
      { name: 'x', values: [1, 2, 3] },
      { name: 'target', values: [0, 1, 4] },
    ]);
    await expectInputError(readTable(path), path, { line: 3, column: 'target', value: '4.0', problem: /target must be 0 or 1/ });
  });
});
