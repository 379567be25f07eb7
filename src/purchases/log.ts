/**
 * A purchase log (one row per order: customer, date, amount) as a DuckDB view `purchases(customer,
 * day, amount)`, checked before use: blank customers, dates that do not parse, amounts that are not
 * numbers or are negative fail with the file, line, column and value.
 *
 * Three layouts: CSV with a header, Parquet, and header-less text whose fields are separated by a
 * comma or by runs of spaces and tabs (the CDNOW sample), named by `columns`. The file is read as a
 * stream by DuckDB; lines are located by re-reading the file only on the error path.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { sqlString, type DuckDBConnection } from '../data/duckdb.js';
import { fileNotFound, inputError, malformedInput, usageError } from '../errors.js';

export interface PurchaseLogSpec {
  /** CSV (header row), Parquet, or header-less text when `columns` is given. */
  file: string;
  /** Column holding the customer ID (kept as text: `0001` stays `0001`). */
  customer: string;
  /** Column holding the purchase date: YYYY-MM-DD, YYYYMMDD, or a timestamp (its day is used). */
  date: string;
  /** Column holding the amount of the order, if any. */
  amount?: string;
  /** Names of the columns of a header-less file, in file order. */
  columns?: string[];
  /** Keep negative amounts (returns); refused otherwise. */
  allowReturns?: boolean;
}

export interface PurchaseLogInfo {
  /** Rows (orders) in the file. */
  rows: number;
  /** First and last purchase day, ISO `YYYY-MM-DD`. */
  firstDay: string;
  lastDay: string;
  hasAmount: boolean;
}

type Layout =
  | { kind: 'parquet' }
  | { kind: 'csv'; delimiter: string; names: string[] }
  | { kind: 'fields'; names: string[] };

/** Splits a header-less line into fields: a comma (with any spaces around it) or a run of blanks. */
const FIELD_SPLIT_SQL = String.raw`'\s*,\s*|\s+'`;
const FIELD_SPLIT = /\s*,\s*|\s+/;
/** Characters trimmed from both ends of a header-less line (CR of CRLF files included). */
const LINE_TRIM_SQL = `E' \\t\\r'`;
const LINE_TRIM = /^[ \t\r]+|[ \t\r]+$/g;

/** Compact YYYYMMDD by its format, anything else by DuckDB's date cast (a failed cast is slow: try it last). */
const DATE_SQL = (raw: string): string =>
  `CASE WHEN length(trim(${raw})) = 8 AND NOT contains(${raw}, '-') THEN try_strptime(trim(${raw}), '%Y%m%d')::DATE
        ELSE coalesce(try_cast(trim(${raw}) AS DATE), try_cast(trim(${raw}) AS TIMESTAMP)::DATE) END`;
/** Parsed as a double (any numeric spelling), then held as an exact decimal so sums do not depend on order. */
const AMOUNT_DOUBLE_SQL = (raw: string): string => `try_cast(trim(${raw}) AS DOUBLE)`;

interface Check {
  /** Which of the spec's columns the check reads. */
  column: 'customer' | 'date' | 'amount';
  /** SQL condition on the raw text columns c_raw, d_raw, a_raw that marks a bad row. */
  bad: string;
  problem: string;
}

