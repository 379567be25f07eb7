/** Per-column facts: missing values, distinct values, constant columns. */
import type { Table } from '../core/table.js';
import type { ColumnSummary } from './types.js';

/** Counts of each non-missing value of a numeric column (0 and −0 are one value). */
export function valueCounts(values: Float64Array): Map<number, number> {
  const counts = new Map<number, number>();
  for (const v of values) if (!Number.isNaN(v)) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

export function levelCounts(values: readonly (string | null)[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

export interface ColumnFacts extends ColumnSummary {
  /** The one value of a constant column (null when every value is missing). */
  onlyValue: number | string | null;
}

export function columnFacts(table: Table): ColumnFacts[] {
  return table.schema.features.map((feature) => {
    const numeric = table.numeric.get(feature.name);
    const counts: Map<number | string, number> = numeric
      ? valueCounts(numeric)
      : levelCounts(table.categorical.get(feature.name) ?? []);
    let present = 0;
    for (const n of counts.values()) present += n;
    const missing = table.nRows - present;
    return {
      name: feature.name,
      kind: numeric ? 'numeric' : 'categorical',
      missing,
      missingShare: table.nRows === 0 ? 0 : missing / table.nRows,
      distinct: counts.size,
      onlyValue: counts.size === 1 ? ([...counts.keys()][0] ?? null) : null,
    };
  });
}

export function toSummary({ onlyValue: _, ...summary }: ColumnFacts): ColumnSummary {
  return summary;
}
