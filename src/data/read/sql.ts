/** The SQL that reads a file through DuckDB: typed, strict, nothing guessed. */
import { sqlIdent, sqlString } from '../duckdb.js';
import { outputColumns, type Binding, type BoundColumn, type Role } from './binding.js';
import type { Source } from './source.js';
import { MAX_RECORD_BYTES } from './csv-scanner.js';
import { FLOAT32_OVERFLOW } from '../../core/bounds.js';
import { targetValueSql } from './target.js';

/** Buffers small enough that several threads share even a mid-sized file (and as long as the longest line read). */
const CSV_BUFFER_BYTES = MAX_RECORD_BYTES;

const NUMERIC_TYPE = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL|BOOLEAN)/;

export interface ScanOptions {
  /** Let DuckDB split the file between threads (default: when the file has no quotes). */
  parallel?: boolean;
  /** Only `limit` rows, after skipping `offset`. */
  limit?: number;
  offset?: number;
  /** Skip rows DuckDB cannot parse (only to re-read rows known to be good, before a bad one). */
  skipBadRows?: boolean;
  /** With `skipBadRows`: record what was skipped in DuckDB's reject tables (reject_errors). */
  storeRejects?: boolean;
  /** Leave out rows holding a value the model cannot take (see rowIsGood). */
  onlyGoodRows?: boolean;
}

export function selectSql(source: Source, binding: Binding, scan: ScanOptions = {}): string {
  const outputs = outputColumns(binding);
  const exprs = outputs.map((col, i) => `${valueExpr(source, col, binding)} AS o${i}`);
  const coded = binding.schema.targetValues !== undefined;
  const typeOf = (i: number): string => {
    const role = outputs.find((c) => c.index === i)?.role;
    return role === 'target' && coded ? 'VARCHAR' : csvType(role);
  };
  const from = source.format === 'csv' ? csvReader(source, typeOf, scan) : parquetReader(source);
  const limit = scan.limit === undefined ? '' : ` LIMIT ${scan.limit} OFFSET ${scan.offset ?? 0}`;
  const select = `SELECT ${exprs.join(', ')} FROM ${from}${limit}`;
  return scan.onlyGoodRows ? `SELECT * FROM (${select}) WHERE ${rowIsGood(binding)}` : select;
}

/** Values at or beyond float32's range (and NaN, ±Infinity) are not model inputs. */
const FLOAT32_LIMIT = String(FLOAT32_OVERFLOW);

const isNumber = (role: Role): boolean => role === 'numeric' || role === 'target';

/** Per output column `oI`, whether its value is one the model takes (NULL is missing, which it takes). */
export function goodValueSql(binding: Binding): string[] {
  return outputColumns(binding).map((col, i) => {
    if (col.role === 'id') return `o${i} <> ''`;
    if (isNumber(col.role)) return `(o${i} IS NULL OR abs(o${i}) < ${FLOAT32_LIMIT})`;
    return 'true';
  });
}

/**
 * Whether every value of a row is one the model takes, as goodValueSql's columns together: the numbers
 * by one greatest() (it skips NULLs and ranks NaN above all), which DuckDB runs faster than a test per column.
 */
export function rowIsGood(binding: Binding): string {
  const outputs = outputColumns(binding);
  const numbers = outputs.flatMap((col, i) => (isNumber(col.role) ? [`abs(o${i})`] : []));
  const checks = [
    ...outputs.flatMap((col, i) => (col.role === 'id' ? [`o${i} <> ''`] : [])),
    ...(numbers.length > 0 ? [`coalesce(greatest(${numbers.join(', ')}), 0) < ${FLOAT32_LIMIT}`] : []),
  ];
  return checks.length > 0 ? checks.join(' AND ') : 'true';
}