function checksFor(spec: PurchaseLogSpec): Check[] {
  const checks: Check[] = [
    { column: 'customer', bad: `c_raw IS NULL OR trim(c_raw) = ''`, problem: 'the customer ID is blank' },
    { column: 'date', bad: `d_raw IS NULL OR trim(d_raw) = ''`, problem: 'the date is blank' },
    {
      column: 'date',
      bad: `trim(d_raw) <> '' AND ${DATE_SQL('d_raw')} IS NULL`,
      problem: 'not a date (expected YYYY-MM-DD, YYYYMMDD or a timestamp)',
    },
  ];
  if (spec.amount !== undefined) {
    checks.push({
      column: 'amount',
      bad: `a_raw IS NULL OR trim(a_raw) = '' OR ${AMOUNT_DOUBLE_SQL('a_raw')} IS NULL OR NOT isfinite(${AMOUNT_DOUBLE_SQL('a_raw')})`,
      problem: 'the amount is not a number',
    });
    if (!spec.allowReturns) {
      checks.push({
        column: 'amount',
        bad: `${AMOUNT_DOUBLE_SQL('a_raw')} < 0`,
        problem: 'a negative amount (a return?): refused unless --allow-returns is given',
      });
    }
  }
  return checks;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

async function detectLayout(spec: PurchaseLogSpec): Promise<Layout> {
  const info = await stat(spec.file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw fileNotFound(spec.file);
    throw err;
  });
  if (!info.isFile()) throw inputError('not a regular file', { file: spec.file });
  if (info.size === 0) throw malformedInput('the file is empty', { file: spec.file, line: 1 });
  if (/\.(parquet|pq)$/i.test(spec.file)) {
    if (spec.columns) throw usageError('--columns names the fields of a header-less text file; a Parquet file names its own');
    return { kind: 'parquet' };
  }
  if (spec.columns) {
    const names = spec.columns;
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (names.some((n) => n.trim() === '')) throw usageError('--columns: a column name is empty');
    if (dup !== undefined) throw usageError(`--columns: the name ${JSON.stringify(dup)} appears twice`);
    return { kind: 'fields', names };
  }
  const header = await firstLine(spec.file);
  const delimiter = delimiterOf(header ?? '');
  return { kind: 'csv', delimiter, names: splitCsvLine(header ?? '', delimiter) };
}

/** The SQL relation of the raw text of the three columns, plus `line` where the reader knows it. */
function rawRelation(spec: PurchaseLogSpec, layout: Layout, available: string[]): string {
  const path = sqlString(spec.file);
  const need = (role: string, name: string | undefined): void => {
    if (name !== undefined && !available.includes(name)) {
      throw inputError(`the ${role} column ${JSON.stringify(name)} is not in the file; its columns are ${available.map((n) => JSON.stringify(n)).join(', ')}`, {
        file: spec.file,
        line: 1,
        column: name,
      });
    }
  };
  need('customer', spec.customer);
  need('date', spec.date);
  need('amount', spec.amount);
  if (layout.kind === 'fields') {
    const at = (name: string | undefined): string =>
      name === undefined ? 'NULL' : `f[${layout.names.indexOf(name) + 1}]`;
    return `SELECT ${at(spec.customer)} AS c_raw, ${at(spec.date)} AS d_raw, ${at(spec.amount)} AS a_raw, len(f) AS n_fields, NULL::BIGINT AS line
      FROM (SELECT regexp_split_to_array(trim(line, ${LINE_TRIM_SQL}), ${FIELD_SPLIT_SQL}) AS f
            FROM read_csv(${path}, columns = {'line': 'VARCHAR'}, delim = E'\\x01', header = false, quote = '', escape = '', auto_detect = false)
            WHERE trim(line, ${LINE_TRIM_SQL}) <> '')`;
  }
  const col = (name: string | undefined): string => (name === undefined ? 'NULL' : `CAST(${quoteIdent(name)} AS VARCHAR)`);
  const select = `${col(spec.customer)} AS c_raw, ${col(spec.date)} AS d_raw, ${col(spec.amount)} AS a_raw`;
  if (layout.kind === 'parquet') {
    return `SELECT ${select}, NULL::BIGINT AS n_fields, file_row_number + 1 AS line FROM read_parquet(${path}, file_row_number = true)`;
  }
  return `SELECT ${select}, NULL::BIGINT AS n_fields, NULL::BIGINT AS line
    FROM read_csv(${path}, header = true, all_varchar = true, auto_detect = false, delim = ${sqlString(layout.delimiter)}, quote = '"', escape = '"', columns = {${layout.names.map((n) => `${sqlString(n)}: 'VARCHAR'`).join(', ')}})`;
}

