import type { Manifest } from '../bundle/manifest.js';
import type { CustomerExplanation, Reason } from '../explain/types.js';

/** One customer as JSON: field name -> value. Missing or null = missing value. */
export type CustomerRecord = Record<string, number | string | null | undefined>;

/** Feature columns of some rows, as read from a table or a chunk of one. */
export interface FeatureColumns {
  nRows: number;
  numeric: Map<string, ArrayLike<number>>;
  categorical: Map<string, ArrayLike<string | null>>;
}

/** The one scoring path: a verified bundle and an onnxruntime-node session. */
export interface Predictor {
  readonly manifest: Manifest;
  /** SHA-256 of manifest.json: the bundle's identity. */
  readonly bundleHash: string;
  readonly bundleDir: string;
  /** The decision threshold on the probability of class 1. */
  readonly threshold: number;
  /** Probability of buying again per row. */
  predictColumns(columns: FeatureColumns): Promise<Float32Array>;
  /** Probability of buying again per record. Throws RebuyError INPUT_INVALID naming `customers[i].field`. */
  predictRecords(records: CustomerRecord[]): Promise<Float32Array>;
  /** Per-customer Shapley contributions and the top reasons in words, through this same scoring path. */
  explainColumns(columns: FeatureColumns, top: number): Promise<CustomerExplanation[]>;
  /** The top reasons per record (validated as in predictRecords). */
  explain(records: CustomerRecord[], top: number): Promise<Reason[][]>;
  close(): Promise<void>;
}

/** A scored file: what `scoreFile` wrote. Output columns: id, probability, label, rank (1 = most likely). */
export interface ScoreSummary {
  rows: number;
  seconds: number;
  output: string;
}
