/**
 * Which path scores a local file: DuckDB running the compiled SQL, or the streaming ONNX path. Kept
 * apart from the SQL compiler, so that choosing the ONNX path loads nothing of it.
 */
import type { Manifest } from '../bundle/manifest.js';
import { LOCAL_SQL_PATH } from '../config.js';
import { usageError } from '../errors.js';
import { inputWidth } from '../prep/features.js';

export type LocalScorePath = 'sql' | 'onnx';

/** Multiply-adds per customer of a response model: Σ inputs × units over its layers (the logistic model: one per input; an ensemble: its members' sum). */
export function multiplyAddsPerRow(manifest: Manifest): number {
  const width = inputWidth(manifest.features);
  const models = manifest.model.members ?? [manifest.model];
  return models.reduce((sum, model) => sum + modelMultiplyAdds(width, model.kind === 'logistic' ? null : model.config), 0);
}

function modelMultiplyAdds(width: number, config: { hidden: readonly number[] } | null): number {
  if (config === null) return width;
  const sizes = [width, ...config.hidden, 2];
  return sizes.slice(1).reduce((sum, units, k) => sum + sizes[k]! * units, 0);
}

/**
 * The path that scores a local file faster for this model, by the rule `npm run bench:sql` measured
 * (config.ts LOCAL_SQL_PATH): DuckDB's SQL for the smallest models, the ONNX path beyond. Reasons,
 * skipped bad rows and uplift bundles exist on the ONNX path only.
 */
export function chooseLocalPath(manifest: Manifest, asked: string | undefined, needs: { reasons?: number; skipBadRows?: boolean }): LocalScorePath {
  if (asked !== undefined && asked !== 'sql' && asked !== 'onnx') throw usageError(`--path: expected sql or onnx, got ${JSON.stringify(asked)}`);
  const onnxOnly = manifest.uplift ? 'an uplift bundle (score it in DuckDB with --engine duckdb)' : needs.reasons ? '--reasons' : needs.skipBadRows ? '--skip-bad-rows' : null;
  if (asked === 'sql' && onnxOnly !== null) throw usageError(`--path sql: ${onnxOnly} goes with the ONNX path only`);
  if (asked !== undefined) return asked;
  if (onnxOnly !== null) return 'onnx';
  return multiplyAddsPerRow(manifest) <= LOCAL_SQL_PATH.maxMultiplyAdds ? 'sql' : 'onnx';
}
