/** The column contract: which column is the ID, which the target, and what the features are. */

export type ColumnKind = 'numeric' | 'categorical';

export interface FeatureColumn {
  name: string;
  kind: ColumnKind;
}

export interface TableSchema {
  /** 'audiobooks' for the built-in schema, 'custom' for one inferred from a file. */
  name: 'audiobooks' | 'custom';
  id: string | null;
  target: string | null;
  features: FeatureColumn[];
}

/** Canonical Audiobooks column names, in the course's original file order. */
export const AUDIOBOOKS_COLUMNS = [
  'id',
  'book_length_overall',
  'book_length_avg',
  'price_overall',
  'price_avg',
  'review',
  'review_score',
  'completion',
  'minutes_listened',
  'support_requests',
  'last_visit_days',
  'target',
] as const;

export type AudiobooksColumn = (typeof AUDIOBOOKS_COLUMNS)[number];

export const AUDIOBOOKS_SCHEMA: TableSchema = {
  name: 'audiobooks',
  id: 'id',
  target: 'target',
  features: AUDIOBOOKS_COLUMNS.filter((c) => c !== 'id' && c !== 'target').map((name) => ({
    name,
    kind: 'numeric' as const,
  })),
};

/** The fill value the course used for a missing review score. */
export const AUDIOBOOKS_REVIEW_FILL = 8.91;
