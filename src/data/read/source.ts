/** The file being read: its format, column labels, whether it has a header, and its records. */
import { isUtf8 } from 'node:buffer';
import { stat } from 'node:fs/promises';
import { sqlString } from '../duckdb.js';
import { RebuyError, fileNotFound, inputError, malformedInput } from '../../errors.js';
import { headerlessNames, looksLikeHeader } from '../schema.js';
import { withConnection } from './connection.js';
import { MAX_RECORD_BYTES, decodeText, firstLine, firstRecord, rawRecords, scanLineEnds, splitFields, strayQuoteField, type RawRecord } from './csv-scanner.js';

/** How a CSV file separates fields and writes decimals; unset, they are read from the file where it is unambiguous. */
export interface CsvDialect {
  /** The field separator: `,` (default), `;`, a tab or `|`. */
  delimiter?: string;
  /** The decimal mark in numbers: `.` (default) or `,` (only with another separator). */
  decimal?: string;
}

/** Separators looked for when a header holds no comma. */
const OTHER_DELIMITERS = [';', '\t', '|'] as const;

/** Records sampled to tell decimal commas from decimal points. */
const DECIMAL_SAMPLE_RECORDS = 200;

export interface Source {
  path: string;
  format: 'csv' | 'parquet';
  /** Column names as the file gives them (header-less CSV: column1, column2, …). */
  labels: string[];
  hasHeader: boolean;
  /** Parquet: DuckDB type per column. */
  types: string[] | null;
  /** File line of the first data row (Parquet: 1, so "line" means row number). */
  firstDataLine: number;
  /** CSV: no quote character anywhere, so no quoted line breaks: DuckDB may read it in parallel. */
  parallel: boolean;
  /** CSV: the field separator and the decimal mark. */
  delimiter: string;
  decimal: string;
  /** CSV: lines end in LF in some places and CRLF in others (DuckDB's strict mode refuses that). */
  mixedLineEnds: boolean;
}

/** Checks that the file is there and not empty, then reads what it says of itself: a CSV's first record or a Parquet schema. */
export async function openSource(path: string, dialect: CsvDialect = {}): Promise<Source> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw fileNotFound(path);
    throw err;
  });
  if (!info.isFile()) throw inputError('not a regular file', { file: path });
  if (info.size === 0) throw malformedInput('the file is empty', { file: path, line: 1 });
  return /\.(parquet|pq)$/i.test(path) ? openParquet(path) : openCsv(path, dialect);
}

async function openCsv(path: string, dialect: CsvDialect): Promise<Source> {
  const line = await firstLine(path);
  if (!line) throw malformedInput('the file is empty', { file: path, line: 1 });
  if (!isUtf8(line) || line.includes(0)) throw notUtf8(path, { line: 1, bytes: line, length: line.length });
  if (line.includes(0x0d)) throw crLineEnds(path);
  const delimiter = dialect.delimiter ?? detectDelimiter(decodeText(line));
  checkHeaderQuotes(path, line, delimiter);
  const first = await firstRecord(path, delimiter);
  if (!first) throw malformedInput('the file is empty', { file: path, line: 1 });
  if (first.line !== 1) throw malformedInput('the first line is empty (expected a header or a data row)', { file: path, line: 1 });
  if (first.length > MAX_RECORD_BYTES) throw recordTooLong(path, first, delimiter, []);
  if (!isUtf8(first.bytes)) throw notUtf8(path, first);
  const fields = splitFields(decodeText(first.bytes), delimiter);
  const hasHeader = looksLikeHeader(fields);
  const { quoted, mixedLineEnds } = await scanLineEnds(path);
  const decimal = dialect.decimal ?? (delimiter === ',' ? '.' : await detectDecimal(path, delimiter, fields.length));
  if (decimal === delimiter) throw inputError(`the decimal mark and the separator are both ${JSON.stringify(decimal)}: set \`decimal\` or \`delimiter\``, { file: path });
  return {
    delimiter,
    decimal,
    mixedLineEnds,
    path,
    format: 'csv',
    labels: hasHeader ? fields.map((f, i) => (f.trim() === '' ? `column${i + 1}` : f)) : headerlessNames(fields.length),
    hasHeader,
    types: null,
    firstDataLine: hasHeader ? 2 : 1,
    parallel: !quoted,
  };
}

