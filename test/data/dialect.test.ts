import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RebuyError } from '../../src/errors.js';
import { readTable, streamTable } from '../../src/data/read.js';
import { AUDIOBOOKS_HEADER, AUDIOBOOKS_SCHEMA } from '../../src/domain/audiobooks.js';

const ROWS = ['994,1620,1620,19.73,19.73,1,10,0.99,1603.8,5,92,0', '1143,2160,2160,5.33,5.33,0,8.91,0,0,0,0,1'];

/** A row as a European spreadsheet writes it: `;` between fields, a comma for the decimal point. */
function european(row: string): string {
  return row.split(',').map((v) => v.replace('.', ',')).join(';');
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rebuy-dialect-'));
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
  return err as RebuyError;
}

describe('separators and decimal marks', () => {
  it('detects a `;`-separated file with decimal commas', async () => {
    const path = await fileWith(`${AUDIOBOOKS_HEADER.join(';')}\n${ROWS.map(european).join('\n')}\n`);
    const table = await readTable(path);
    expect(table.ids).toEqual(['994', '1143']);
    expect(Array.from(table.numeric.get('price_overall')!)).toEqual([19.73, 5.33]);
    expect(Array.from(table.numeric.get('minutes_listened')!)).toEqual([1603.8, 0]);
  });

  it('reads the separator and decimal mark it is told, also when streaming', async () => {
    const path = await fileWith(`${AUDIOBOOKS_HEADER.join('|')}\n${ROWS.map((r) => european(r).replaceAll(';', '|')).join('\n')}\n`);
    const table = await readTable(path, { delimiter: '|', decimal: ',' });
    expect(Array.from(table.numeric.get('completion')!)).toEqual([0.99, 0]);
    const chunks = [];
    for await (const chunk of streamTable(path, AUDIOBOOKS_SCHEMA, { delimiter: '|', decimal: ',' })) chunks.push(chunk);
    expect(Array.from(chunks[0]!.numeric.get('price_avg')!)).toEqual([19.73, 5.33]);
  });

  it('keeps decimal points in a `;`-separated file that uses them', async () => {
    const path = await fileWith(`${AUDIOBOOKS_HEADER.join(';')}\n${ROWS.map((r) => r.replaceAll(',', ';')).join('\n')}\n`);
    const table = await readTable(path);
    expect(Array.from(table.numeric.get('price_overall')!)).toEqual([19.73, 5.33]);
  });

  it('names a bad value of a `;` file by its column, as read with that separator', async () => {
    const bad = european(ROWS[1]!).replace(';5,33;', ';abc;');
    const path = await fileWith(`${AUDIOBOOKS_HEADER.join(';')}\n${european(ROWS[0]!)}\n${bad}\n`);
    const err = await failure(readTable(path));
    expect(err.location).toMatchObject({ line: 3, column: 'Price_overall', value: 'abc' });
  });

  it('says the separator looks like `;` when the header mixes separators, instead of only "missing column"', async () => {
    const header = AUDIOBOOKS_HEADER.join(';').replace(';Price_avg', ',Price_avg');
    const path = await fileWith(`${header}\n${european(ROWS[0]!)}\n`);
    const err = await failure(readTable(path));
    expect(err.message).toMatch(/separator looks like ";": set it with `delimiter`/);
  });

  it('refuses the same character as separator and decimal mark', async () => {
    const path = await fileWith(`${AUDIOBOOKS_HEADER.join(',')}\n${ROWS.join('\n')}\n`);
    const err = await failure(readTable(path, { decimal: ',' }));
    expect(err.message).toMatch(/decimal mark and the separator are both ","/);
  });
});
