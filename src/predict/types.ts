import type { Manifest } from '../bundle/manifest.js';
import type { LoadedBundle } from '../bundle/load.js';
import type { FeatureColumns } from '../core/table.js';

/** One customer as JSON: field name -> value. Missing or null = missing value. */
export type CustomerRecord = Record<string, number | string | null | undefined>;

/** The one scoring path: a verified bundle and an onnxruntime-node session. */
export interface Predictor {
  readonly manifest: Manifest;
  /** The verified bundle it was loaded from (explanations read their background sample from it). */
  readonly bundle: LoadedBundle;
  /** SHA-256 of manifest.json: the bundle's identity. */
  readonly bundleHash: string;
  readonly bundleDir: string;
  /** The decision threshold on the probability of class 1. */
  readonly threshold: number;
  /** Probability of buying again per row. */
  predictColumns(columns: FeatureColumns): Promise<Float32Array>;
  /** Every output of the bundle's graph per row, in its order: for an uplift bundle, manifest.uplift.outputs. */
  predictOutputs?(columns: FeatureColumns): Promise<Float32Array[]>;
  /** Probability of buying again per record. Throws RebuyError INPUT_INVALID naming `customers[i].field`. */
  predictRecords(records: CustomerRecord[]): Promise<Float32Array>;
  close(): Promise<void>;
}

/** A scored file: what `scoreFile` wrote. Output columns: id, probability, label, rank (1 = most likely). */
export interface ScoreSummary {
  rows: number;
  seconds: number;
  output: string;
  /** Customer IDs that appear on more than one row (marked in the output's `duplicate_id` column). */
  duplicateIds: DuplicateIds;
}

export interface DuplicateIds {
  /** Distinct IDs that repeat. */
  ids: number;
  /** Rows holding them. */
  rows: number;
  /** A few of them, in file order of first appearance. */
  examples: string[];
}