async function columnNames(con: DuckDBConnection, spec: PurchaseLogSpec, layout: Layout): Promise<string[]> {
  if (layout.kind !== 'parquet') return layout.names;
  const reader = await con
    .runAndReadAll(`SELECT name FROM parquet_schema(${sqlString(spec.file)}) WHERE name <> 'duckdb_schema' AND num_children IS NULL`)
    .catch((err: unknown) => {
      throw malformedInput('cannot read this file as Parquet', { file: spec.file }, err);
    });
  return reader.getRowObjectsJS().map((r) => String(r.name));
}

/**
 * Creates the temporary views `purchase_log_raw` and `purchases(customer VARCHAR, day DATE, amount
 * DECIMAL)` on `con`, after checking every row. Throws an input error at the first bad row.
 */
export async function openPurchaseLog(con: DuckDBConnection, spec: PurchaseLogSpec): Promise<PurchaseLogInfo> {
  const layout = await detectLayout(spec);
  const available = await columnNames(con, spec, layout);
  const raw = rawRelation(spec, layout, available);
  await con.run(`CREATE OR REPLACE TEMP VIEW purchase_log_raw AS ${raw}`);
  const checks = checksFor(spec);
  const fieldCount = layout.kind === 'fields' ? layout.names.length : null;
  const badCounts = checks.map((c, i) => `count(*) FILTER (WHERE ${c.bad}) AS bad${i}`);
  const summary = await con
    .runAndReadAll(
      `SELECT count(*) AS n, ${fieldCount === null ? '0' : `count(*) FILTER (WHERE n_fields <> ${fieldCount})`} AS bad_fields, ${badCounts.join(', ')},
         strftime(min(${DATE_SQL('d_raw')}), '%Y-%m-%d') AS first_day, strftime(max(${DATE_SQL('d_raw')}), '%Y-%m-%d') AS last_day
       FROM purchase_log_raw`,
    )
    .catch((err: unknown) => {
      throw malformedInput(`cannot read the purchase log: ${firstLineOf(err)}`, { file: spec.file }, err);
    });
  const row = summary.getRowObjectsJS()[0]!;
  if (Number(row.bad_fields) > 0) await failOnFieldCount(spec, fieldCount!);
  const failing = checks.filter((_, i) => Number(row[`bad${i}`]) > 0);
  if (failing.length > 0) await failAtFirstBadRow(con, spec, layout, failing);
  const rows = Number(row.n);
  if (rows === 0) throw malformedInput('the purchase log has no rows', { file: spec.file });
  const amount = spec.amount === undefined ? 'NULL::DECIMAL(38,8)' : `CAST(${AMOUNT_DOUBLE_SQL('a_raw')} AS DECIMAL(38,8))`;
  await con.run(
    `CREATE OR REPLACE TEMP VIEW purchases AS SELECT trim(c_raw) AS customer, ${DATE_SQL('d_raw')} AS day, ${amount} AS amount FROM purchase_log_raw`,
  );
  return { rows, firstDay: String(row.first_day), lastDay: String(row.last_day), hasAmount: spec.amount !== undefined };
}

function firstLineOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

// ---------------------------------------------------------------------------------------------
// The error path: find the first bad line of the file

const BAD_VALUES_SHOWN = 200;

