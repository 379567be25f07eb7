import type { TableSchema } from '../core/schema.js';
import type { FeatureState } from '../prep/features.js';
import type { EpochRecord, NetworkConfig } from '../model/network.js';
import type { MetricSet } from '../evaluate/metrics.js';
import type { Calibration } from '../evaluate/calibration.js';

export interface ModelSummary {
  /** The configuration's name, e.g. "2x50" or "logistic+derived". */
  name: string;
  kind: 'network' | 'logistic';
  /** Trained with the schema's derived features. */
  derived: boolean;
  preset: string | null;
  /** The network's configuration; null for the logistic baseline. */
  config: NetworkConfig | null;
  history: EpochRecord[];
  bestEpoch: number;
  trainSeconds: number;
  metrics: { balancedTest: MetricSet | null; naturalTest: MetricSet | null };
}

export interface Manifest {
  format: 'rebuy-bundle';
  formatVersion: 1;
  createdAt: string;
  packages: Record<string, string>;
  schema: TableSchema;
  features: FeatureState;
  /** Names of the model's input features, in order (see prep/features.ts). */
  featureNames: string[];
  data: {
    /** SHA-256 over the training data files' bytes. */
    fingerprint: string;
    files: string[];
    /** True for a bundle trained on the generated synthetic demo sample. */
    synthetic: boolean;
    rows: number;
    positives: number;
    balance: 'random' | 'first' | 'weights';
    split: [number, number, number];
    seed: number;
    trainRows: number;
    validRows: number;
    testRows: number;
    naturalTestRows: number;
  };
  model: ModelSummary;
  baseline: ModelSummary | null;
  threshold: number;
  thresholdObjective: string;
  calibration: Calibration;
  /** SHA-256 of every other file in the bundle, by file name. */
  files: Record<string, string>;
}