async function openParquet(path: string): Promise<Source> {
  return withConnection(async (con) => {
    const described = await con
      .runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(path)})`)
      .catch((err: unknown) => {
        throw inputError(`not a readable Parquet file: ${firstLineOf(err)}`, { file: path }, err);
      });
    const rows = described.getRows();
    return {
      path,
      format: 'parquet' as const,
      labels: rows.map((r) => String(r[0])),
      hasHeader: true,
      types: rows.map((r) => String(r[1])),
      firstDataLine: 1,
      parallel: true,
      delimiter: ',',
      decimal: '.',
      mixedLineEnds: false,
    };
  });
}

/** Records as DuckDB sees them: blank lines are skipped, except in a one-column file. */
export function recordsOf(source: Pick<Source, 'path' | 'labels' | 'delimiter'>): AsyncGenerator<RawRecord> {
  return rawRecords(source.path, source.labels.length > 1, source.delimiter);
}

/**
 * Bytes that are not UTF-8: the message names the encoding they most likely are (UTF-16 by its
 * byte-order mark or zero bytes, else Windows-1252, which Excel and older systems write and which
 * reads any byte) and how to convert the file.
 */
export function notUtf8(path: string, record: RawRecord, labels: readonly string[] = [], delimiter = ','): RebuyError {
  const encoding = likelyEncoding(record.bytes);
  const fields = splitFields(decodeText(record.bytes), delimiter);
  const bad = fields.findIndex((f) => f.includes('\uFFFD') || f.includes('\u0000'));
  const asRead = encoding === 'WINDOWS-1252' ? splitFields(new TextDecoder('windows-1252').decode(record.bytes), delimiter) : null;
  const value = bad >= 0 ? (asRead?.[bad] ?? fields[bad]!) : decodeText(record.bytes);
  const converted = path.replace(/(\.[^./]*)?$/, '-utf8$1');
  return malformedInput(
    `bytes that are not UTF-8 text; the file looks like ${encoding}${asRead ? ' (the value as read in it)' : ''}: ` +
      `convert it with \`iconv -f ${encoding} -t UTF-8 ${path} > ${converted}\``,
    { file: path, line: record.line, column: bad >= 0 ? (labels[bad] ?? `column${bad + 1}`) : undefined, value: value.replaceAll('\u0000', '') },
  );
}

function likelyEncoding(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'UTF-16LE';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'UTF-16BE';
  const zero = bytes.indexOf(0);
  if (zero >= 0) return zero % 2 === 1 ? 'UTF-16LE' : 'UTF-16BE';
  return 'WINDOWS-1252';
}

function crLineEnds(path: string): RebuyError {
  return malformedInput(
    `lines end in a carriage return alone (CR, an old Mac format); rebuy reads LF or CRLF line ends: convert with \`tr '\\r' '\\n' < ${path} > ${path.replace(/(\.[^./]*)?$/, '-lf$1')}\``,
    { file: path, line: 1 },
  );
}

/** A header without commas but split by one of the other separators is read with that one. */
function detectDelimiter(header: string): string {
  if (header.includes(',')) return ',';
  const counts = OTHER_DELIMITERS.map((d) => header.split(d).length - 1);
  const best = counts.indexOf(Math.max(...counts));
  return counts[best]! > 0 ? OTHER_DELIMITERS[best]! : ',';
}

/** With a separator other than a comma: decimal commas when a sampled value is digits, a comma, digits. */
async function detectDecimal(path: string, delimiter: string, nFields: number): Promise<string> {
  let seen = 0;
  for await (const record of rawRecords(path, nFields > 1, delimiter)) {
    if (seen++ > DECIMAL_SAMPLE_RECORDS) break;
    const fields = splitFields(decodeText(record.bytes), delimiter);
    if (fields.some((f) => /^\s*[-+]?\d*,\d+\s*$/.test(f))) return ',';
    if (fields.some((f) => /^\s*[-+]?\d*\.\d+\s*$/.test(f))) return '.';
  }
  return '.';
}

/** A quote inside an unquoted header name opens a field that swallows the lines after it: say so at the header. */
function checkHeaderQuotes(path: string, line: Buffer, delimiter: string): void {
  const text = decodeText(line);
  const field = strayQuoteField(text, delimiter);
  if (field < 0) return;
  const name = splitFields(text, delimiter)[field] ?? '';
  throw malformedInput(
    `a quote inside the column name ${field + 1} (a quote may only enclose a whole field): remove it, or enclose the name in quotes and double the quote (${JSON.stringify(`"${name.replaceAll('"', '""')}"`)})`,
    { file: path, line: 1, column: `column${field + 1}`, value: name },
  );
}

/**
 * A record longer than `MAX_RECORD_BYTES`: the field that makes it so (the last one the kept bytes
 * reach), or too many fields when the kept bytes already hold more than the header.
 */
export function recordTooLong(path: string, record: RawRecord, delimiter: string, labels: readonly string[]): RebuyError {
  const fields = splitFields(decodeText(record.bytes), delimiter);
  const loc = { file: path, line: record.line };
  if (labels.length > 0 && fields.length > labels.length) {
    return malformedInput(`too many fields: more than ${labels.length}, expected ${labels.length}`, { ...loc, value: fields.slice(labels.length).join(delimiter) });
  }
  const index = fields.length - 1;
  const start = Buffer.byteLength(fields.slice(0, index).join(delimiter)) + (index > 0 ? delimiter.length : 0);
  const end = record.separatorAfterCut !== undefined && record.separatorAfterCut >= 0 ? record.separatorAfterCut : record.length;
  const size = end - start;
  return malformedInput(
    `field too long: ${size.toLocaleString('en')} bytes; a line may hold at most ${MAX_RECORD_BYTES.toLocaleString('en')}`,
    { ...loc, column: labels[index] ?? `column${index + 1}`, value: fields[index]! },
  );
}

export function noDataRows(source: Source): RebuyError {
  return inputError('no data rows (only a header)', { file: source.path, line: source.firstDataLine });
}

export function firstLineOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return (message.split('\n')[0] ?? '').replace(/^[A-Za-z ]*Error: /, '');
}
