/**
 * CSV cells and lines (RFC 4180 quoting), for every CSV rebuy writes: score files and the web page's
 * contact list; and a record reader for the CSV rebuy reads back as it streams (the scored file) and
 * the page reads (the upload it sent). The page loads this module as is, so it imports nothing.
 */

/** Text as one CSV field: quoted, with quotes doubled, when it holds a comma, a quote or a line break. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV cell: NaN and null → empty; other numbers via String(n); text quoted when needed. */
export function csvValue(value: number | string | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isNaN(value) ? '' : String(value);
  return csvField(value);
}

/** A first character that makes a spreadsheet read a cell as a formula (OWASP's list). */
export const FORMULA_START = '^[=+@\\t\\r-]';
/** A plain number, which a spreadsheet reads as a number whatever its sign: left as it is. */
export const PLAIN_NUMBER = '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$';

/**
 * Text a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading apostrophe,
 * for files people open in a spreadsheet; plain signed numbers stay as they are. The same patterns
 * serve DuckDB (RE2) for files it writes, so both kinds of output agree.
 */
export function spreadsheetSafe(text: string): string {
  return new RegExp(FORMULA_START).test(text) && !new RegExp(PLAIN_NUMBER).test(text) ? `'${text}` : text;
}

/** Cells already formatted, joined into one line (without its line ending). */
export function csvLine(cells: readonly string[]): string {
  return cells.join(',');
}

/** Splits CSV text into records, field by field (RFC 4180 quoting). Keeps state across chunks. */
export function createCsvRecordReader(onRecord: (fields: string[]) => void) {
  let field = '';
  let fields: string[] = [];
  let quoted = false;
  let afterQuote = false;
  let pendingCR = false;
  let sawQuote = false;

  function endRecord(): void {
    fields.push(field);
    field = '';
    // A blank line is no record; a lone quoted empty field ("") is one.
    if (sawQuote || !(fields.length === 1 && fields[0] === '')) onRecord(fields);
    fields = [];
    sawQuote = false;
  }

  return {
    push(text: string): void {
      let start = 0;
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (quoted) {
          if (c === 34) {
            field += text.slice(start, i);
            start = i + 1;
            quoted = false;
            afterQuote = true;
          }
          continue;
        }
        if (c === 34) {
          if (afterQuote) field += '"';
          field += text.slice(start, i);
          start = i + 1;
          quoted = true;
          sawQuote = true;
          afterQuote = false;
          continue;
        }
        afterQuote = false;
        if (c === 44 || c === 10 || c === 13) {
          field += text.slice(start, i);
          start = i + 1;
          if (c === 44) {
            fields.push(field);
            field = '';
          } else if (c === 10 && pendingCR) {
            pendingCR = false;
          } else {
            pendingCR = c === 13;
            endRecord();
          }
          continue;
        }
        pendingCR = false;
      }
      field += text.slice(start);
    },
    end(): void {
      if (field !== '' || fields.length > 0 || sawQuote) endRecord();
    },
  };
}
