import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RebuyError } from '../../src/errors.js';
import { writeParquet } from '../../src/data/write.js';
import { readTable } from '../../src/data/read.js';
import {
  buildCustomerTable,
  parseDay,
  parseHorizon,
  writeCustomerTable,
  type CustomerTable,
} from '../../src/purchases/customer-table.js';
import type { PurchaseLogSpec } from '../../src/purchases/log.js';
import { CDNOW_CUTOFF, CDNOW_HOLDOUT_DAYS, CDNOW_SPEC, addDays, hasCdnow } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rebuy-purchases-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
async function file(content: string, ext = 'csv'): Promise<string> {
  const path = join(dir, `log-${++counter}.${ext}`);
  await writeFile(path, content);
  return path;
}

const SPEC = { customer: 'customer', date: 'date', amount: 'amount' };

// Cutoff 2024-03-31 (2024 is a leap year), horizon 30 days: the last day in the horizon is 2024-04-30.
const HAND_LOG = [
  ['A', '2024-01-01', '10'],
  ['A', '2024-01-01', '5'], // same day: one transaction of 15
  ['A', '2024-01-11', '20'],
  ['A', '2024-03-01', '30'], // exactly 30 days before the cutoff: outside "the last 30 days"
  ['A', '2024-03-31', '40'], // on the cutoff: known at the cutoff
  ['A', '2024-04-30', '7'], // last day of the horizon
  ['A', '2024-05-01', '100'], // after the horizon
  ['B', '2024-02-15', '12.5'],
  ['B', '2024-05-01', '9'], // one day after the horizon
  ['C', '2024-04-02', '3'], // first seen after the cutoff: not a row
  ['D', '2023-04-01', '5'], // exactly 365 days before the cutoff
  ['D', '2023-04-02', '5'],
];

function row(table: CustomerTable, id: string): Record<string, number> {
  const i = table.ids.indexOf(id);
  expect(i).toBeGreaterThanOrEqual(0);
  return Object.fromEntries([...table.numeric].map(([name, values]) => [name, values[i]!]));
}

describe('customer table from a purchase log', () => {
  it('computes each feature and the target as worked out by hand', async () => {
    const path = await file(`customer,date,amount\n${HAND_LOG.map((r) => r.join(',')).join('\n')}\n`);
    const table = await buildCustomerTable({ file: path, ...SPEC }, { cutoff: '2024-03-31', horizonDays: 30, outcomeCounts: true });
    expect(table.ids).toEqual(['A', 'B', 'D']);
    expect(row(table, 'A')).toEqual({
      frequency: 3,
      recency: 90,
      age: 90,
      days_since_last: 0,
      purchases_30d: 1,
      purchases_90d: 3,
      purchases_365d: 4,
      gap_mean: 30, // gaps 10, 50, 30
      gap_trend: 10, // least-squares slope of 10, 50, 30 against 1, 2, 3
      amount_mean: 105 / 4,
      amount_total: 105,
      amount_repeat_mean: 30,
      bought_again: 1,
      purchases_after: 1,
      value_after: 7,
    });
    expect(row(table, 'B')).toEqual({
      frequency: 0,
      recency: 0,
      age: 45,
      days_since_last: 45,
      purchases_30d: 0,
      purchases_90d: 1,
      purchases_365d: 1,
      gap_mean: NaN,
      gap_trend: NaN,
      amount_mean: 12.5,
      amount_total: 12.5,
      amount_repeat_mean: NaN,
      bought_again: 0,
      purchases_after: 0,
      value_after: 0,
    });
    expect(row(table, 'D')).toMatchObject({ frequency: 1, recency: 1, age: 365, days_since_last: 364, purchases_365d: 1, gap_mean: 1, gap_trend: NaN });
    expect(table.info).toMatchObject({ customers: 3, buyers: 1, cutoff: '2024-03-31', horizonDays: 30 });
  });

  it('reads the same log alike from CSV, Parquet and a header-less whitespace layout', async () => {
    const csv = await file(`customer,date,amount\r\n${HAND_LOG.map((r) => r.join(',')).join('\r\n')}\r\n`);
    const parquet = join(dir, 'hand.parquet');
    await writeParquet(parquet, [
      { name: 'customer', values: HAND_LOG.map((r) => r[0]!) },
      { name: 'date', values: HAND_LOG.map((r) => r[1]!) },
      { name: 'amount', values: HAND_LOG.map((r) => Number(r[2])) },
    ]);
    const text = await file(HAND_LOG.map((r, i) => ` ${r[0]}${i % 2 ? '\t' : '   '}${r[1]!.replaceAll('-', '')}  ${r[2]}`).join('\r\n'), 'txt');
    const opts = { cutoff: '2024-03-31', horizonDays: 30 };
    const fromCsv = await buildCustomerTable({ file: csv, ...SPEC }, opts);
    const fromParquet = await buildCustomerTable({ file: parquet, ...SPEC }, opts);
    const fromText = await buildCustomerTable({ file: text, ...SPEC, columns: ['customer', 'date', 'amount'] }, opts);
    expect(fromParquet.ids).toEqual(fromCsv.ids);
    expect(fromText.ids).toEqual(fromCsv.ids);
    expect(fromParquet.numeric).toEqual(fromCsv.numeric);
    expect(fromText.numeric).toEqual(fromCsv.numeric);
  });

  it('reads timestamps by their day, a header with a byte-order mark, and semicolons', async () => {
    const path = await file('\uFEFFcustomer;date;amount\nA;2024-01-01 23:59:59;1\nA;2024-01-03T08:00:00Z;2\nA;20240103;4\n');
    const table = await buildCustomerTable({ file: path, ...SPEC }, { cutoff: '2024-01-03', horizonDays: 5 });
    expect(row(table, 'A')).toMatchObject({ frequency: 1, recency: 2, amount_total: 7, amount_repeat_mean: 6 });
  });

  it('without an amount column writes the time features only; at the end of the log, no target', async () => {
    const path = await file('customer,date\nA,2024-01-01\nA,2024-01-05\nB,2024-01-03\n');
    const table = await buildCustomerTable({ file: path, customer: 'customer', date: 'date' }, { cutoff: '2024-01-05', horizonDays: 10 });
    expect([...table.numeric.keys()]).not.toContain('amount_mean');
    expect([...table.numeric.keys()]).not.toContain('bought_again');
    expect(table.info.buyers).toBeNull();
    expect(table.info.notes.join(' ')).toMatch(/no "bought_again"/);
  });

  it('says when the log ends inside the horizon', async () => {
    const path = await file('customer,date\nA,2024-01-01\nA,2024-01-20\n');
    const table = await buildCustomerTable({ file: path, customer: 'customer', date: 'date' }, { cutoff: '2024-01-10', horizonDays: 30 });
    expect(table.info.notes.join(' ')).toMatch(/ends on 2024-01-20, before the horizon does \(2024-02-09\)/);
    expect(row(table, 'A').bought_again).toBe(1);
  });
});

