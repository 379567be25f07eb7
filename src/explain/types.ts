/** The shapes of explanations: per-customer contributions and the reasons put into words. */
import type { FeatureColumns } from '../core/table.js';

/** The one scoring path (a Predictor's predictColumns or an OnnxScorer's score): rows in, probabilities out. */
export type ScoreFunction = (columns: FeatureColumns) => Promise<Float32Array>;

/** A raw feature value as the customer has it; null = missing. */
export type FeatureValue = number | string | null;

/** One feature's share of (probability − average), on the probability scale. */
export interface Contribution {
  feature: string;
  value: FeatureValue;
  contribution: number;
}

export type Direction = 'raises' | 'lowers';

/** A contribution in plain words, for marketing. */
export interface Reason {
  feature: string;
  /** A human name for the feature, e.g. "support requests". */
  label: string;
  value: FeatureValue;
  contribution: number;
  direction: Direction;
  /** True for behaviours marketing can act on, false for fixed traits (price paid, book length). */
  actionable: boolean;
  /** E.g. "3 support requests: raises the chance". */
  text: string;
}

export interface CustomerExplanation {
  probability: number;
  /** Mean probability over the background rows; contributions add up to probability − average. */
  average: number;
  /** Every feature, in schema order. */
  contributions: Contribution[];
  /** The `top` contributions with the largest magnitude, largest first. */
  reasons: Reason[];
}

export interface Explainer {
  /** Mean score over the background rows. */
  readonly average: number;
  /** Feature names explained, in schema order. */
  readonly features: readonly string[];
  /** Rows compared per customer: (permutation, background row) pairs. */
  readonly pairsPerCustomer: number;
  explain(columns: FeatureColumns, top: number): Promise<CustomerExplanation[]>;
}
