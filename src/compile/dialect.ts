/**
 * What differs between the SQL engines the pipeline compiles for. The compiler writes only what
 * every dialect here shares (CASE, COALESCE, NULLIF, GREATEST, LEAST, ABS, LN, EXP, TANH,
 * ROW_NUMBER, CTEs, double-quoted names); a dialect supplies its type names.
 */

export const DIALECT_NAMES = ['duckdb', 'postgres'] as const;
export type DialectName = (typeof DIALECT_NAMES)[number];

export interface SqlDialect {
  name: DialectName;
  /** The IEEE float64 type: every number of the pipeline is computed in it. */
  double: string;
  /** The type categorical values are compared as. */
  text: string;
}

export const DIALECTS: Readonly<Record<DialectName, SqlDialect>> = {
  duckdb: { name: 'duckdb', double: 'DOUBLE', text: 'VARCHAR' },
  // float8; PostgreSQL's GREATEST/LEAST skip NULLs as DuckDB's do, and its LN/EXP raise on overflow
  // and underflow, which the compiler's clamps keep out of reach.
  postgres: { name: 'postgres', double: 'DOUBLE PRECISION', text: 'TEXT' },
};

export function isDialectName(name: string): name is DialectName {
  return DIALECT_NAMES.some((d) => d === name);
}

/** A name as a double-quoted SQL identifier (both dialects): "say ""hi""". */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A text as an SQL string literal: 'it''s'. */
export function quoteText(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
