/**
 * Purchase log → one row per customer seen by the cutoff: what was known at the cutoff as features,
 * and whether (and how much) the customer bought in the horizon after it as the target.
 *
 * Same-day purchases of one customer are one transaction (the convention of the "buy till you die"
 * literature). Every feature reads only transactions on or before the cutoff day; amounts are summed
 * as exact decimals and the gap trend from integer sums, so the table does not depend on row order.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, sqlString, type DuckDBConnection } from '../data/duckdb.js';
import { withAtomicPath } from '../data/write.js';
import { FEATURES_DEFAULTS } from '../config.js';
import { inputError, usageError } from '../errors.js';
import { openPurchaseLog, type PurchaseLogInfo, type PurchaseLogSpec } from './log.js';

export interface CustomerTableOptions {
  /** Last day of the observation period, ISO `YYYY-MM-DD` (purchases on it count as before). */
  cutoff: string;
  /** Days after the cutoff in which a purchase counts as buying again. */
  horizonDays: number;
  /** Also write the number and value of the purchases in the horizon (outcomes, not features). */
  outcomeCounts?: boolean;
  /** DuckDB's memory limit while summarising the log, e.g. `1GB` (default FEATURES_DEFAULTS.memoryLimit). */
  memoryLimit?: string;
}

/** Feature columns, in output order; the amount columns only when the log has amounts. */
export const TIME_FEATURES = [
  'frequency',
  'recency',
  'age',
  'days_since_last',
  'purchases_30d',
  'purchases_90d',
  'purchases_365d',
  'gap_mean',
  'gap_trend',
] as const;
export const AMOUNT_FEATURES = ['amount_mean', 'amount_total', 'amount_repeat_mean'] as const;
export const TARGET_COLUMN = 'bought_again';
export const OUTCOME_COLUMNS = ['purchases_after', 'value_after'] as const;

export interface CustomerTableInfo {
  log: PurchaseLogInfo;
  cutoff: string;
  horizonDays: number;
  customers: number;
  /** Customers who bought again in the horizon; null when the log ends at the cutoff. */
  buyers: number | null;
  /** Output column names in order (the ID column first). */
  columns: string[];
  /** Things the user should know (e.g. the log ends inside the horizon). */
  notes: string[];
}

export interface CustomerTable {
  info: CustomerTableInfo;
  ids: string[];
  /** Every column but the ID as numbers; NaN where a value is undefined (e.g. no gap yet). */
  numeric: Map<string, Float64Array>;
}

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const COMPACT_DAY = /^(\d{4})(\d{2})(\d{2})$/;

/** A day given on the command line (YYYY-MM-DD or YYYYMMDD) as ISO text; refuses impossible dates. */
export function parseDay(text: string, flag: string): string {
  const m = ISO_DAY.exec(text.trim()) ?? COMPACT_DAY.exec(text.trim());
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const date = new Date(Date.UTC(y, mo - 1, d));
    if (date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d) {
      return `${m[1]}-${m[2]}-${m[3]}`;
    }
  }
  throw usageError(`${flag}: expected a date as YYYY-MM-DD or YYYYMMDD, got ${JSON.stringify(text)}`);
}