describe('nothing after the cutoff leaks into a feature', () => {
  const DAY0 = '2024-01-01';
  const logArb = fc.record({
    rows: fc.array(
      fc.record({ customer: fc.integer({ min: 0, max: 9 }), day: fc.integer({ min: 0, max: 400 }), cents: fc.integer({ min: 0, max: 50_000 }) }),
      { minLength: 5, maxLength: 120 },
    ),
    cutoffDay: fc.integer({ min: 0, max: 400 }),
    seed: fc.integer(),
  });

  function csvOf(rows: { customer: number; day: number; cents: number }[]): string {
    return `customer,date,amount\n${rows.map((r) => `c${r.customer},${addDays(DAY0, r.day)},${(r.cents / 100).toFixed(2)}`).join('\n')}\n`;
  }

  async function featureBytes(path: string, cutoff: string): Promise<string> {
    const out = join(dir, `features-${++counter}.csv`);
    await writeCustomerTable({ file: path, ...SPEC }, { cutoff, horizonDays: 90, outcomeCounts: true }, out);
    const text = await readFile(out, 'utf8');
    const header = text.split('\n')[0]!.split(',');
    const keep = header.indexOf('bought_again');
    expect(keep).toBeGreaterThan(0);
    return text
      .split('\n')
      .map((line) => line.split(',').slice(0, keep).join(','))
      .join('\n');
  }

  it('rewriting every post-cutoff row at random leaves the features byte-identical', async () => {
    await fc.assert(
      fc.asyncProperty(logArb, async ({ rows, cutoffDay, seed }) => {
        const days = rows.map((r) => r.day);
        const cutoff = Math.min(Math.max(cutoffDay, Math.min(...days)), Math.max(...days) - 1);
        fc.pre(cutoff >= Math.min(...days));
        let state = seed >>> 0;
        const next = (n: number): number => {
          state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
          return state % n;
        };
        // Customers, days and amounts after the cutoff all change; new customers appear; more rows come.
        const rewritten = rows.map((r) =>
          r.day > cutoff ? { customer: next(15), day: cutoff + 1 + next(300), cents: next(1_000_000) } : r,
        );
        rewritten.push({ customer: 12, day: cutoff + 1 + next(50), cents: 1 });
        const a = await featureBytes(await file(csvOf(rows)), addDays(DAY0, cutoff));
        const b = await featureBytes(await file(csvOf(rewritten)), addDays(DAY0, cutoff));
        expect(b).toBe(a);
      }),
      { numRuns: 6, seed: 20_261_129 },
    );
  });

  it.runIf(hasCdnow)('holds on the CDNOW sample: its holdout rows rewritten at random', async () => {
    const text = await readFile(CDNOW_SPEC.file, 'utf8');
    let state = 12_345;
    const rand = (n: number): number => {
      state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
      return state % n;
    };
    const rewritten = text
      .split('\n')
      .map((line) => {
        const fields = line.trim().split(/\s+/);
        if (fields.length < 5 || fields[2]! <= '19970930') return line;
        const day = addDays('1997-10-01', rand(270)).replaceAll('-', '');
        return ` ${String(rand(99_999)).padStart(5, '0')} ${String(rand(3000)).padStart(4, '0')} ${day}  ${rand(9)}  ${(rand(20_000) / 100).toFixed(2)}\r`;
      })
      .join('\n');
    const spec = (path: string): PurchaseLogSpec => ({ ...CDNOW_SPEC, file: path });
    const outA = join(dir, 'cdnow-a.csv');
    const outB = join(dir, 'cdnow-b.csv');
    const opts = { cutoff: CDNOW_CUTOFF, horizonDays: CDNOW_HOLDOUT_DAYS };
    await writeCustomerTable(spec(CDNOW_SPEC.file), opts, outA);
    await writeCustomerTable(spec(await file(rewritten, 'txt')), opts, outB);
    const strip = (t: string): string => t.split('\n').map((l) => l.split(',').slice(0, -1).join(',')).join('\n');
    const [a, b] = [await readFile(outA, 'utf8'), await readFile(outB, 'utf8')];
    expect(b).not.toBe(a); // the targets did change
    expect(strip(b)).toBe(strip(a));
  });
});

