import { describe, expect, it } from 'vitest';
import { csvField, csvLine, csvValue, spreadsheetSafe } from '../../src/core/csv.js';

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
