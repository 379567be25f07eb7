import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCsvRecordReader, csvField, csvLine, csvValue, spreadsheetSafe } from '../../src/core/csv.js';

function toCsv(records: string[][], eol: string): string {
  const cell = (s: string) => (/[",\r\n]/.test(s) || s === '' ? `"${s.replaceAll('"', '""')}"` : s);
  return records.map((r) => r.map(cell).join(',')).join(eol) + eol;
}

describe('CSV cells', () => {
  it('quotes a field only when it holds a comma, a quote or a line break', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\r\nlines')).toBe('"two\r\nlines"');
  });

  it('writes numbers in their shortest round-trip form and missing values empty', () => {
    expect(csvValue(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(csvValue(Number.NaN)).toBe('');
    expect(csvValue(null)).toBe('');
    expect(csvLine(['1', csvValue('x,y'), csvValue(null)])).toBe('1,"x,y",');
  });

  it('defuses text a spreadsheet would run as a formula, and leaves signed numbers alone', () => {
    expect(spreadsheetSafe('=HYPERLINK("x")')).toBe(`'=HYPERLINK("x")`);
    expect(spreadsheetSafe('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(spreadsheetSafe('+cmd')).toBe("'+cmd");
    expect(spreadsheetSafe('\tx')).toBe("'\tx");
    expect(spreadsheetSafe('-12')).toBe('-12');
    expect(spreadsheetSafe('+3.5')).toBe('+3.5');
    expect(spreadsheetSafe('C-42')).toBe('C-42');
  });
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
