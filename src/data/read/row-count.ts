/** The number of data rows a file holds, counted apart from DuckDB, to check what DuckDB delivered against. */
import type { DuckDBConnection } from '../duckdb.js';
import { malformedInput } from '../../errors.js';
import { countLines, decodeText, splitFields } from './csv-scanner.js';
import { recordsOf, type Source } from './source.js';
import { parquetReader } from './sql.js';

/**
 * Starts counting the file's data rows, to check what DuckDB reads against: a CSV file is counted in
 * JavaScript while DuckDB reads it; a Parquet count is a query on `con`, so it runs first.
 */
export async function startCountingRows(con: DuckDBConnection, source: Source): Promise<{ rows: Promise<number> }> {
  if (source.format === 'parquet') {
    const reader = await con.runAndReadAll(`SELECT count(*)::DOUBLE FROM ${parquetReader(source)}`);
    return { rows: Promise.resolve(Number(reader.getRows()[0]![0])) };
  }
  const rows = countCsvDataRows(source);
  rows.catch(() => {}); // awaited once DuckDB has read the file, unless reading fails first
  return { rows };
}

/** A CSV file's data rows, counted without DuckDB: so it may run while DuckDB reads the file. */
async function countCsvDataRows(source: Source): Promise<number> {
  // Without quotes, records are lines: non-blank ones, or all of them in a one-column file.
  const records = source.mixedLineEnds
    ? await countRecordsCheckingFields(source)
    : source.parallel
      ? await countLines(source.path, source.labels.length > 1)
      : await countRecords(source);
  return records - (source.hasHeader ? 1 : 0);
}

async function countRecords(source: Source): Promise<number> {
  let records = 0;
  for await (const _ of recordsOf(source)) records++;
  return records;
}

/**
 * Records, each checked for too many fields: a file with mixed line ends is read by DuckDB without
 * strict mode, which drops fields beyond the header's instead of refusing the row.
 */
async function countRecordsCheckingFields(source: Source): Promise<number> {
  const expected = source.labels.length;
  let records = 0;
  for await (const record of recordsOf(source)) {
    records++;
    const fields = splitFields(decodeText(record.bytes), source.delimiter);
    if (fields.length > expected) {
      throw malformedInput(`too many fields: ${fields.length}, expected ${expected}`, {
        file: source.path,
        line: record.line,
        value: fields.slice(expected).join(source.delimiter),
      });
    }
  }
  return records;
}
