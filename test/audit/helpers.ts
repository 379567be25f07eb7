import { createRng } from '../../src/core/random.js';
import type { Table } from '../../src/core/table.js';
import type { Finding, FindingCode } from '../../src/audit/types.js';

export interface TableSpec {
  numeric?: Record<string, ArrayLike<number>>;
  categorical?: Record<string, (string | null)[]>;
  target?: ArrayLike<number> | null;
  ids?: string[];
}

/** A Table built directly from columns (features in the order given: numeric first). */
export function makeTable(spec: TableSpec): Table {
  const numeric = new Map(Object.entries(spec.numeric ?? {}).map(([k, v]) => [k, Float64Array.from(v)]));
  const categorical = new Map(Object.entries(spec.categorical ?? {}));
  const nRows =
    [...numeric.values()][0]?.length ?? [...categorical.values()][0]?.length ?? spec.target?.length ?? spec.ids?.length ?? 0;
  return {
    source: 'synthetic.csv',
    schema: {
      name: 'custom',
      id: spec.ids ? 'id' : null,
      target: spec.target ? 'target' : null,
      features: [
        ...[...numeric.keys()].map((name) => ({ name, kind: 'numeric' as const })),
        ...[...categorical.keys()].map((name) => ({ name, kind: 'categorical' as const })),
      ],
    },
    nRows,
    ids: spec.ids ?? Array.from({ length: nRows }, (_, i) => String(i + 1)),
    target: spec.target ? Uint8Array.from(spec.target) : null,
    numeric,
    categorical,
    firstDataLine: 2,
  };
}

/** Deterministic uniform [0, 1) numbers. */
export const seeded = createRng;

export function findingsOf<C extends FindingCode>(findings: readonly Finding[], code: C): Extract<Finding, { code: C }>[] {
  return findings.filter((f): f is Extract<Finding, { code: C }> => f.code === code);
}
