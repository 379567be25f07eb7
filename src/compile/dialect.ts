/**
 * What differs between the SQL engines the pipeline compiles for. The compiler writes only what
 * every dialect here shares (CASE, COALESCE, NULLIF, GREATEST, LEAST on non-NULL values, ABS, LN,
 * EXP, TANH, ROW_NUMBER, CTEs); a dialect supplies its type names, how it quotes names and text, and
 * how it turns a NaN into NULL.
 *
 * To add an engine: a name in DIALECT_NAMES and an entry in DIALECTS (ansiDialect for engines that
 * quote names with double quotes and text with doubled single quotes).
 */

export const DIALECT_NAMES = ['duckdb', 'postgres', 'trino', 'bigquery', 'snowflake', 'spark'] as const;
export type DialectName = (typeof DIALECT_NAMES)[number];

export interface SqlDialect {
  name: DialectName;
  /** The IEEE float64 type: every number of the pipeline is computed in it. */
  double: string;
  /** The type categorical values are compared as. */
  text: string;
  /** A column or table name, quoted so that any name (spaces, quotes, keywords) is read as written. */
  quoteIdent(name: string): string;
  /** A string literal. */
  quoteText(text: string): string;
  /** The name of a column the statement returns (rank, an uplift's p_<treatment>), quoted. */
  outputIdent(name: string): string;
  /** A float64 expression with NaN turned into NULL (a missing number). */
  nanToNull(expression: string): string;
  /**
   * `WITH stage AS MATERIALIZED (…)`: for a planner that would otherwise substitute each stage's
   * expressions into the next, copying every unit's sum into every unit of the next layer.
   */
  materializeStages?: boolean;
}

/** A name as a double-quoted SQL identifier (the SQL standard): "say ""hi""". */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A text as a standard SQL string literal: 'it''s'. */
export function quoteText(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A dialect that quotes the standard way; `nanToNull` defaults to NULLIF(x, NaN), for engines where NaN = NaN. */
function ansiDialect(name: DialectName, types: { double: string; text: string }, overrides: Partial<SqlDialect> = {}): SqlDialect {
  return {
    name,
    ...types,
    quoteIdent,
    quoteText,
    nanToNull: (expression) => `NULLIF(${expression}, CAST('NaN' AS ${types.double}))`,
    ...overrides,
    outputIdent: overrides.outputIdent ?? overrides.quoteIdent ?? quoteIdent,
  };
}

function bigQueryName(name: string): string {
  return `\`${name.replaceAll('\\', '\\\\').replaceAll('`', '\\`')}\``;
}

export const DIALECTS: Readonly<Record<DialectName, SqlDialect>> = {
  duckdb: ansiDialect('duckdb', { double: 'DOUBLE', text: 'VARCHAR' }),
  // float8; PostgreSQL's GREATEST/LEAST skip NULLs as DuckDB's do, and its LN/EXP raise on overflow
  // and underflow, which the compiler's clamps keep out of reach. NaN = NaN is true there.
  // PostgreSQL pulls a CTE used once up into its reader, expressions and all: materialized, each layer stays one pass.
  postgres: ansiDialect('postgres', { double: 'DOUBLE PRECISION', text: 'TEXT' }, { materializeStages: true }),
  // Trino follows IEEE (NaN = NaN is false), so NULLIF would keep a NaN.
  trino: ansiDialect('trino', { double: 'DOUBLE', text: 'VARCHAR' }, { nanToNull: (e) => `CASE WHEN IS_NAN(${e}) THEN NULL ELSE ${e} END` }),
  // BigQuery quotes names with backticks (double quotes make a string) and escapes with backslashes.
  bigquery: {
    name: 'bigquery',
    double: 'FLOAT64',
    text: 'STRING',
    quoteIdent: bigQueryName,
    outputIdent: bigQueryName,
    quoteText: (text) => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`,
    nanToNull: (e) => `CASE WHEN IS_NAN(${e}) THEN NULL ELSE ${e} END`,
  },
  // A backslash starts an escape in Snowflake's single-quoted strings; NaN = NaN is true there.
  // Snowflake stores unquoted names upper-cased (id → ID): the names returned are upper-case too
  // ("RANK"), so that every one reads unquoted, as Snowflake users and their tools write them.
  snowflake: ansiDialect('snowflake', { double: 'DOUBLE', text: 'VARCHAR' }, {
    quoteText: (text) => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`,
    outputIdent: (name) => quoteIdent(name.toUpperCase()),
  }),
  // Spark SQL reads "x" as a string and 'a''b' as two adjacent literals ('ab'): names in backticks,
  // texts with backslash escapes. Its `/` divides as DOUBLE even on integers; NaN = NaN is true there.
  spark: ansiDialect('spark', { double: 'DOUBLE', text: 'STRING' }, {
    quoteIdent: (name) => `\`${name.replaceAll('`', '``')}\``,
    quoteText: (text) => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`,
  }),
};

export function isDialectName(name: string): name is DialectName {
  return DIALECT_NAMES.some((d) => d === name);
}
