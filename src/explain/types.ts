/** The shapes of explanations: per-customer contributions of feature groups and the reasons put into words. */
import type { FeatureColumns } from '../core/table.js';

/** The one scoring path (a Predictor's predictColumns or an OnnxScorer's score): rows in, probabilities out. */
export type ScoreFunction = (columns: FeatureColumns) => Promise<Float32Array>;

/** A raw feature value as the customer has it; null = missing. */
export type FeatureValue = number | string | null;

/**
 * Feature columns that encode one behaviour, explained as one fact (listening = completion and
 * minutes listened). A column's missing flag, one-hot slots and derived features live inside the
 * model's graph, computed from the column, so they go wherever the column goes.
 */
export interface FeatureGroup {
  /** A short key, e.g. "listening". */
  name: string;
  /** The fact in words for a heading, e.g. "listening". */
  label: string;
  /** Schema columns in the group, in schema order. */
  columns: string[];
  /** True for behaviours marketing can influence (listening, support, recency), false for fixed traits. */
  actionable: boolean;
}

/** One group's share of (probability − reference), on the probability scale. */
export interface Contribution {
  group: string;
  /** The customer's values of the group's columns. */
  values: Record<string, FeatureValue>;
  contribution: number;
}

export type Direction = 'raises' | 'lowers';

/** A contribution in plain words, for marketing. */
export interface Reason {
  group: string;
  /** The group in words, e.g. "listening". */
  label: string;
  /** The schema columns behind it. */
  columns: string[];
  values: Record<string, FeatureValue>;
  /** Share of (probability − reference) on the probability scale. */
  contribution: number;
  /** The same in percentage points, rounded to one decimal. */
  points: number;
  direction: Direction;
  actionable: boolean;
  /** The customer's fact alone, e.g. "listened to none of the book". */
  fact: string;
  /** E.g. "listened to none of the book: lowers the chance by 4.2 points". */
  text: string;
}

/** What the contributions are measured from: the mean prediction over the background customers. */
export interface Reference {
  probability: number;
  /** Background customers it averages. */
  customers: number;
  /** E.g. "compared with a typical customer, who has a 16 % chance". */
  text: string;
}

export interface CustomerExplanation {
  probability: number;
  /** Mean probability over the background rows; contributions add up to probability − reference. */
  reference: number;
  /** Every group, in group order. */
  contributions: Contribution[];
  /** The top reasons: actionable ones first, each part by size. */
  reasons: Reason[];
  /** The actionable group with the largest push, in words (null when the schema marks none). */
  leadingAction: Reason | null;
}

export interface Explainer {
  readonly reference: Reference;
  readonly groups: readonly FeatureGroup[];
  /** Rows scored per customer at most (2^groups − 2 coalitions × background rows, fewer when values repeat). */
  readonly rowsPerCustomer: number;
  explain(columns: FeatureColumns, top: number): Promise<CustomerExplanation[]>;
}
