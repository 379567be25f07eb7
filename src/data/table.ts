import type { TableSchema } from './schema.js';

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

export function lineOfRow(table: Pick<Table, 'firstDataLine'>, row: number): number {
  return table.firstDataLine + row;
}