describe.runIf(hasCdnow)('the CDNOW sample', () => {
  it('gives the literature\'s calibration counts: 2,357 customers, 946 repeat buyers, 2,457 repeat transactions', async () => {
    const table = await buildCustomerTable(CDNOW_SPEC, { cutoff: CDNOW_CUTOFF, horizonDays: CDNOW_HOLDOUT_DAYS });
    const frequency = table.numeric.get('frequency')!;
    expect(table.info.customers).toBe(2357);
    expect(frequency.filter((x) => x > 0).length).toBe(946);
    expect(frequency.reduce((s, x) => s + x, 0)).toBe(2457);
    expect(table.ids[0]).toBe('0001'); // IDs stay text
    expect(table.info.log).toMatchObject({ rows: 6919, firstDay: '1997-01-01', lastDay: '1998-06-30' });
  });

  it('writes a table that rebuy reads as a customer table (train, audit, score take it)', async () => {
    const out = join(dir, 'cdnow.parquet');
    const info = await writeCustomerTable(CDNOW_SPEC, { cutoff: CDNOW_CUTOFF, horizonDays: CDNOW_HOLDOUT_DAYS }, out);
    const table = await readTable(out, { target: 'bought_again', id: 'id' });
    expect(table.ids.length).toBe(2357);
    expect(table.ids[0]).toBe('0001');
    expect(Array.from(table.target!).reduce((s, v) => s + v, 0)).toBe(info.buyers);
    expect(table.schema.features.map((f) => f.name)).toContain('frequency');
  });
});

