import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RebuyError } from '../../src/errors.js';
import { readTable, streamTable } from '../../src/data/read.js';
import { AUDIOBOOKS_HEADER, AUDIOBOOKS_SCHEMA } from '../../src/domain/audiobooks.js';
import { MAX_RECORD_BYTES, rawRecords } from '../../src/data/read/csv-scanner.js';

const HEADER = AUDIOBOOKS_HEADER.join(',');
const ROW = '994,1620,1620,19.73,19.73,1,10,0.99,1603.8,5,92,0';
const TAIL = ROW.slice(ROW.indexOf(','));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rebuy-long-lines-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
async function fileWith(content: string): Promise<string> {
  const path = join(dir, `case-${++counter}.csv`);
  await writeFile(path, content);
  return path;
}

async function failure(read: Promise<unknown>): Promise<RebuyError> {
  const err = await read.then(() => expect.fail('expected the read to fail'), (e: unknown) => e);
  expect(err).toBeInstanceOf(RebuyError);
  expect((err as RebuyError).exitCode).toBe(2);
  return err as RebuyError;
}

describe('long lines', () => {
  it('keeps at most the record limit of a long line, and knows its full length and line', async () => {
    const long = 'x'.repeat(3 * MAX_RECORD_BYTES + 17);
    const path = await fileWith(`a,b\n1,${long}\r\n2,3\n`);
    const records = [];
    for await (const r of rawRecords(path, true)) records.push({ line: r.line, kept: r.bytes.length, length: r.length, head: r.bytes.subarray(0, 3).toString() });
    expect(records).toEqual([
      { line: 1, kept: 3, length: 3, head: 'a,b' },
      { line: 2, kept: MAX_RECORD_BYTES, length: long.length + 2, head: '1,x' },
      { line: 3, kept: 3, length: 3, head: '2,3' },
    ]);
  });

  it('joins a quoted field across lines and chunks in order', async () => {
    const part = 'y'.repeat(1_500_000);
    const path = await fileWith(`a,b\n1,"${part}\n${part}"\n2,3\n`);
    const lines = [];
    for await (const r of rawRecords(path, true)) lines.push([r.line, r.length]);
    expect(lines).toEqual([[1, 3], [2, 2 + 2 * part.length + 3], [4, 3]]);
  });

  it('names the field that is too long: a 2 MB ID is the ID column, at its line', async () => {
    const path = await fileWith(`${HEADER}\n${ROW}\n${'9'.repeat(2_000_000)}${TAIL}\n${ROW}\n`);
    const err = await failure(readTable(path));
    expect(err.location).toMatchObject({ file: path, line: 3, column: 'ID' });
    expect(err.message).toMatch(/field too long: 2,000,000 bytes/);
    expect(err.message).not.toMatch(/too many fields/);
  });

  it('names a long field in the middle of a 12-field line, not "too many fields"', async () => {
    const fields = ROW.split(',');
    fields[5] = '1'.repeat(1_200_000);
    const path = await fileWith(`${HEADER}\n${ROW}\n${fields.join(',')}\n`);
    const err = await failure(readTable(path));
    expect(err.location).toMatchObject({ line: 3, column: 'Review' });
    expect(err.message).toMatch(/field too long: 1,200,000 bytes/);
  });

  it('names the long field whatever DuckDB reports first, also in a line of many megabytes', async () => {
    const path = await fileWith(`${HEADER}\n${ROW}\n1,${'9'.repeat(12_000_000)}${TAIL.slice(TAIL.indexOf(',', 1))}\n`);
    const err = await failure(readTable(path));
    expect(err.location).toMatchObject({ line: 3, column: 'Book length(mins)_overall' });
    expect(err.message).toMatch(/field too long: 12,000,000 bytes/);
  });

  it('says so for a header line that is too long, when streaming too', async () => {
    const path = await fileWith(`${'h'.repeat(MAX_RECORD_BYTES + 1)},b\n1,2\n`);
    const stream = (async () => {
      for await (const _ of streamTable(path, AUDIOBOOKS_SCHEMA)) void _;
    })();
    const err = await failure(stream);
    expect(err.location).toMatchObject({ line: 1, column: 'column1' });
    expect(err.message).toMatch(/field too long/);
  });
});
