import { createOnnxSession, runOnnxSession } from '../model/onnx-session.js';
import { rawColumns, type FeatureState } from '../prep/features.js';
import type { FeatureColumns } from '../core/table.js';

/** An ONNX pipeline (features folded in) ready to score raw feature columns: the core of every Predictor. */
export interface OnnxScorer {
  score(columns: FeatureColumns): Promise<Float32Array>;
  close(): Promise<void>;
}

export interface ScorerOptions {
  /** Threads onnxruntime may use for one call (default 1: the server runs many small calls). */
  threads?: number;
}

/** The graph does all the feature work; the state only says which raw columns to feed it. */
export async function createOnnxScorer(features: FeatureState, onnx: Uint8Array, options: ScorerOptions = {}): Promise<OnnxScorer> {
  const session = await createOnnxSession(onnx, options.threads ?? 1);
  const inputs = rawColumns(features);
  return {
    score: (columns) => runOnnxSession(session, inputs, columns),
    close: () => session.release(),
  };
}
