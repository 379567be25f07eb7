import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTable, streamTable } from '../../src/data/read.js';
import { csvValue } from '../../src/data/write.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rebuy-roundtrip-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Column {
  name: string;
  values: (number | string | null)[];
}

interface RandomTable {
  ids: string[];
  target: number[];
  numeric: Column[];
  categorical: Column[];
  newline: '\n' | '\r\n';
  finalNewline: boolean;
  order: number[];
  /** Data rows after which a blank line is inserted (readers skip blank lines). */
  blankAfter: number[];
}

const tricky = fc.constantFrom('a', 'Z', ',', '"', '\n', '\r\n', ' ', 'é', '€', '😀', '0', '.', ';', "'");

const tableArb: fc.Arbitrary<RandomTable> = fc
  .record({ rows: fc.integer({ min: 1, max: 25 }), numeric: fc.integer({ min: 1, max: 4 }), categorical: fc.integer({ min: 0, max: 2 }) })
  .chain(({ rows, numeric, categorical }) => {
    const number = fc.oneof(
      // Model inputs are float32: larger magnitudes are refused (see FLOAT32_OVERFLOW).
      { weight: 5, arbitrary: fc.double({ noNaN: true, min: -3.4e38, max: 3.4e38 }) },
      { weight: 2, arbitrary: fc.integer({ min: -1e6, max: 1e6 }) },
      { weight: 1, arbitrary: fc.constant(NaN) },
    );
    const text = fc.string({ unit: tricky, maxLength: 6 }).map((s) => `v${s}`);
    const numericColumn = (i: number): fc.Arbitrary<Column> =>
      fc.array(number, { minLength: rows, maxLength: rows }).map((values) => ({ name: `num_${i}`, values }));
    const categoricalColumn = (i: number): fc.Arbitrary<Column> =>
      fc
        .tuple(text, fc.array(fc.option(text, { nil: null }), { minLength: rows - 1, maxLength: rows - 1 }))
        .map(([first, rest]) => ({ name: `cat_${i}`, values: [first, ...rest] }));
    return fc.record({
      ids: fc.uniqueArray(fc.stringMatching(/^[0-9A-Za-z_-]{1,8}$/), { minLength: rows, maxLength: rows }),
      target: fc.array(fc.constantFrom(0, 1), { minLength: rows, maxLength: rows }),
      numeric: fc.tuple(...Array.from({ length: numeric }, (_, i) => numericColumn(i))),
      categorical: categorical === 0 ? fc.constant([]) : fc.tuple(...Array.from({ length: categorical }, (_, i) => categoricalColumn(i))),
      newline: fc.constantFrom('\n' as const, '\r\n' as const),
      finalNewline: fc.boolean(),
      blankAfter: fc.uniqueArray(fc.integer({ min: 0, max: rows - 1 }), { maxLength: 3 }),
      order: fc.shuffledSubarray(
        Array.from({ length: numeric + categorical + 2 }, (_, i) => i),
        { minLength: numeric + categorical + 2 },
      ),
    });
  });

function toCsv(t: RandomTable): string {
  const columns: Column[] = [{ name: 'key', values: t.ids }, { name: 'label', values: t.target }, ...t.numeric, ...t.categorical];
  const ordered = t.order.map((i) => columns[i]!);
  const lines = [ordered.map((c) => c.name).join(',')];
  for (let r = 0; r < t.ids.length; r++) {
    lines.push(ordered.map((c) => csvValue(c.values[r]!)).join(','));
    if (t.blankAfter.includes(r) && r < t.ids.length - 1) lines.push('');
  }
  return lines.join(t.newline) + (t.finalNewline ? t.newline : '');
}

const sameNumber = (a: number, b: number): boolean => (Number.isNaN(a) && Number.isNaN(b)) || a === b;

describe('CSV round trip (property)', () => {
  it('reads back any table written as CSV (any column order, line ending, blank lines), whole or streamed', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(tableArb, async (t) => {
        const path = join(dir, `t${++run}.csv`);
        await writeFile(path, toCsv(t));
        const table = await readTable(path, { id: 'key', target: 'label' });
        expect(table.nRows).toBe(t.ids.length);
        expect(table.ids).toEqual(t.ids);
        expect([...table.target!]).toEqual(t.target);
        expect(table.schema.features.map((f) => f.name).sort()).toEqual([...t.numeric, ...t.categorical].map((c) => c.name).sort());
        for (const c of t.numeric) {
          const read = table.numeric.get(c.name)!;
          const mismatch = c.values.findIndex((v, i) => !sameNumber(v as number, read[i]!));
          expect(mismatch, `${c.name}: wrote ${c.values[mismatch]}, read ${read[mismatch]}`).toBe(-1);
        }
        for (const c of t.categorical) expect(table.categorical.get(c.name)).toEqual(c.values);
        const streamedIds: string[] = [];
        for await (const chunk of streamTable(path, table.schema, { chunkRows: 1 + (run % 7) })) streamedIds.push(...chunk.ids);
        expect(streamedIds).toEqual(t.ids);
      }),
      { numRuns: 60 },
    );
  });
});
