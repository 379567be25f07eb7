import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCsvRecordReader } from '../../src/core/csv.js';
import { scoredCsvAsJson } from '../../src/server/scored-json.js';

function toCsv(records: string[][], eol: string): string {
  const cell = (s: string) => (/[",\r\n]/.test(s) || s === '' ? `"${s.replaceAll('"', '""')}"` : s);
  return records.map((r) => r.map(cell).join(',')).join(eol) + eol;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rebuy-scored-json-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('CSV record reader', () => {
  it('reads back any records, however the text is cut into chunks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.string({ unit: fc.constantFrom('a', '1', ',', '"', '\n', '\r', ' ', 'é') }), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
        fc.constantFrom('\n', '\r\n'),
        fc.array(fc.nat(), { maxLength: 5 }),
        (records, eol, cuts) => {
          const csv = toCsv(records, eol);
          const got: string[][] = [];
          const reader = createCsvRecordReader((f) => got.push(f));
          const points = [...new Set(cuts.map((c) => c % (csv.length + 1)))].sort((a, b) => a - b);
          let from = 0;
          for (const p of [...points, csv.length]) {
            reader.push(csv.slice(from, p));
            from = p;
          }
          reader.end();
          expect(got).toEqual(records);
        },
      ),
    );
  });
});

describe('scored CSV as JSON', () => {
  it('streams rows as JSON, with nulls for unreadable numbers', async () => {
    const path = join(dir, 'scored.csv');
    await writeFile(path, 'id,probability,label,rank\n"a,1",0.75,1,1\nb,NaN,0,2\n');
    const body = JSON.parse(await text(scoredCsvAsJson(path, { model: 'm', threshold: 0.5, seconds: 0.1 })));
    expect(body).toEqual({
      model: 'm',
      threshold: 0.5,
      seconds: 0.1,
      rows: [
        { id: 'a,1', probability: 0.75, label: 1, rank: 1 },
        { id: 'b', probability: null, label: 0, rank: 2 },
      ],
    });
  });

  it('handles an empty result and a large one', async () => {
    const empty = join(dir, 'empty.csv');
    await writeFile(empty, 'id,probability,label,rank\n');
    expect(JSON.parse(await text(scoredCsvAsJson(empty, { model: 'm' }))).rows).toEqual([]);
    const big = join(dir, 'big.csv');
    const n = 200_000;
    await writeFile(big, `id,probability,label,rank\n${Array.from({ length: n }, (_, i) => `${i},0.5,1,${i + 1}`).join('\n')}\n`);
    const rows = JSON.parse(await text(scoredCsvAsJson(big, { model: 'm' }))).rows;
    expect(rows).toHaveLength(n);
    expect(rows[n - 1]).toEqual({ id: String(n - 1), probability: 0.5, label: 1, rank: n });
  });
});
