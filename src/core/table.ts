import type { TableSchema } from './schema.js';

/** Feature columns of some rows, as read from a table or a chunk of one. */
export interface FeatureColumns {
  nRows: number;
  numeric: Map<string, ArrayLike<number>>;
  categorical: Map<string, ArrayLike<string | null>>;
}

/** A customer table in memory, columnar. Numeric missing values are NaN; categorical ones are null. */
export interface Table {
  /** The file it came from, for messages. */
  source: string;
  schema: TableSchema;
  nRows: number;
  /** Customer IDs as strings (leading zeros kept). Without an ID column: the 1-based row number. */
  ids: string[];
  /** 0/1 per row, or null when the table has no target column. */
  target: Uint8Array | null;
  numeric: Map<string, Float64Array>;
  categorical: Map<string, (string | null)[]>;
  /** File line of row i (1-based; the header, if any, is line 1). */
  firstDataLine: number;
}

/** Rows of several tables with the same schema, one after another (for a user's own train/valid/test files). */
export function concatTables(tables: readonly Table[]): Table {
  const first = tables[0];
  if (!first) throw new Error('concatTables needs at least one table');
  const nRows = tables.reduce((sum, t) => sum + t.nRows, 0);
  const numeric = new Map<string, Float64Array>();
  for (const name of first.numeric.keys()) {
    const out = new Float64Array(nRows);
    let at = 0;
    for (const t of tables) {
      out.set(t.numeric.get(name)!, at);
      at += t.nRows;
    }
    numeric.set(name, out);
  }
  const categorical = new Map<string, (string | null)[]>();
  for (const name of first.categorical.keys()) categorical.set(name, tables.flatMap((t) => t.categorical.get(name)!));
  let target: Uint8Array | null = null;
  if (tables.every((t) => t.target)) {
    target = new Uint8Array(nRows);
    let at = 0;
    for (const t of tables) {
      target.set(t.target!, at);
      at += t.nRows;
    }
  }
  return {
    source: tables.map((t) => t.source).join(' + '),
    schema: first.schema,
    nRows,
    ids: tables.flatMap((t) => t.ids),
    target,
    numeric,
    categorical,
    firstDataLine: first.firstDataLine,
  };
}

/** The feature columns of the given rows (all rows when omitted), as the Predictor takes them. */
export function featureColumns(
  table: Table,
  rows?: ArrayLike<number>,
): { nRows: number; numeric: Map<string, Float64Array>; categorical: Map<string, (string | null)[]> } {
  if (!rows) return { nRows: table.nRows, numeric: table.numeric, categorical: table.categorical };
  const numeric = new Map<string, Float64Array>();
  for (const [name, values] of table.numeric) numeric.set(name, Float64Array.from(rows, (r) => values[r]!));
  const categorical = new Map<string, (string | null)[]>();
  for (const [name, values] of table.categorical) categorical.set(name, Array.from(rows, (r) => values[r] ?? null));
  return { nRows: rows.length, numeric, categorical };
}
