import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTable } from '../../src/data/read.js';
import { duplicatePair } from '../../src/data/read/validate.js';
import { AUDIOBOOKS_SCHEMA } from '../../src/domain/audiobooks.js';
import { type TableSchema } from '../../src/core/schema.js';
import type { Table } from '../../src/core/table.js';
import { writeParquet } from '../../src/data/write.js';
import { REAL_CSV, REAL_NOHEADER_CSV, realDataPresent } from '../helpers/paths.js';

const FIXTURES = resolve('test/fixtures/data');
const realData = realDataPresent('readTable on the real data', [REAL_CSV, REAL_NOHEADER_CSV]);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rebuy-read-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fileWith(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

const column = (table: Table, name: string): number[] => [...table.numeric.get(name)!];
const sum = (values: ArrayLike<number>): number => Array.from(values).reduce((a, b) => a + b, 0);

describe('readTable on the Audiobooks fixtures', () => {
  it('reads the published layout (header, CRLF) with canonical column names', async () => {
    const table = await readTable(join(FIXTURES, 'handmade-audiobooks-small.csv'));
    expect(table.nRows).toBe(5);
    expect(table.schema).toEqual(AUDIOBOOKS_SCHEMA);
    expect(table.ids).toEqual(['101', '102', '103', '104', '105']);
    expect([...table.target!]).toEqual([0, 1, 0, 0, 1]);
    expect(column(table, 'book_length_avg')).toEqual([1188, 4320, 648, 1620, 1080]);
    expect(column(table, 'completion')).toEqual([0.5, 0, 0.25, 1, 0]);
    expect(column(table, 'minutes_listened')).toEqual([594, 0, 162, 1620, 0]);
    expect(column(table, 'last_visit_days')).toEqual([0, 35, 120, 7, 210]);
    expect(table.categorical.size).toBe(0);
    expect(table.firstDataLine).toBe(2);
  });

  it('reads the header-less original layout and keeps zero-padded IDs', async () => {
    const table = await readTable(join(FIXTURES, 'handmade-audiobooks-small-noheader.csv'));
    expect(table.schema.name).toBe('audiobooks');
    expect(table.ids).toEqual(['00101', '00102', '00103', '00104', '00105']);
    expect(column(table, 'price_avg')).toEqual([5.33, 16, 10.13, 6.4, 15.98]);
    expect(table.firstDataLine).toBe(1);
  });

  it('maps other spellings and column orders to the same table', async () => {
    const a = await readTable(join(FIXTURES, 'handmade-audiobooks-small.csv'));
    const b = await readTable(join(FIXTURES, 'handmade-audiobooks-alt-spellings.csv'));
    expect(b.schema).toEqual(a.schema);
    expect(b.ids).toEqual(a.ids);
    expect([...b.target!]).toEqual([...a.target!]);
    for (const f of AUDIOBOOKS_SCHEMA.features) expect(column(b, f.name)).toEqual(column(a, f.name));
  });

  it('reads a file without final newline, LF or CRLF alike', async () => {
    const lf = await fileWith('lf.csv', 'a,b,target\n1,2,0\n3,4,1');
    const crlf = await fileWith('crlf.csv', 'a,b,target\r\n1,2,0\r\n3,4,1');
    for (const path of [lf, crlf]) {
      const table = await readTable(path);
      expect(column(table, 'a')).toEqual([1, 3]);
      expect(column(table, 'b')).toEqual([2, 4]);
      expect([...table.target!]).toEqual([0, 1]);
    }
  });
});

describe.skipIf(!realData)('readTable on the real data', () => {
  it('reads both real files to the same 14,084 rows and 2,237 positives', async () => {
    const withHeader = await readTable(REAL_CSV);
    const original = await readTable(REAL_NOHEADER_CSV);
    for (const table of [withHeader, original]) {
      expect(table.nRows).toBe(14084);
      expect(sum(table.target!)).toBe(2237);
      expect(table.schema.name).toBe('audiobooks');
    }
    expect(withHeader.ids[0]).toBe('994');
    expect(original.ids[0]).toBe('00994');
    expect(original.ids.map((id) => String(Number(id)))).toEqual(withHeader.ids);
    for (const f of AUDIOBOOKS_SCHEMA.features) {
      expect(column(original, f.name), f.name).toEqual(column(withHeader, f.name));
    }
    expect(withHeader.numeric.get('review_score')![1]).toBe(8.91);
  });
});

describe('readTable on other tables', () => {
  it('infers numeric and categorical columns and uses --id/--target', async () => {
    const table = await readTable(join(FIXTURES, 'custom-churn.csv'), { id: 'customer', target: 'churned' });
    expect(table.schema).toEqual({
      name: 'custom',
      id: 'customer',
      target: 'churned',
      features: [
        { name: 'plan', kind: 'categorical' },
        { name: 'region', kind: 'categorical' },
        { name: 'monthly_spend', kind: 'numeric' },
        { name: 'visits', kind: 'numeric' },
      ],
    });
    expect(table.ids).toEqual(['C-001', 'C-002', 'C-003', 'C-004']);
    expect(table.categorical.get('plan')).toEqual(['gold', 'basic', null, 'gold']);
    expect(table.categorical.get('region')).toEqual(['North, East', 'South', 'West', 'Say "hi"']);
    expect(column(table, 'monthly_spend')).toEqual([42.5, 9.99, 19.5, NaN]);
    expect(column(table, 'visits')).toEqual([12, NaN, 3, 7]);
    expect([...table.target!]).toEqual([0, 1, 0, 1]);
  });

  it('numbers rows 1, 2, … when there is no ID column', async () => {
    const path = await fileWith('noid.csv', 'x,target\n5,1\n6,0\n7,1\n');
    const table = await readTable(path);
    expect(table.schema.id).toBeNull();
    expect(table.ids).toEqual(['1', '2', '3']);
  });

  it('finds columns named id/target without flags', async () => {
    const path = await fileWith('named.csv', 'Id,x,Target\n007,1.5,1\n008,2.5,0\n');
    const table = await readTable(path);
    expect(table.schema).toMatchObject({ id: 'Id', target: 'Target' });
    expect(table.ids).toEqual(['007', '008']);
  });

  it('accepts targets written as 0.0 and 1.0', async () => {
    const path = await fileWith('float-target.csv', 'x,target\n1,1.0\n2,0.0\n');
    expect([...(await readTable(path)).target!]).toEqual([1, 0]);
  });

  it('reads without a target when requireTarget is false', async () => {
    const path = await fileWith('no-target.csv', 'x,y\n1,2\n');
    const table = await readTable(path, { requireTarget: false });
    expect(table.target).toBeNull();
    expect(table.schema.target).toBeNull();
  });

  it('names the columns of a header-less custom file column1, column2, …', async () => {
    const path = await fileWith('nh.csv', '1,2.5,0\n2,3.5,1\n');
    const table = await readTable(path, { id: 'column1', target: 'column3' });
    expect(table.schema.features).toEqual([{ name: 'column2', kind: 'numeric' }]);
    expect(table.ids).toEqual(['1', '2']);
  });

  it('skips blank lines but reports the file line of a later problem', async () => {
    const path = await fileWith('blank.csv', 'x,target\n1,0\n\n2,1\n\n');
    expect((await readTable(path)).nRows).toBe(2);
    const bad = await fileWith('blank-bad.csv', 'x,target\n1,0\n\n2,5\n');
    await expect(readTable(bad)).rejects.toMatchObject({ location: { line: 4, value: '5' } });
  });

  it('reads a blank line in a one-column file as a missing value, as DuckDB does', async () => {
    const path = await fileWith('one-column.csv', 'x\n1\n\n2\n');
    const table = await readTable(path, { requireTarget: false });
    expect(column(table, 'x')).toEqual([1, NaN, 2]);
  });

  it('strips a UTF-8 byte order mark from the header', async () => {
    const path = await fileWith('bom.csv', '\uFEFFid,x,target\n1,2,0\n');
    expect((await readTable(path)).schema.id).toBe('id');
  });
});

describe('readTable with a trained schema (scoring)', () => {
  it('reads the schema columns in any order and ignores extra columns', async () => {
    const path = await fileWith(
      'score.csv',
      'extra,Last visited after Purchase date ,Support request,Listened(mins),Completion,Review ?/10,Review,Price_avg,Price_overall,Book length(mins)_avg,Book length(mins)_overall,ID\n' +
        'z,3,0,10,0.5,8.91,0,5,5,20,20,77\n',
    );
    const table = await readTable(path, { schema: AUDIOBOOKS_SCHEMA });
    expect(table.target).toBeNull();
    expect(table.schema).toBe(AUDIOBOOKS_SCHEMA);
    expect(table.ids).toEqual(['77']);
    expect(column(table, 'completion')).toEqual([0.5]);
    expect(column(table, 'last_visit_days')).toEqual([3]);
  });

  it('reads the target when present and requires it when asked', async () => {
    const table = await readTable(join(FIXTURES, 'handmade-audiobooks-small.csv'), { schema: AUDIOBOOKS_SCHEMA });
    expect([...table.target!]).toEqual([0, 1, 0, 0, 1]);
    const noTarget = await fileWith('nt.csv', 'id,plan\n1,a\n');
    const schema: TableSchema = { name: 'custom', id: 'id', target: 'y', features: [{ name: 'plan', kind: 'categorical' }] };
    expect((await readTable(noTarget, { schema })).target).toBeNull();
    await expect(readTable(noTarget, { schema, requireTarget: true })).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      location: { column: 'y', line: 1 },
    });
  });

  it('reads a header-less file with the original layout minus the target', async () => {
    const path = await fileWith('nh11.csv', '00007,20,20,5,5,0,8.91,0.5,10,0,3\n');
    const table = await readTable(path, { schema: AUDIOBOOKS_SCHEMA });
    expect(table.ids).toEqual(['00007']);
    expect(table.target).toBeNull();
  });

  it('reads a custom schema column as categorical even when it looks numeric', async () => {
    const path = await fileWith('cat.csv', 'id,code\n1,10\n2,\n');
    const schema: TableSchema = { name: 'custom', id: 'id', target: null, features: [{ name: 'code', kind: 'categorical' }] };
    expect((await readTable(path, { schema })).categorical.get('code')).toEqual(['10', null]);
  });
});

