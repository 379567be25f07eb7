/**
 * Derived features: new numeric columns computed from raw ones, described as plain data. These rules
 * give the training inputs; model/onnx-build.ts compiles the same rules into the scoring graph.
 */
import type { DerivedFeature, TableSchema } from '../core/schema.js';
import { AUDIOBOOKS_DERIVED } from '../domain/audiobooks.js';

export type { DerivedFeature } from '../core/schema.js';

/** Derived features of a schema: the Audiobooks ones; other tables get none (missing-value flags are always on). */
export function derivedFeaturesFor(schema: TableSchema): DerivedFeature[] {
  return schema.name === 'audiobooks' ? [...AUDIOBOOKS_DERIVED] : [];
}

/** A value "differs" from its reference (a fill value) when further away than this. */
export const DIFFERS_TOLERANCE = 1e-9;

function compute(feature: DerivedFeature, inputs: ArrayLike<number>[], nRows: number): Float64Array {
  const out = new Float64Array(nRows);
  const [a, b] = inputs;
  for (let i = 0; i < nRows; i++) {
    const x = a![i]!;
    if (Number.isNaN(x)) {
      out[i] = Number.NaN;
      continue;
    }
    if (feature.op === 'ratio') {
      const d = b![i]!;
      out[i] = d === 0 || Number.isNaN(d) ? Number.NaN : x / d;
    } else if (feature.op === 'log1p') out[i] = Math.log1p(Math.max(x, 0));
    else if (feature.op === 'positive') out[i] = x > 0 ? 1 : 0;
    else out[i] = Math.abs(x - feature.value) > DIFFERS_TOLERANCE ? 1 : 0;
  }
  return out;
}

/** The numeric columns plus each derived column (computed from them); the input map is not changed. */
export function withDerived(
  derived: readonly DerivedFeature[],
  numeric: ReadonlyMap<string, ArrayLike<number>>,
  nRows: number,
): Map<string, ArrayLike<number>> {
  const out = new Map(numeric);
  for (const feature of derived) {
    const inputs = feature.inputs.map((name) => {
      const column = out.get(name);
      if (!column) throw new Error(`derived feature ${feature.name} needs column ${name}`);
      return column;
    });
    out.set(feature.name, compute(feature, inputs, nRows));
  }
  return out;
}
