/**
 * What differs between the SQL engines the pipeline compiles for. The compiler writes only what
 * every dialect here shares (CASE, COALESCE, NULLIF, GREATEST, LEAST, ABS, LN, EXP, TANH,
 * ROW_NUMBER, CTEs); a dialect supplies its type names and how it quotes names and texts.
 */

export const DIALECT_NAMES = ['duckdb', 'postgres', 'spark'] as const;
export type DialectName = (typeof DIALECT_NAMES)[number];

export interface SqlDialect {
  name: DialectName;
  /** The IEEE float64 type: every number of the pipeline is computed in it. */
  double: string;
  /** The type categorical values are compared as. */
  text: string;
  /** A name as an identifier of this dialect. */
  ident: (name: string) => string;
  /** A text as a string literal of this dialect. */
  literal: (text: string) => string;
}

export const DIALECTS: Readonly<Record<DialectName, SqlDialect>> = {
  duckdb: { name: 'duckdb', double: 'DOUBLE', text: 'VARCHAR', ident: quoteIdent, literal: quoteText },
  // float8; PostgreSQL's GREATEST/LEAST skip NULLs as DuckDB's do, and its LN/EXP raise on overflow
  // and underflow, which the compiler's clamps keep out of reach.
  postgres: { name: 'postgres', double: 'DOUBLE PRECISION', text: 'TEXT', ident: quoteIdent, literal: quoteText },
  // Spark SQL reads "x" as a string and 'a''b' as two adjacent literals ('ab'): names in backticks,
  // texts with backslash escapes. Its `/` divides as DOUBLE even on integers; GREATEST/LEAST skip NULLs.
  spark: { name: 'spark', double: 'DOUBLE', text: 'STRING', ident: quoteBacktick, literal: quoteBackslashText },
};

export function isDialectName(name: string): name is DialectName {
  return DIALECT_NAMES.some((d) => d === name);
}

/** A name as a double-quoted SQL identifier (DuckDB, PostgreSQL): "say ""hi""". */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A text as an SQL string literal (DuckDB, PostgreSQL): 'it''s'. */
export function quoteText(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A name as a backtick-quoted identifier (Spark SQL): `say ``hi```. */
export function quoteBacktick(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

/** A text as a string literal with backslash escapes (Spark SQL): 'it\'s', 'a\\b'. */
export function quoteBackslashText(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}
