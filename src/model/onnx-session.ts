/**
 * Running a pipeline that buildOnnxModel wrote, with onnxruntime-node. Kept apart from the builder so
 * that scoring never loads the ONNX protobuf code.
 *
 * The graph takes one input per raw column, named as the column, each a 1-D tensor of N values:
 * numeric columns as float64 (NaN = missing), categorical ones as strings (MISSING_CATEGORY = missing).
 */
import { createRequire } from 'node:module';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { RebuyError, inputError } from '../errors.js';
import type { FeatureColumns } from '../core/table.js';
import { MISSING_CATEGORY } from '../core/schema.js';
import { OnnxFormatError, usesExternalData } from './onnx-external.js';

export const ONNX_OUTPUT = 'probability';

/** The raw columns a pipeline graph reads (see rawColumns in prep/features.ts), in input order. */
export interface OnnxInputColumns {
  numeric: readonly string[];
  categorical: readonly string[];
}

/** Session options for small, frequent calls: one intra-op thread by default, full graph optimisation. */
export function onnxSessionOptions(threads = 1): InferenceSession.SessionOptions {
  // Threads that spin while idle would take the cores DuckDB reads and writes with.
  const noSpinning = { session: { intra_op: { allow_spinning: '0' } } };
  // Errors only: onnxruntime's warnings about a graph (an unused constant in an older bundle) are not the user's to read.
  return { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential', extra: noSpinning, logSeverityLevel: 3 };
}

/**
 * onnxruntime-node, loaded on first use, with its telemetry off: otherwise every process leaves a
 * mat-debug-PID.log in the temp directory and writes a database under the user's cache directory.
 * ORT_DISABLE_TELEMETRY is onnxruntime's switch, read when its environment is first made.
 */
async function onnxRuntime(): Promise<typeof import('onnxruntime-node')> {
  process.env.ORT_DISABLE_TELEMETRY = '1';
  // require, not import(): imported, this CommonJS package and onnxruntime-common would be scanned for their export names first.
  return createRequire(import.meta.url)('onnxruntime-node') as typeof import('onnxruntime-node');
}


/**
 * Refuses a model whose tensors keep their data in other files: onnxruntime would read them from
 * outside anything the bundle's hashes cover.
 */
export function assertSelfContained(bytes: Uint8Array): void {
  let external: boolean;
  try {
    external = usesExternalData(bytes);
  } catch (err) {
    if (err instanceof OnnxFormatError) throw new RebuyError('BUNDLE_INVALID', `not a valid ONNX model: ${err.message}`, {}, { cause: err });
    throw err;
  }
  if (external) throw new RebuyError('BUNDLE_INVALID', 'the ONNX model names external data files; a bundle must hold all of its data');
}

/** Opens an ONNX model with onnxruntime-node (loaded on first use, not on import), refusing external data. */
export async function createOnnxSession(bytes: Uint8Array, threads = 1): Promise<InferenceSession> {
  assertSelfContained(bytes);
  const ort = await onnxRuntime();
  return ort.InferenceSession.create(bytes, onnxSessionOptions(threads));
}

/** Runs the pipeline on the raw columns as they are: probabilities of class 1, one per row. */
export async function runOnnxSession(session: InferenceSession, inputs: OnnxInputColumns, columns: FeatureColumns): Promise<Float32Array> {
  return (await runOnnxSessionOutputs(session, inputs, columns))[0]!;
}

/** Runs the pipeline and returns every output, in the graph's output order (uplift graphs have several). */
export async function runOnnxSessionOutputs(session: InferenceSession, inputs: OnnxInputColumns, columns: FeatureColumns): Promise<Float32Array[]> {
  const n = columns.nRows;
  if (n === 0) return session.outputNames.map(() => new Float32Array(0));
  const ort = await onnxRuntime();
  const feeds: Record<string, Tensor> = {};
  for (const name of inputs.numeric) feeds[name] = new ort.Tensor('float64', float64Column(requireColumn(columns.numeric, name), n), [n]);
  for (const name of inputs.categorical) feeds[name] = new ort.Tensor('string', stringColumn(requireColumn(columns.categorical, name), n), [n]);
  const result = await session.run(feeds);
  // The builder renames an output only when a raw column already holds its name.
  return session.outputNames.map((name) => result[name]!.data as Float32Array);
}

/** The column itself when it is already float64 (read chunks are): no copy on the hot path. */
function float64Column(values: ArrayLike<number>, n: number): Float64Array {
  if (values instanceof Float64Array) return values.length === n ? values : values.subarray(0, n);
  return Float64Array.from({ length: n }, (_, i) => values[i]!);
}

/** The column itself when nothing is missing; else a copy with MISSING_CATEGORY for each missing value. */
function stringColumn(values: ArrayLike<string | null>, n: number): string[] {
  if (Array.isArray(values) && values.length === n && !values.includes(null) && !values.includes(undefined)) return values as string[];
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = values[i] ?? MISSING_CATEGORY;
  return out;
}

function requireColumn<T>(columns: ReadonlyMap<string, T>, name: string): T {
  const values = columns.get(name);
  if (values === undefined) throw inputError('a feature column the model needs is missing', { column: name });
  return values;
}
