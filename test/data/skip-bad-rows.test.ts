import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamTable, type BadRow, type TableChunk } from '../../src/data/read.js';
import { AUDIOBOOKS_HEADER, AUDIOBOOKS_SCHEMA } from '../../src/domain/audiobooks.js';
import { sqlString } from '../../src/data/duckdb.js';
import { withConnection } from '../../src/data/read/connection.js';
import type { TableSchema } from '../../src/core/schema.js';

const ROW = (id: string, price = '19.73'): string => `${id},1620,1620,${price},19.73,1,10,0.99,1603.8,5,92,0`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rebuy-skip-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function streamSkipping(path: string, schema: TableSchema = AUDIOBOOKS_SCHEMA): Promise<{ ids: string[]; bad: BadRow[]; chunks: TableChunk[] }> {
  let bad: BadRow[] = [];
  const chunks: TableChunk[] = [];
  for await (const chunk of streamTable(path, schema, { chunkRows: 2, skipBadRows: true, onBadRows: (rows) => (bad = rows) })) chunks.push(chunk);
  return { ids: chunks.flatMap((c) => c.ids), bad, chunks };
}

describe('streamTable with skipBadRows', () => {
  it('streams the good rows and hands over every bad one with its line, column, value and reason', async () => {
    const path = join(dir, 'mixed-bag.csv');
    const lines = [
      AUDIOBOOKS_HEADER.join(','),
      ROW('1'),
      ROW('2', 'abc'),
      ROW('3').split(',').slice(0, 10).join(','),
      ROW('4', '1e39'),
      ROW(''),
      `${ROW('6')},extra`,
      ROW('7', 'NaN'),
      ROW('8'),
    ];
    await writeFile(path, `${lines.join('\n')}\n`);
    const { ids, bad } = await streamSkipping(path);
    expect(ids).toEqual(['1', '8']);
    expect(bad.map((b) => [b.line, b.column, b.reason])).toEqual([
      [3, 'Price_overall', 'not a number'],
      [4, 'Last visited after Purchase date ', 'too few fields: 10, expected 12'],
      [5, 'Price_overall', 'beyond ±3.4e38, the range of numbers the model takes'],
      [6, 'ID', 'missing customer ID'],
      [7, null, 'too many fields: 13, expected 12'],
      [8, 'Price_overall', 'NaN is not a number the model takes (leave the value empty when it is missing)'],
    ]);
    expect(bad[0]!.value).toBe('abc');
    expect(bad[2]!.value).toBe('1e39');
  });

  it('finds the line of a bad value after rows DuckDB skipped, in a file with quotes', async () => {
    const path = join(dir, 'quoted.csv');
    const lines = [AUDIOBOOKS_HEADER.join(','), '"x',  'y",1', ROW('"2"'), ROW('3', '-inf'), ROW('4')];
    await writeFile(path, `${lines.join('\n')}\n`);
    const { ids, bad } = await streamSkipping(path);
    expect(ids).toEqual(['2', '4']);
    expect(bad.map((b) => [b.line, b.column, b.value, b.reason])).toEqual([
      [2, 'Book length(mins)_avg', null, 'too few fields: 2, expected 12'],
      [5, 'Price_overall', '-inf', 'not a finite number'],
    ]);
  });

  it('skips a Parquet row with a value the model cannot take, by row number', async () => {
    const path = join(dir, 'bad.parquet');
    await withConnection(async (con) => {
      await con.run(`COPY (SELECT * FROM (VALUES ('a', 1.0), ('b', 'NaN'::DOUBLE), ('c', NULL)) t(id, spend)) TO ${sqlString(path)} (FORMAT parquet)`);
    });
    const schema: TableSchema = { name: 'custom', id: 'id', target: null, features: [{ name: 'spend', kind: 'numeric' }] };
    const { ids, bad } = await streamSkipping(path, schema);
    expect(ids).toEqual(['a', 'c']);
    expect(bad).toEqual([{ line: 2, column: 'spend', value: 'nan', reason: expect.stringMatching(/^NaN is not/) }]);
  });
});