/** `180d`, `26w` or a plain number of days → days. */
export function parseHorizon(text: string): number {
  const m = /^\s*(\d+)\s*([dw]?)\s*$/i.exec(text);
  const n = m ? Number(m[1]) * (m[2]!.toLowerCase() === 'w' ? 7 : 1) : NaN;
  if (!Number.isInteger(n) || n <= 0) throw usageError(`--horizon: expected days (180d) or weeks (26w), got ${JSON.stringify(text)}`);
  return n;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Output column names for a log with or without amounts. */
export function outputColumns(idColumn: string, hasAmount: boolean, withTarget: boolean, outcomeCounts: boolean): string[] {
  const names: string[] = [idColumn, ...TIME_FEATURES, ...(hasAmount ? AMOUNT_FEATURES : [])];
  if (withTarget) {
    names.push(TARGET_COLUMN);
    if (outcomeCounts) names.push(...(hasAmount ? OUTCOME_COLUMNS : OUTCOME_COLUMNS.slice(0, 1)));
  }
  return names;
}

/** The query over the view `purchases` that yields the customer table, ordered by customer ID. */
export function customerTableSql(idColumn: string, opts: CustomerTableOptions, hasAmount: boolean, withTarget: boolean): string {
  const cutoff = `DATE ${sqlString(opts.cutoff)}`;
  const horizonEnd = `(${cutoff} + INTERVAL ${opts.horizonDays} DAY)::DATE`;
  const since = (days: number): string => `count(*) FILTER (WHERE day > ${cutoff} - ${days})`;
  const amountColumns = hasAmount
    ? `, CAST(total AS DOUBLE) / n::DOUBLE AS amount_mean, CAST(total AS DOUBLE) AS amount_total,
         CASE WHEN n > 1 THEN CAST(total - first_amount AS DOUBLE) / (n - 1)::DOUBLE END AS amount_repeat_mean`
    : '';
  const target = withTarget
    ? `, (coalesce(n_after, 0) > 0)::INTEGER AS ${TARGET_COLUMN}${
        opts.outcomeCounts ? `, coalesce(n_after, 0) AS purchases_after${hasAmount ? ', CAST(coalesce(v_after, 0) AS DOUBLE) AS value_after' : ''}` : ''
      }`
    : '';
  // The gap trend is the least-squares slope of the gaps g_k = d_k − d_{k−1} (k = 2..n) against k. Its sums
  // need no window: Σk and Σk² depend on n only, Σg = d_n − d_1 and Σk·g_k = (n+1)·d_n − Σd − d_1.
  // Days count from the cutoff; every sum is an exact integer.
  const m = '(n - 1)';
  const sk = '(n * (n + 1) // 2 - 1)';
  const skk = '(n * (n + 1) * (2 * n + 1) // 6 - 1)';
  const sg = '(d_last - d_first)';
  const skg = '((n + 1) * d_last - sum_d - d_first)';
  return `
WITH tx AS MATERIALIZED (
  SELECT customer, day, sum(amount) AS amount FROM purchases GROUP BY customer, day
), per_customer AS (
  SELECT customer,
         count(*)::HUGEINT AS n,
         min(day) AS first_day,
         max(day) AS last_day,
         (min(day) - ${cutoff})::HUGEINT AS d_first,
         (max(day) - ${cutoff})::HUGEINT AS d_last,
         sum(day - ${cutoff})::HUGEINT AS sum_d,
         ${since(30)} AS p30, ${since(90)} AS p90, ${since(365)} AS p365,
         sum(amount) AS total,
         arg_min(amount, day) AS first_amount
  FROM tx WHERE day <= ${cutoff} GROUP BY customer
), after AS (
  SELECT customer, count(*) AS n_after, sum(amount) AS v_after
  FROM tx WHERE day > ${cutoff} AND day <= ${horizonEnd} GROUP BY customer
)
SELECT customer AS ${quoteIdent(idColumn)},
       (n - 1)::BIGINT AS frequency,
       last_day - first_day AS recency,
       ${cutoff} - first_day AS age,
       ${cutoff} - last_day AS days_since_last,
       p30 AS purchases_30d, p90 AS purchases_90d, p365 AS purchases_365d,
       CASE WHEN n > 1 THEN (last_day - first_day) / (n - 1)::DOUBLE END AS gap_mean,
       CASE WHEN n >= 3 THEN CAST(${m} * ${skg} - ${sk} * ${sg} AS DOUBLE) / CAST(${m} * ${skk} - ${sk} * ${sk} AS DOUBLE) END AS gap_trend
       ${amountColumns}
       ${target}
FROM per_customer LEFT JOIN after USING (customer)
ORDER BY customer`;
}

/** `1GB`, `512MB`, `1.5GiB`: the sizes DuckDB's memory_limit takes. */
export function parseMemoryLimit(text: string): string {
  if (!/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(text.trim())) {
    throw usageError(`--memory-limit: expected a size such as 512MB or 2GB, got ${JSON.stringify(text)}`);
  }
  return text.trim();
}

async function withLog<T>(
  spec: PurchaseLogSpec,
  opts: CustomerTableOptions,
  body: (con: DuckDBConnection, sql: string, info: Omit<CustomerTableInfo, 'customers' | 'buyers'>) => Promise<T>,
): Promise<T> {
  const spill = await mkdtemp(join(tmpdir(), 'rebuy-features-'));
  // DuckDB spills to a temporary directory beyond the memory limit, so memory stays bounded as the log grows.
  const memoryLimit = parseMemoryLimit(opts.memoryLimit ?? FEATURES_DEFAULTS.memoryLimit);
  const instance = await DuckDBInstance.create(':memory:', { memory_limit: memoryLimit, preserve_insertion_order: 'true', temp_directory: spill });
  const con = await instance.connect();
  try {
    const log = await openPurchaseLog(con, spec);
    if (opts.cutoff < log.firstDay || opts.cutoff > log.lastDay) {
      throw inputError(`the cutoff is outside the log, whose purchases run from ${log.firstDay} to ${log.lastDay}`, {
        file: spec.file,
        column: spec.date,
        value: opts.cutoff,
      });
    }
    const withTarget = log.lastDay > opts.cutoff;
    const notes: string[] = [];
    const horizonEnd = addDays(opts.cutoff, opts.horizonDays);
    if (withTarget && log.lastDay < horizonEnd) {
      notes.push(
        `the log ends on ${log.lastDay}, before the horizon does (${horizonEnd}): "${TARGET_COLUMN}" counts only purchases up to ${log.lastDay}`,
      );
    }
    if (!withTarget) notes.push(`the log ends at the cutoff: no "${TARGET_COLUMN}" column (a table to score)`);
    const columns = outputColumns(spec.customer, log.hasAmount, withTarget, opts.outcomeCounts ?? false);
    const clash = columns.slice(1).find((c) => c === spec.customer);
    if (clash) throw usageError(`the customer column may not be named ${JSON.stringify(clash)}: rebuy writes a feature of that name`);
    const sql = customerTableSql(spec.customer, opts, log.hasAmount, withTarget);
    return await body(con, sql, { log, cutoff: opts.cutoff, horizonDays: opts.horizonDays, columns, notes });
  } finally {
    con.closeSync();
    instance.closeSync();
    await rm(spill, { recursive: true, force: true });
  }
}

function addDays(iso: string, days: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

async function counts(con: DuckDBConnection, from: string, withTarget: boolean): Promise<{ customers: number; buyers: number | null }> {
  const reader = await con.runAndReadAll(
    `SELECT count(*) AS n${withTarget ? `, sum(${TARGET_COLUMN}) AS b` : ''} FROM ${from}`,
  );
  const row = reader.getRowObjectsJS()[0]!;
  return { customers: Number(row.n), buyers: withTarget ? Number(row.b ?? 0) : null };
}

/** Builds the customer table in memory (IDs as text, every other column as numbers). */
export async function buildCustomerTable(spec: PurchaseLogSpec, opts: CustomerTableOptions): Promise<CustomerTable> {
  return withLog(spec, opts, async (con, sql, partial) => {
    const id = quoteIdent(spec.customer);
    const numericNames = partial.columns.slice(1);
    const select = [`CAST(${id} AS VARCHAR) AS ${id}`, ...numericNames.map((n) => `CAST(${quoteIdent(n)} AS DOUBLE) AS ${quoteIdent(n)}`)];
    const reader = await con.runAndReadAll(`SELECT ${select.join(', ')} FROM (${sql})`);
    const raw = reader.getColumnsJS();
    const ids = (raw[0] ?? []).map((v) => String(v));
    const numeric = new Map<string, Float64Array>();
    numericNames.forEach((name, i) => {
      const values = raw[i + 1] ?? [];
      numeric.set(name, Float64Array.from(values, (v) => (v === null ? NaN : Number(v))));
    });
    const target = numeric.get(TARGET_COLUMN);
    const buyers = target ? target.reduce((s, v) => s + v, 0) : null;
    return { info: { ...partial, customers: ids.length, buyers }, ids, numeric };
  });
}

/** Writes the customer table as CSV or Parquet (by extension), atomically, without holding it in memory. */
export async function writeCustomerTable(spec: PurchaseLogSpec, opts: CustomerTableOptions, out: string): Promise<CustomerTableInfo> {
  const parquet = /\.(parquet|pq)$/i.test(out);
  if (!parquet && !/\.csv$/i.test(out)) throw usageError(`--out: expected a .csv or .parquet file, got ${JSON.stringify(out)}`);
  return withLog(spec, opts, async (con, sql, partial) => {
    await con.run(`CREATE TEMP TABLE customer_table AS ${sql}`);
    await withAtomicPath(out, async (tmp) => {
      await con.run(`COPY (SELECT * FROM customer_table) TO ${sqlString(tmp)} (FORMAT ${parquet ? 'PARQUET' : 'CSV'}${parquet ? '' : ', HEADER'})`);
    });
    const c = await counts(con, 'customer_table', partial.columns.includes(TARGET_COLUMN));
    return { ...partial, ...c };
  });
}
