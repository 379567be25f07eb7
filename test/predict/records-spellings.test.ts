import { describe, expect, it } from 'vitest';
import { recordsToColumns } from '../../src/predict/records.js';
import { canonicalRecord } from '../../src/data/schema.js';
import { AUDIOBOOKS_HEADER, AUDIOBOOKS_SCHEMA, EXAMPLE_CUSTOMER, audiobooksColumnOf } from '../../src/domain/audiobooks.js';
import { RebuyError } from '../../src/errors.js';
import type { TableSchema } from '../../src/core/schema.js';

/** The example customer under the published file's own header names. */
function asFileHeader(): Record<string, number | string> {
  const record: Record<string, number | string> = {};
  for (const header of AUDIOBOOKS_HEADER) {
    const column = audiobooksColumnOf(header)!;
    if (column in EXAMPLE_CUSTOMER) record[header] = EXAMPLE_CUSTOMER[column as keyof typeof EXAMPLE_CUSTOMER];
  }
  return record;
}

describe('JSON customers spelled as a file header', () => {
  it('reads a customer posted with the keys of the file\'s own header, as the canonical one', () => {
    const byHeader = recordsToColumns(AUDIOBOOKS_SCHEMA, [asFileHeader()]);
    const canonical = recordsToColumns(AUDIOBOOKS_SCHEMA, [{ ...EXAMPLE_CUSTOMER }]);
    expect(byHeader).toEqual(canonical);
    expect(byHeader.numeric.get('book_length_overall')![0]).toBe(1620);
    expect(byHeader.numeric.get('last_visit_days')![0]).toBe(92);
  });

  it('maps the ID key too, and leaves canonical records as they are', () => {
    expect(canonicalRecord(AUDIOBOOKS_SCHEMA, { ID: '00994', Price_overall: 3 }, 'customers[0]')).toMatchObject({ id: '00994', price_overall: 3 });
    const canonical = { ...EXAMPLE_CUSTOMER };
    expect(canonicalRecord(AUDIOBOOKS_SCHEMA, canonical, 'customers[0]')).toBe(canonical);
  });

  it('refuses a column given twice with different values, naming both keys', () => {
    const twice = { ...EXAMPLE_CUSTOMER, Price_overall: 1 };
    expect(() => recordsToColumns(AUDIOBOOKS_SCHEMA, [{ ...EXAMPLE_CUSTOMER }, twice])).toThrow(RebuyError);
    expect(() => recordsToColumns(AUDIOBOOKS_SCHEMA, [twice])).toThrow(/price_overall is given twice, as "price_overall" and "Price_overall"/);
    expect(() => recordsToColumns(AUDIOBOOKS_SCHEMA, [{ ...EXAMPLE_CUSTOMER, Price_overall: 19.73 }])).not.toThrow();
  });

  it('takes a custom schema\'s names exactly', () => {
    const schema: TableSchema = { name: 'custom', id: null, target: null, features: [{ name: 'Price_overall', kind: 'numeric' }] };
    expect(recordsToColumns(schema, [{ Price_overall: 2 }]).numeric.get('Price_overall')![0]).toBe(2);
  });
});
