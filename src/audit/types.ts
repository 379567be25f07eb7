/** The data audit's report: plain JSON data (every number finite, no Maps). */

export type Severity = 'info' | 'warning' | 'problem';

export interface AuditOptions {
  /** Share of rows a random train/test split puts in the test set (for the duplicate-row overlap). */
  testShare: number;
  /** A group that is all one class is a leakage suspect when it holds at least this share of rows, */
  pureGroupMinShare: number;
  /** and at least this many customers, */
  pureGroupMinCount: number;
  /** and a random group of that size would be all one class with at most this probability, */
  pureGroupMaxChance: number;
  /**
   * and, for a threshold, at least this share of the customers just past it are of the other class
   * (a cliff, not the one-class tail of a strong but smooth trend).
   */
  pureGroupMinContrast: number;
  /** A column separates the classes when its single-column AUC is ≥ this or ≤ 1 − this. */
  separatorAuc: number;
  /** Fewer customers than this in either class: no AUC is computed. */
  minClassCount: number;
  /** Categorical levels with fewer rows than this score as the overall rate in the AUC. */
  minLevelCount: number;
  /** One value looks filled in when it carries at least this share of the non-missing rows, */
  fillMinShare: number;
  /** at least this many times as many rows as the next most common value, */
  fillMinRatio: number;
  /** and at least this many rows. */
  fillMinCount: number;
  /** How many example IDs a finding lists. */
  maxExamples: number;
  /** What class 1 and class 0 mean, in words. */
  labels: { positive: string; negative: string };
}

export interface ClassBalance {
  positives: number;
  negatives: number;
  positiveShare: number;
}

export interface ColumnSummary {
  name: string;
  kind: 'numeric' | 'categorical';
  missing: number;
  missingShare: number;
  /** Distinct non-missing values. */
  distinct: number;
}

export interface DuplicateIds {
  /** IDs that occur more than once. */
  groups: number;
  /** Rows carrying such an ID. */
  rows: number;
  examples: string[];
}

/** What an `testShare` random split does to groups of identical feature rows, in expectation. */
export interface SplitOverlap {
  testShare: number;
  testRows: number;
  /** Groups with rows on both sides of the split. */
  expectedGroupsSplit: number;
  /** Rows in groups that end up on both sides. */
  expectedRowsInSplitGroups: number;
  /** Test rows with an identical feature row in the training part. */
  expectedTestRowsWithTrainTwin: number;
}

export interface DuplicateRows {
  /** Groups of two or more rows with identical features. */
  groups: number;
  rows: number;
  /** Groups holding both classes, and their rows. */
  conflictingGroups: number;
  conflictingRows: number;
  largestGroup: number;
  split: SplitOverlap;
}

export interface ValueFillDetails {
  value: number;
  count: number;
  /** Of the non-missing rows. */
  share: number;
  secondValue: number | null;
  secondCount: number;
  /** Mean of the rows not carrying the value. */
  meanOfOthers: number | null;
  /** Share of whole numbers among the rows not carrying the value. */
  wholeShareOfOthers: number;
  offGrid: boolean;
  meanLike: boolean;
  /** A two-valued column whose value is the same in every filled row (e.g. "no review"). */
  companion: { column: string; value: number; filledRows: number; otherRowsWithValue: number } | null;
}

export interface PairDetails {
  totalColumn: string;
  averageColumn: string;
  /** Rows where both are present and ≥ 0. */
  comparedRows: number;
  totalBelowAverage: number;
  equal: number;
  totalAboveAverage: number;
  /** For a swapped pair: how often (larger / smaller) is a whole number, and the most common ratios. */
  wholeRatioShare: number | null;
  ratioCounts: { ratio: number; rows: number }[];
}

export interface PureGroupDetails {
  /** 'threshold': x ≤ t or x ≥ t; 'level': a categorical value; 'missing': the rows where the column is empty. */
  kind: 'threshold' | 'level' | 'missing';
  /** Set when the column is derived (a ratio of a total/average pair, the row order, the ID as a number). */
  derived: 'ratio' | 'row-order' | 'id' | null;
  direction: '<=' | '>=' | null;
  threshold: number | null;
  /** The nearest value outside the group (for a threshold). */
  nextValue: number | null;
  level: string | null;
  rows: number;
  share: number;
  targetClass: 0 | 1;
  /** For a threshold: the customers at the values just past it, and the share of them in `targetClass`. */
  adjacentRows: number | null;
  adjacentShare: number | null;
  /**
   * log10 of the chance that a group this large is all one class, at the overall class share or, if
   * higher, at the (smoothed) share just past the threshold: a smooth trend does not count, a cliff does.
   */
  log10Chance: number;
}

export interface SeparatorDetails {
  derived: PureGroupDetails['derived'];
  auc: number;
  rowsCompared: number;
  /** The best single cut (numeric columns): predict class 1 on `direction` of `threshold`. */
  bestCut: { direction: '<=' | '>='; threshold: number; correct: number; wrong: number } | null;
}

interface FindingOf<C extends string, D> {
  code: C;
  severity: Severity;
  /** The column it is about, if any. */
  column: string | null;
  message: string;
  details: D;
}

type NoDetails = Record<string, never>;

export type Finding =
  | FindingOf<'EMPTY_TABLE', NoDetails>
  | FindingOf<'NO_TARGET', NoDetails>
  | FindingOf<'TARGET_CONSTANT', ClassBalance>
  | FindingOf<'CLASS_IMBALANCE', ClassBalance>
  | FindingOf<'MISSING_VALUES', { missing: number; share: number }>
  | FindingOf<'CONSTANT_COLUMN', { value: number | string | null; missing: number }>
  | FindingOf<'DUPLICATE_IDS', DuplicateIds>
  | FindingOf<'DUPLICATE_ROWS', DuplicateRows>
  | FindingOf<'CONFLICTING_DUPLICATES', DuplicateRows>
  | FindingOf<'FILLED_VALUE', ValueFillDetails>
  | FindingOf<'DOMINANT_VALUE', ValueFillDetails>
  | FindingOf<'DOMINANT_ZERO', ValueFillDetails>
  | FindingOf<'HEADERS_SWAPPED', PairDetails>
  | FindingOf<'PAIR_INCONSISTENT', PairDetails>
  | FindingOf<'PURE_GROUP', PureGroupDetails>
  | FindingOf<'SEPARATOR', SeparatorDetails>;

export type FindingCode = Finding['code'];

export interface AuditReport {
  source: string;
  idColumn: string | null;
  targetColumn: string | null;
  nRows: number;
  nFeatures: number;
  classBalance: ClassBalance | null;
  columns: ColumnSummary[];
  /** Null when the table has no ID column. */
  duplicateIds: DuplicateIds | null;
  duplicateRows: DuplicateRows;
  /** Most severe first. */
  findings: Finding[];
  counts: Record<Severity, number>;
  options: AuditOptions;
}