async function failAtFirstBadRow(con: DuckDBConnection, spec: PurchaseLogSpec, layout: Layout, failing: Check[]): Promise<never> {
  const rawOf = { customer: 'c_raw', date: 'd_raw', amount: 'a_raw' } as const;
  const nameOf = (c: Check): string => spec[c.column]!;
  if (layout.kind === 'parquet') {
    const union = failing
      .map((c, i) => `SELECT ${i} AS k, line, coalesce(${rawOf[c.column]}, '') AS v FROM purchase_log_raw WHERE ${c.bad}`)
      .join(' UNION ALL ');
    const first = (await con.runAndReadAll(`SELECT k, line, v FROM (${union}) ORDER BY line, k LIMIT 1`)).getRowObjectsJS()[0]!;
    const check = failing[Number(first.k)]!;
    throw inputError(check.problem, { file: spec.file, line: Number(first.line), column: nameOf(check), value: String(first.v) });
  }
  // Text: the bad raw values per check, then the first line whose field holds one of them.
  const badValues: Set<string>[] = [];
  for (const c of failing) {
    const reader = await con.runAndReadAll(
      `SELECT DISTINCT coalesce(${rawOf[c.column]}, '') AS v FROM purchase_log_raw WHERE ${c.bad} LIMIT ${BAD_VALUES_SHOWN}`,
    );
    badValues.push(new Set(reader.getRowObjectsJS().map((r) => String(r.v))));
  }
  const names = layout.names;
  const split = (line: string): string[] =>
    layout.kind === 'fields' ? line.replace(LINE_TRIM, '').split(FIELD_SPLIT) : splitCsvLine(line, layout.delimiter);
  let lineNo = 0;
  for await (const line of readLines(spec.file)) {
    lineNo += 1;
    if (layout.kind === 'csv' && lineNo === 1) continue;
    if (layout.kind === 'fields' && line.replace(LINE_TRIM, '') === '') continue;
    const fields = split(line);
    for (let i = 0; i < failing.length; i++) {
      const check = failing[i]!;
      const value = fields[names.indexOf(nameOf(check))] ?? '';
      if (badValues[i]!.has(value) || (check.column !== 'amount' && badValues[i]!.has('') && value.trim() === '')) {
        const hint = layout.kind === 'fields' && lineNo === 1 ? ' (if line 1 is a header row, leave out --columns)' : '';
        throw inputError(`${check.problem}${hint}`, { file: spec.file, line: lineNo, column: nameOf(check), value });
      }
    }
  }
  // Quoted line breaks can hide the line; the value is still named.
  const check = failing[0]!;
  const value = [...badValues[0]!][0] ?? '';
  throw inputError(check.problem, { file: spec.file, column: nameOf(check), value });
}

async function failOnFieldCount(spec: PurchaseLogSpec, expected: number): Promise<never> {
  let lineNo = 0;
  for await (const line of readLines(spec.file)) {
    lineNo += 1;
    const trimmed = line.replace(LINE_TRIM, '');
    if (trimmed === '') continue;
    const n = trimmed.split(FIELD_SPLIT).length;
    if (n !== expected) {
      throw inputError(`this line has ${n} fields, but --columns names ${expected}`, { file: spec.file, line: lineNo, value: trimmed });
    }
  }
  throw malformedInput(`a line does not have the ${expected} fields --columns names`, { file: spec.file });
}

async function* readLines(path: string): AsyncGenerator<string> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  try {
    for await (const line of lines) yield line;
  } finally {
    lines.close();
  }
}

async function firstLine(path: string): Promise<string | null> {
  for await (const line of readLines(path)) return line.replace(/\r$/, '').replace(/^\uFEFF/, '');
  return null;
}

const DELIMITERS = [',', ';', '\t', '|'];

/** The delimiter of a CSV file: the candidate that occurs most often in its header row. */
function delimiterOf(header: string): string {
  const count = (d: string): number => header.split(d).length - 1;
  return DELIMITERS.reduce((best, d) => (count(d) > count(best) ? d : best), ',');
}

/** One CSV line into fields (quotes and doubled quotes honoured; a quoted line break is not). */
export function splitCsvLine(line: string, delimiter: string): string[] {
  const text = line.replace(/\r$/, '');
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (text.startsWith(delimiter, i)) {
      fields.push(field);
      field = '';
      i += delimiter.length - 1;
    } else field += ch;
  }
  fields.push(field);
  return fields;
}