/** Per column: does every non-empty value parse as a finite number? Plus the row count. */
export function profileSql(source: Source): string {
  const checks = source.labels.map((label, i) => {
    if (source.types !== null && NUMERIC_TYPE.test(source.types[i]!)) return 'true';
    const text = source.format === 'csv' ? `c${i}` : `CAST(${sqlIdent(label)} AS VARCHAR)`;
    const number = source.decimal === '.' ? text : `replace(${text}, ${sqlString(source.decimal)}, '.')`;
    return `coalesce(bool_and(${text} IS NULL OR coalesce(isfinite(TRY_CAST(${number} AS DOUBLE)), false)), true)`;
  });
  const from = source.format === 'csv' ? csvReader(source, () => 'VARCHAR') : parquetReader(source);
  return `SELECT count(*)::DOUBLE, ${checks.join(', ')} FROM ${from}`;
}

/** A column's distinct non-empty values as text (trimmed, told apart in any case; the first `limit` in sorted order). */
export function distinctValuesSql(source: Source, index: number, limit: number): string {
  const from = source.format === 'csv' ? csvReader(source, () => 'VARCHAR') : parquetReader(source);
  const text = `trim(${source.format === 'csv' ? `c${index}` : `CAST(${sqlIdent(source.labels[index]!)} AS VARCHAR)`})`;
  return `SELECT min(${text}) FROM ${from} WHERE ${text} <> '' GROUP BY lower(${text}) ORDER BY lower(${text}) LIMIT ${limit}`;
}

function csvType(role: Role | undefined): string {
  return role === 'numeric' || role === 'target' ? 'DOUBLE' : 'VARCHAR';
}

/** DuckDB's CSV reader with our column types, strict, nothing guessed. */
function csvReader(source: Source, typeOf: (index: number) => string, scan: ScanOptions = {}): string {
  const columns = source.labels.map((_, i) => `'c${i}': '${typeOf(i)}'`).join(', ');
  return (
    `read_csv(${sqlString(source.path)}, columns = {${columns}}, header = ${source.hasHeader}, ` +
    `auto_detect = false, strict_mode = ${!source.mixedLineEnds}, delim = ${sqlString(source.delimiter)}, ` +
    `decimal_separator = ${sqlString(source.decimal)}, quote = '"', escape = '"', compression = 'none', ` +
    `buffer_size = ${CSV_BUFFER_BYTES}, max_line_size = ${MAX_RECORD_BYTES}, parallel = ${scan.parallel ?? source.parallel}` +
    `${scan.skipBadRows ? ', ignore_errors = true' : ''}${scan.storeRejects ? ', store_rejects = true' : ''})`
  );
}

export function parquetReader(source: Source): string {
  return `read_parquet(${sqlString(source.path)})`;
}

/**
 * Numbers: NULL when missing, the number as parsed otherwise, +Infinity for text that is no number;
 * readCheckedDoubles turns them into what the model takes. Strings: '' for a missing ID.
 */
function valueExpr(source: Source, col: BoundColumn, binding: Binding): string {
  const coding = col.role === 'target' ? binding.schema.targetValues : undefined;
  if (coding) return targetValueSql(source.format === 'csv' ? `c${col.index}` : `CAST(${sqlIdent(col.label)} AS VARCHAR)`, coding);
  if (source.format === 'csv') {
    const c = `c${col.index}`;
    return col.role === 'id' ? `coalesce(${c}, '')` : c;
  }
  const c = sqlIdent(col.label);
  if (col.role === 'id') return `coalesce(CAST(${c} AS VARCHAR), '')`;
  if (col.role === 'categorical') return `CAST(${c} AS VARCHAR)`;
  // NaN stays NaN, which reads as a bad value: refused as in CSV files and JSON requests.
  if (NUMERIC_TYPE.test(source.types![col.index]!)) return `CAST(${c} AS DOUBLE)`;
  const t = `CAST(${c} AS VARCHAR)`;
  return `CASE WHEN ${t} IS NULL OR trim(${t}) = '' THEN NULL ELSE coalesce(TRY_CAST(${t} AS DOUBLE), 'Infinity'::DOUBLE) END`;
}
