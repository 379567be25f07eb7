/**
 * Running a pipeline that buildOnnxModel wrote, with onnxruntime-node. Kept apart from the builder so
 * that scoring never loads the ONNX protobuf code.
 */
import type { InferenceSession } from 'onnxruntime-node';
import type { RawInputs } from '../prep/features.js';

export const ONNX_INPUT_NUMERIC = 'numeric';
export const ONNX_INPUT_ONEHOT = 'onehot';
export const ONNX_OUTPUT = 'probability';

/** Session options for small, frequent calls: one intra-op thread by default, full graph optimisation. */
export function onnxSessionOptions(threads = 1): InferenceSession.SessionOptions {
  // Threads that spin while idle would take the cores DuckDB reads and writes with.
  const noSpinning = { session: { intra_op: { allow_spinning: '0' } } };
  return { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential', extra: noSpinning };
}

/** Opens an ONNX model with onnxruntime-node (loaded on first use, not on import). */
export async function createOnnxSession(bytes: Uint8Array, threads = 1): Promise<InferenceSession> {
  const ort = await import('onnxruntime-node');
  return ort.InferenceSession.create(bytes, onnxSessionOptions(threads));
}

/** Runs the pipeline on `nRows` rows of raw inputs (see encodeRaw); probabilities of class 1. */
export async function runOnnxSession(session: InferenceSession, raw: RawInputs, nRows: number): Promise<Float32Array> {
  if (nRows === 0) return new Float32Array(0);
  const ort = await import('onnxruntime-node');
  const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {
    [ONNX_INPUT_NUMERIC]: new ort.Tensor('float32', raw.numeric, [nRows, raw.numeric.length / nRows]),
  };
  if (raw.onehot) feeds[ONNX_INPUT_ONEHOT] = new ort.Tensor('float32', raw.onehot, [nRows, raw.onehot.length / nRows]);
  const result = await session.run(feeds);
  return result[ONNX_OUTPUT]!.data as Float32Array;
}
