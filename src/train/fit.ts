import type { Table } from '../core/table.js';
import { featureColumns } from '../core/table.js';
import type { FeatureState } from '../prep/features.js';
import { applyFeatures, fitFeatures } from '../prep/features.js';
import { derivedFeaturesFor } from '../prep/derived.js';
import { takeLabels } from '../core/matrix.js';
import { trainNetwork, type LabelledMatrix } from '../model/mlp.js';
import { trainLogistic } from '../model/logistic.js';
import { buildEnsembleOnnxModel, buildOnnxModel } from '../model/onnx-build.js';
import type { EpochRecord, NetworkConfig, TrainedNetwork } from '../model/network.js';
import { createOnnxScorer } from '../predict/scorer.js';

/** One model to fit: a network configuration, or the logistic-regression baseline; optionally with derived features. */
export type SingleCandidate = (
  | { name: string; kind: 'network'; preset: string | null; config: NetworkConfig }
  | { name: string; kind: 'logistic' }
) & { derived?: boolean };

/** The mean of several models' calibrated probabilities; the members share one feature state (the same `derived`). */
export type EnsembleCandidate = { name: string; kind: 'ensemble'; members: SingleCandidate[]; derived?: boolean };

export type Candidate = SingleCandidate | EnsembleCandidate;

/** The feature state a candidate trains on: fitted on the training rows, with derived features if it asks. */
export function fitCandidateFeatures(table: Table, trainRows: ArrayLike<number>, candidate: Candidate): FeatureState {
  return fitFeatures(table, trainRows, candidate.derived ? derivedFeaturesFor(table, trainRows) : []);
}

export interface FittedCandidate {
  candidate: Candidate;
  /** An ensemble's has no layers of its own (its members hold them), its training time is the members' sum. */
  trained: TrainedNetwork;
  /** The uncalibrated pipeline: for an ensemble, the mean of its members' raw probabilities. */
  onnx: Uint8Array;
  /** An ensemble's fitted members, in its order. */
  members?: FittedCandidate[];
}

export interface FitContext {
  seed: number;
  classWeights?: [number, number] | undefined;
  onEpoch?: (record: EpochRecord) => void;
}

export function labelledRows(table: Table, features: FeatureState, rows: ArrayLike<number>): LabelledMatrix {
  return { x: applyFeatures(features, table, rows), y: takeLabels(table.target!, rows) };
}

export async function fitCandidate(
  candidate: Candidate,
  features: FeatureState,
  train: LabelledMatrix,
  valid: LabelledMatrix,
  context: FitContext,
): Promise<FittedCandidate> {
  if (candidate.kind === 'ensemble') {
    const members: FittedCandidate[] = [];
    for (const member of candidate.members) members.push(await fitCandidate(member, features, train, valid, context));
    const seconds = members.reduce((sum, m) => sum + m.trained.seconds, 0);
    const onnx = buildEnsembleOnnxModel(features, members.map((m) => ({ weights: m.trained.weights })));
    return { candidate, trained: { weights: { layers: [] }, history: [], bestEpoch: 0, seconds }, onnx, members };
  }
  const trained =
    candidate.kind === 'network'
      ? await trainNetwork(
          train,
          valid,
          { ...candidate.config, seed: context.seed, ...(context.classWeights && { classWeights: context.classWeights }) },
          context.onEpoch,
        )
      : // Nothing stops the logistic early, so it learns from the validation rows too (as a refit on every training row).
        await trainLogistic(stackRows(train, valid), valid, { seed: context.seed, classWeights: context.classWeights });
  return { candidate, trained, onnx: buildOnnxModel(features, trained.weights) };
}

/** The rows of `a` then those of `b`. */
export function stackRows(a: LabelledMatrix, b: LabelledMatrix): LabelledMatrix {
  if (b.y.length === 0) return a;
  if (a.x.cols !== b.x.cols) throw new Error(`stackRows: ${a.x.cols} and ${b.x.cols} columns`);
  const data = new Float32Array(a.x.data.length + b.x.data.length);
  data.set(a.x.data);
  data.set(b.x.data, a.x.data.length);
  const y = new Uint8Array(a.y.length + b.y.length);
  y.set(a.y);
  y.set(b.y, a.y.length);
  return { x: { rows: a.x.rows + b.x.rows, cols: a.x.cols, data }, y };
}

/** Probabilities for each set of rows, through one session of the ONNX pipeline (the Predictor's scoring core). */
export async function scoreParts(
  features: FeatureState,
  onnx: Uint8Array,
  table: Table,
  parts: readonly ArrayLike<number>[],
): Promise<Float32Array[]> {
  const scorer = await createOnnxScorer(features, onnx, { threads: 2 });
  try {
    const scores: Float32Array[] = [];
    for (const rows of parts) scores.push(await scorer.score(featureColumns(table, rows)));
    return scores;
  } finally {
    await scorer.close();
  }
}
