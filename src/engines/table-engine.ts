/**
 * What rebuy asks of an engine that holds the customers: the columns of a table, and a scores table
 * replaced in one transaction by the rows of a statement. Each engine (duckdb.ts, postgres.ts) is a
 * thin adapter: the statement does the work, inside the engine.
 */

/** A table name as the user gives it, optionally schema-qualified: "sales.customers". */
export interface TableName {
  schema: string | null;
  name: string;
}

export function parseTableName(text: string): TableName {
  const parts = text.split('.');
  if (parts.length > 2 || parts.some((p) => p.trim() === '')) return { schema: null, name: text };
  return parts.length === 2 ? { schema: parts[0]!, name: parts[1]! } : { schema: null, name: parts[0]! };
}

export interface EngineColumn {
  name: string;
  /** The engine's own type name, as its catalog spells it. */
  type: string;
  /** Whether the engine casts the type to float64 without failing on a value (a number type). */
  numeric: boolean;
}

export interface ProgressReport {
  /** Seconds since the statement started. */
  seconds: number;
  /** Share done, 0..1, when the engine says; null when it does not. */
  fraction: number | null;
}

export interface TableEngine {
  /** What to call the engine in a message: "PostgreSQL at 127.0.0.1:5432/shop", "DuckDB database x.duckdb". */
  describe: string;
  /** The table's columns, in order; null when there is no such table. */
  columnsOf(table: string): Promise<EngineColumn[] | null>;
  /**
   * Creates `target` from the rows of `select` in one transaction: the rows go into a new table that
   * replaces `target` (if any) at commit; on any failure nothing changes. Returns the row count.
   */
  replaceTable(target: string, select: string, onProgress?: (p: ProgressReport) => void): Promise<number>;
  /** The first row of `select`, its values in column order; null when it has none. */
  firstRow(select: string): Promise<unknown[] | null>;
  close(): Promise<void>;
}

/** The name the new rows are written under until the commit renames them: beside the target, unique to this process. */
export function stagingName(target: TableName): string {
  return `${target.name}__rebuy_${process.pid}_${Date.now().toString(36)}`;
}

/** Calls `tick` every interval until the promise settles. */
export async function withTicks<T>(work: Promise<T>, tick: () => void, everyMs = 500): Promise<T> {
  const timer = setInterval(tick, everyMs);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
