import { createOnnxSession, runOnnxSession } from '../model/onnx-session.js';
import { encodeRaw, type FeatureState } from '../prep/features.js';
import type { FeatureColumns } from '../core/table.js';

/** An ONNX pipeline (features folded in) ready to score feature columns: the core of every Predictor. */
export interface OnnxScorer {
  score(columns: FeatureColumns): Promise<Float32Array>;
  close(): Promise<void>;
}

export interface ScorerOptions {
  /** Threads onnxruntime may use for one call (default 1: the server runs many small calls). */
  threads?: number;
}

export async function createOnnxScorer(features: FeatureState, onnx: Uint8Array, options: ScorerOptions = {}): Promise<OnnxScorer> {
  const session = await createOnnxSession(onnx, options.threads ?? 1);
  return {
    score: (columns) => runOnnxSession(session, encodeRaw(features, columns, columns.nRows), columns.nRows),
    close: () => session.release(),
  };
}
