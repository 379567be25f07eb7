/** The spreadsheet-formula rule every CSV rebuy hands to people shares (score files, the page's list). */
import { describe, expect, it } from 'vitest';
import { spreadsheetSafe } from '../../src/core/csv.js';

describe('spreadsheetSafe', () => {
  it('prefixes text that starts like a formula, even when a number follows the sign', () => {
    for (const text of ['-2+3', '+1+cmd|/C calc', '-1e3+A1', '=1', '@x', '\t1', '\r1']) expect(spreadsheetSafe(text), text).toBe(`'${text}`);
  });

  it('leaves plain numbers, signed or not, and ordinary text', () => {
    for (const text of ['-12', '+3.5', '-.5', '1e-3', '-4E+2', 'C-42', '00994', '']) expect(spreadsheetSafe(text), text).toBe(text);
  });
});
