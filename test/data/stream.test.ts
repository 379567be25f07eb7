import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTable, streamTable, type TableChunk } from '../../src/data/read.js';
import { AUDIOBOOKS_SCHEMA } from '../../src/domain/audiobooks.js';
import { type TableSchema } from '../../src/core/schema.js';
import { RebuyError } from '../../src/errors.js';

const REAL_CSV = resolve(process.cwd(), '../shared/data/audiobooks.csv');
const REAL_NOHEADER_CSV = resolve(process.cwd(), '../shared/data/audiobooks_original_noheader.csv');
const haveRealData = existsSync(REAL_CSV) && existsSync(REAL_NOHEADER_CSV);
if (!haveRealData) console.warn(`skipping the streamTable tests on the real Audiobooks files: ${REAL_CSV} is absent`);
/** A test that reads the real Audiobooks files (../shared/data), skipped when they are absent. */
const itWithRealData = it.skipIf(!haveRealData);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rebuy-stream-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(chunks: AsyncIterable<TableChunk>): Promise<TableChunk[]> {
  const out: TableChunk[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return out;
}

function concatNumeric(chunks: TableChunk[], name: string): number[] {
  return chunks.flatMap((c) => [...c.numeric.get(name)!]);
}

describe('streamTable', () => {
  itWithRealData('yields the real file in chunks that add up to readTable', async () => {
    const table = await readTable(REAL_CSV);
    const chunks = await collect(streamTable(REAL_CSV, AUDIOBOOKS_SCHEMA, { chunkRows: 5000 }));
    expect(chunks.map((c) => c.nRows)).toEqual([5000, 5000, 4084]);
    expect(chunks.map((c) => c.firstRow)).toEqual([0, 5000, 10000]);
    expect(chunks.flatMap((c) => c.ids)).toEqual(table.ids);
    for (const f of AUDIOBOOKS_SCHEMA.features) expect(concatNumeric(chunks, f.name), f.name).toEqual([...table.numeric.get(f.name)!]);
    for (const c of chunks) {
      expect(c.ids).toHaveLength(c.nRows);
      for (const values of c.numeric.values()) expect(values).toHaveLength(c.nRows);
    }
  });

  itWithRealData('streams the header-less original file with its zero-padded IDs', async () => {
    const chunks = await collect(streamTable(REAL_NOHEADER_CSV, AUDIOBOOKS_SCHEMA, { chunkRows: 2048 }));
    expect(chunks.reduce((n, c) => n + c.nRows, 0)).toBe(14084);
    expect(chunks[0]!.ids[0]).toBe('00994');
  });

  it('numbers rows across chunks when the schema has no ID', async () => {
    const path = join(dir, 'noid.csv');
    await writeFile(path, 'x,plan\n1,a\n2,\n3,c\n4,d\n5,e\n');
    const schema: TableSchema = {
      name: 'custom',
      id: null,
      target: null,
      features: [
        { name: 'x', kind: 'numeric' },
        { name: 'plan', kind: 'categorical' },
      ],
    };
    const chunks = await collect(streamTable(path, schema, { chunkRows: 2 }));
    expect(chunks.map((c) => c.ids)).toEqual([['1', '2'], ['3', '4'], ['5']]);
    expect(chunks.flatMap((c) => c.categorical.get('plan')!)).toEqual(['a', null, 'c', 'd', 'e']);
  });

  itWithRealData('stops cleanly when the consumer breaks early', async () => {
    let seen = 0;
    for await (const chunk of streamTable(REAL_CSV, AUDIOBOOKS_SCHEMA, { chunkRows: 1000 })) {
      seen += chunk.nRows;
      if (seen >= 2000) break;
    }
    expect(seen).toBe(2000);
    expect((await readTable(REAL_CSV)).nRows).toBe(14084);
  });

  it('fails on a missing column before yielding anything', async () => {
    const path = join(dir, 'missing.csv');
    await writeFile(path, 'ID,Completion\n1,0.5\n');
    const err = await collect(streamTable(path, AUDIOBOOKS_SCHEMA)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RebuyError);
    expect(err).toMatchObject({ code: 'INPUT_INVALID', exitCode: 2, location: { file: path, line: 1, column: 'book_length_overall' } });
  });

  itWithRealData('reports non-numeric and non-finite values deep in the file with their line', async () => {
    const lines = (await readFile(REAL_CSV, 'utf8')).split('\r\n');
    const edit = (lineNo: number, value: string): string =>
      lines.map((l, i) => (i === lineNo - 1 ? l.replace(/^([^,]*,[^,]*,[^,]*),[^,]*/, `$1,${value}`) : l)).join('\r\n');
    for (const [lineNo, value] of [[11000, 'twelve'], [7001, 'inf']] as const) {
      const path = join(dir, `bad-${lineNo}.csv`);
      await writeFile(path, edit(lineNo, value));
      const err = await collect(streamTable(path, AUDIOBOOKS_SCHEMA, { chunkRows: 3000 })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RebuyError);
      expect(err).toMatchObject({ code: 'INPUT_INVALID', location: { file: path, line: lineNo, column: 'Price_overall', value } });
      expect((err as Error).message).toContain(`${path}:${lineNo}`);
    }
  });

  itWithRealData('reports the first of two bad values, whichever kind comes first', async () => {
    const lines = (await readFile(REAL_CSV, 'utf8')).split('\r\n');
    const withBad = (bad: Record<number, string>): string =>
      lines.map((l, i) => (bad[i + 1] ? l.replace(/^([^,]*,[^,]*,[^,]*),[^,]*/, `$1,${bad[i + 1]}`) : l)).join('\r\n');
    for (const [bad, first] of [
      [{ 3000: 'abc', 8001: 'inf' }, [3000, 'abc']],
      [{ 3000: 'inf', 8001: 'abc' }, [3000, 'inf']],
      [{ 14085: 'nan' }, [14085, 'nan']],
    ] as const) {
      const path = join(dir, `two-${first[0]}-${first[1]}.csv`);
      await writeFile(path, withBad(bad));
      await expect(collect(streamTable(path, AUDIOBOOKS_SCHEMA, { chunkRows: 1000 }))).rejects.toMatchObject({
        location: { line: first[0], column: 'Price_overall', value: first[1] },
      });
    }
  });

  it('keeps rows whole when quoted fields hold line breaks in a file of several MB', async () => {
    const path = join(dir, 'quoted-breaks.csv');
    const rows = Array.from({ length: 60_000 }, (_, i) => `${i},"note ${i}\nsecond line, with comma",${i % 2}`);
    await writeFile(path, `id,note,target\n${rows.join('\n')}\n`);
    const table = await readTable(path);
    expect(table.nRows).toBe(60_000);
    const notes = table.categorical.get('note')!;
    expect(notes.findIndex((note, i) => note !== `note ${i}\nsecond line, with comma`)).toBe(-1);
    const chunks = await collect(streamTable(path, table.schema, { chunkRows: 7000 }));
    expect(chunks.flatMap((c) => c.ids)).toEqual(table.ids);
  });

  it('reports a quote left open instead of ending early', async () => {
    const path = join(dir, 'open-quote.csv');
    const rows = Array.from({ length: 5000 }, (_, i) => `${i},${i === 4000 ? '"half' : 'note'},${i % 7}`);
    await writeFile(path, `id,note,x\n${rows.join('\n')}\n`);
    const schema: TableSchema = {
      name: 'custom',
      id: 'id',
      target: null,
      features: [
        { name: 'note', kind: 'categorical' },
        { name: 'x', kind: 'numeric' },
      ],
    };
    await expect(collect(streamTable(path, schema, { chunkRows: 1000 }))).rejects.toMatchObject({
      code: 'MALFORMED',
      exitCode: 2,
      location: { file: path, line: 4002, value: '4000,"half,3' },
    });
  });

  it('rejects a header-only file', async () => {
    const path = join(dir, 'header-only.csv');
    await writeFile(path, 'ID,x\n');
    const schema: TableSchema = { name: 'custom', id: 'ID', target: null, features: [{ name: 'x', kind: 'numeric' }] };
    await expect(collect(streamTable(path, schema))).rejects.toMatchObject({ code: 'INPUT_INVALID', location: { line: 2 } });
  });
});
