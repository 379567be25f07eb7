/**
 * rowIsGood (one greatest() over a row's numbers) against goodValueSql's test per column, run by
 * DuckDB on every pair of values a file can hold: they must agree on every row.
 */
import { describe, expect, it } from 'vitest';
import type { Binding } from '../../src/data/read/binding.js';
import { withConnection } from '../../src/data/read/connection.js';
import { goodValueSql, rowIsGood } from '../../src/data/read/sql.js';

const VALUES = ['NULL', "'NaN'::DOUBLE", "'Infinity'::DOUBLE", "'-Infinity'::DOUBLE", '1e39', '-1e39', '3.4e38', '-3.4e38', '3.5e38', '0', '-2.5'];
const IDS = ["''", "'c1'"];

const binding: Binding = {
  schema: { name: 'custom', id: 'id', target: null, features: [] } as unknown as Binding['schema'],
  id: { index: 0, label: 'id', key: 'id', role: 'id' },
  target: null,
  features: [
    { index: 1, label: 'a', key: 'a', role: 'numeric' },
    { index: 2, label: 'plan', key: 'plan', role: 'categorical' },
    { index: 3, label: 'b', key: 'b', role: 'numeric' },
  ],
};

describe('rowIsGood', () => {
  it('agrees with the per-column tests on every combination of an ID and two numbers', async () => {
    const rows = IDS.flatMap((id) => VALUES.flatMap((a) => VALUES.map((b) => `(${id}, ${a}::DOUBLE, NULL::VARCHAR, ${b}::DOUBLE)`)));
    const values = `(VALUES ${rows.join(', ')}) AS t(o0, o1, o2, o3)`;
    const answers = await withConnection(async (con) =>
      (await con.runAndReadAll(`SELECT (${rowIsGood(binding)}) AS fast, (${goodValueSql(binding).join(' AND ')}) AS each FROM ${values}`)).getRowsJS(),
    );
    expect(answers).toHaveLength(IDS.length * VALUES.length ** 2);
    expect(answers.filter(([fast]) => fast === true).length).toBeGreaterThan(0);
    expect(answers.filter(([fast]) => fast === false).length).toBeGreaterThan(0);
    for (const [fast, each] of answers) expect(fast).toBe(each);
  });

  it('takes a row without numbers (only an ID and categories)', () => {
    expect(rowIsGood({ ...binding, features: [binding.features[1]!] })).toBe("o0 <> ''");
  });
});
