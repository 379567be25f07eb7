import type { InferenceSession } from 'onnxruntime-node';
import { bundleError } from '../errors.js';
import { loadBundle } from '../bundle/load.js';
import { ONNX_FILE } from '../bundle/layout.js';
import { encodeRaw } from '../prep/features.js';
import { recordsToColumns } from './records.js';
import type { FeatureColumns, Predictor } from './types.js';
import type { Manifest } from '../bundle/manifest.js';

export interface PredictorOptions {
  /** Threads onnxruntime may use for one call (default 1: the server runs many small calls). */
  threads?: number;
}

export interface PredictorParts {
  manifest: Manifest;
  onnx: Uint8Array;
  bundleHash: string;
  bundleDir: string;
}

/** Loads and verifies a bundle, then opens its ONNX pipeline. TF.js is never loaded here. */
export async function loadPredictor(dir: string, options: PredictorOptions = {}): Promise<Predictor> {
  const bundle = await loadBundle(dir);
  const onnx = await bundle.readVerified(ONNX_FILE);
  return createPredictor({ manifest: bundle.manifest, onnx, bundleHash: bundle.hash, bundleDir: dir }, options);
}

/** A Predictor over an ONNX pipeline and its manifest (training uses it before the bundle is saved). */
export async function createPredictor(parts: PredictorParts, options: PredictorOptions = {}): Promise<Predictor> {
  const { manifest, bundleDir: dir } = parts;
  const ort = await import('onnxruntime-node');
  let session: InferenceSession;
  try {
    session = await ort.InferenceSession.create(parts.onnx, {
      intraOpNumThreads: options.threads ?? 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
  } catch (err) {
    throw bundleError(dir, `${ONNX_FILE} could not be opened by onnxruntime`, err);
  }
  const numericWidth = manifest.features.numeric.length;

  async function predictColumns(columns: FeatureColumns): Promise<Float32Array> {
    const n = columns.nRows;
    if (n === 0) return new Float32Array(0);
    const raw = encodeRaw(manifest.features, columns, n);
    const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {
      numeric: new ort.Tensor('float32', raw.numeric, [n, numericWidth]),
    };
    if (raw.onehot) feeds.onehot = new ort.Tensor('float32', raw.onehot, [n, raw.onehot.length / n]);
    const result = await session.run(feeds);
    const probability = result.probability;
    if (!probability) throw bundleError(dir, `${ONNX_FILE} has no "probability" output`);
    return probability.data as Float32Array;
  }

  return {
    manifest,
    bundleHash: parts.bundleHash,
    bundleDir: dir,
    threshold: manifest.threshold,
    predictColumns,
    predictRecords: (records) => predictColumns(recordsToColumns(manifest.schema, records)),
    close: () => session.release(),
  };
}