describe('bad input', () => {
  async function failure(read: Promise<unknown>): Promise<RebuyError> {
    const err = await read.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RebuyError);
    return err as RebuyError;
  }
  const opts = { cutoff: '2024-01-02', horizonDays: 30 };

  it('a date that does not parse: the message names file, line, column and value', async () => {
    const path = await file('customer,date,amount\nA,2024-01-01,1\nB,2024-13-01,2\nC,2024-01-03,3\n');
    const err = await failure(buildCustomerTable({ file: path, ...SPEC }, opts));
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(`${path}:3`);
    expect(err.message).toContain('column "date"');
    expect(err.message).toContain('"2024-13-01"');
    expect(err.message).toMatch(/not a date/);
  });

  it('negative amounts are refused unless returns are allowed', async () => {
    const path = await file('customer,date,amount\nA,2024-01-01,10\nA,2024-01-02,-4\nA,2024-01-03,1\n');
    const err = await failure(buildCustomerTable({ file: path, ...SPEC }, opts));
    expect(err.message).toContain(`${path}:3`);
    expect(err.message).toContain('"-4"');
    expect(err.message).toMatch(/--allow-returns/);
    const table = await buildCustomerTable({ file: path, ...SPEC, allowReturns: true }, opts);
    expect(row(table, 'A').amount_total).toBe(6);
  });

  it('an amount that is not a number', async () => {
    const path = await file('customer,date,amount\nA,2024-01-01,10\nA,2024-01-02,ten\n');
    const err = await failure(buildCustomerTable({ file: path, ...SPEC }, opts));
    expect(err.message).toContain(`${path}:3`);
    expect(err.message).toContain('"ten"');
  });

  it('a customer column with blanks', async () => {
    const path = await file('customer,date,amount\nA,2024-01-01,10\n,2024-01-02,4\n');
    const err = await failure(buildCustomerTable({ file: path, ...SPEC }, opts));
    expect(err.message).toContain(`${path}:3`);
    expect(err.message).toContain('column "customer"');
    expect(err.message).toMatch(/customer ID is blank/);
  });

  it('a cutoff outside the log', async () => {
    const path = await file('customer,date,amount\nA,2024-01-01,10\nA,2024-01-09,4\n');
    for (const cutoff of ['2023-12-31', '2024-01-10']) {
      const err = await failure(buildCustomerTable({ file: path, ...SPEC }, { cutoff, horizonDays: 30 }));
      expect(err.exitCode).toBe(2);
      expect(err.message).toContain(`"${cutoff}"`);
      expect(err.message).toMatch(/from 2024-01-01 to 2024-01-09/);
    }
  });

  it('a column that is not in the file is named with the ones that are', async () => {
    const path = await file('customer,day,amount\nA,2024-01-01,10\n');
    const err = await failure(buildCustomerTable({ file: path, ...SPEC }, opts));
    expect(err.message).toMatch(/"date" is not in the file; its columns are "customer", "day", "amount"/);
  });

  it('a header-less line with a missing field', async () => {
    const path = await file('A 20240101 10\nA 20240102\nB 20240102 3\n', 'txt');
    const err = await failure(buildCustomerTable({ file: path, ...SPEC, columns: ['customer', 'date', 'amount'] }, opts));
    expect(err.message).toContain(`${path}:2`);
    expect(err.message).toMatch(/2 fields, but --columns names 3/);
  });

  it('--columns on a file with a header row: the message says so', async () => {
    const path = await file('customer date amount\nA 20240101 10\n', 'txt');
    const err = await failure(buildCustomerTable({ file: path, ...SPEC, columns: ['customer', 'date', 'amount'] }, opts));
    expect(err.message).toContain(`${path}:1`);
    expect(err.message).toMatch(/if line 1 is a header row, leave out --columns/);
  });

  it('a Parquet row with a bad date is named by its row number', async () => {
    const path = join(dir, 'bad.parquet');
    await writeParquet(path, [
      { name: 'customer', values: ['A', 'B', 'C'] },
      { name: 'date', values: ['2024-01-01', '2024-01-02', 'soon'] },
      { name: 'amount', values: [1, 2, 3] },
    ]);
    const err = await failure(buildCustomerTable({ file: path, ...SPEC }, opts));
    expect(err.message).toContain(`${path}:3`);
    expect(err.message).toContain('"soon"');
  });

  it.runIf(hasCdnow)('the CDNOW sample read with the wrong date field: the first line and its value', async () => {
    const err = await failure(buildCustomerTable({ ...CDNOW_SPEC, date: 'cds' }, { cutoff: CDNOW_CUTOFF, horizonDays: 10 }));
    expect(err.message).toContain(`${CDNOW_SPEC.file}:1`);
    expect(err.message).toContain('column "cds"');
    expect(err.message).toContain('(value "2")');
  });

  it('flags: dates and horizons', () => {
    expect(parseDay('19970930', '--cutoff')).toBe('1997-09-30');
    expect(parseDay('2024-02-29', '--cutoff')).toBe('2024-02-29');
    expect(() => parseDay('2023-02-29', '--cutoff')).toThrow(/--cutoff: expected a date/);
    expect(parseHorizon('180d')).toBe(180);
    expect(parseHorizon('39w')).toBe(273);
    expect(parseHorizon('30')).toBe(30);
    expect(() => parseHorizon('6m')).toThrow(/--horizon/);
    expect(() => parseHorizon('0d')).toThrow(/--horizon/);
  });
});
