import { createOnnxSession, runOnnxSession, runOnnxSessionOutputs } from '../model/onnx-session.js';
import { rawColumns, type FeatureState } from '../prep/features.js';
import type { FeatureColumns } from '../core/table.js';

/** An ONNX pipeline (features folded in) ready to score raw feature columns: the core of every Predictor. */
export interface OnnxScorer {
  score(columns: FeatureColumns): Promise<Float32Array>;
  /** Every output of the graph, in its order (an uplift graph has one per arm and per treatment's uplift). */
  scoreAll(columns: FeatureColumns): Promise<Float32Array[]>;
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
  const expected = [...inputs.numeric, ...inputs.categorical];
  if (session.inputNames.join('\0') !== expected.join('\0')) {
    await session.release();
    // A bundle from before the graph took raw columns has inputs "numeric" and "onehot".
    throw new Error(`the graph takes inputs ${JSON.stringify(session.inputNames)}, not the raw columns ${JSON.stringify(expected)}: train the model again with this version`);
  }
  return {
    score: (columns) => runOnnxSession(session, inputs, columns),
    scoreAll: (columns) => runOnnxSessionOutputs(session, inputs, columns),
    close: () => session.release(),
  };
}