describe('readTable on Parquet', () => {
  it('reads what writeParquet wrote, recognising the Audiobooks header', async () => {
    const csv = await readTable(join(FIXTURES, 'handmade-audiobooks-small.csv'));
    const path = join(dir, 'small.parquet');
    await writeParquet(path, [
      { name: 'ID', values: csv.ids },
      ...AUDIOBOOKS_SCHEMA.features.map((f) => ({ name: f.name, values: csv.numeric.get(f.name)! })),
      { name: 'Targets', values: csv.target! },
    ]);
    const table = await readTable(path);
    expect(table.schema).toEqual(AUDIOBOOKS_SCHEMA);
    expect(table.ids).toEqual(csv.ids);
    expect([...table.target!]).toEqual([...csv.target!]);
    for (const f of AUDIOBOOKS_SCHEMA.features) expect(column(table, f.name)).toEqual(column(csv, f.name));
  });

  it('infers kinds, keeps missing values, and reads .pq too', async () => {
    const path = join(dir, 'custom.pq');
    await writeParquet(path, [
      { name: 'key', values: ['a', 'b', 'c'] },
      { name: 'amount', values: [1.5, NaN, 3] },
      { name: 'level', values: ['x', null, '7'] },
      { name: 'label', values: [1, 0, 1] },
    ]);
    const table = await readTable(path, { id: 'key', target: 'label' });
    expect(table.schema.features).toEqual([
      { name: 'amount', kind: 'numeric' },
      { name: 'level', kind: 'categorical' },
    ]);
    expect(column(table, 'amount')).toEqual([1.5, NaN, 3]);
    expect(table.categorical.get('level')).toEqual(['x', null, '7']);
    expect(table.firstDataLine).toBe(1);
  });
});

describe('duplicatePair', () => {
  it('finds the first repeated ID by its second occurrence', () => {
    expect(duplicatePair(['5', '3', '9', '3', '5'])).toEqual([1, 3]);
    expect(duplicatePair(['a', 'b', 'a'])).toEqual([0, 2]);
    expect(duplicatePair(['0099', '0100', '0099'])).toEqual([0, 2]);
  });

  it('keeps IDs apart that are equal only as numbers', () => {
    expect(duplicatePair(['007', '7', '0007'])).toBeNull();
    expect(duplicatePair(['1', '01'])).toBeNull();
    expect(duplicatePair(['12345678901234567', '12345678901234568'])).toBeNull();
    expect(duplicatePair(['1', '2', '3'])).toBeNull();
    expect(duplicatePair([])).toBeNull();
  });
});
