/**
 * Every default a user can change, once. The CLI shows these as its flags' defaults, and the library
 * and the server fall back on them; the network presets live with the network (src/model/presets.ts).
 */

const MB = 1024 * 1024;

/** How a labelled table is split for training, validation and test (balance: the Audiobooks notebooks' undersampling). */
export const SPLIT_DEFAULTS = {
  split: [0.8, 0.1, 0.1] as [number, number, number],
  balance: 'random' as const,
  seed: 0,
};

/**
 * A table other than Audiobooks, where no notebook defines the training: every row trains (the
 * classes weighted in the loss rather than undersampled away), and the default model is the better
 * of the default preset and the cross-validated logistic regression by cross-validation on the
 * training part, since neither wins on every table.
 */
export const NEW_TABLE_DEFAULTS = {
  balance: 'weights' as const,
} as const;

/** `rebuy train --treatment`: folds of the choice among uplift learners, and the share of customers held out. */
export const UPLIFT_SELECTION_FOLDS = 5;
export const UPLIFT_TEST_SHARE = 0.2;

/** Random splits `rebuy compare` runs when no --folds are given. */
export const COMPARE_REPEATS = 20;

/** Where `rebuy serve` listens, and how long in-flight requests may finish after SIGTERM. */
export const SERVE_DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  graceSeconds: 30,
} as const;

/**
 * Temporaries named the old way (`.NAME.tmp-HEX`, `.DIR.partial-HEX`) carry no process to ask
 * whether it still runs: the next write beside them removes them once they are this old.
 */
export const LEGACY_TEMPORARY_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** The model store (versions and aliases): `--store DIR`, else this environment variable, else the directory. */
export const STORE_DEFAULTS = {
  dir: 'rebuy-models',
  env: 'REBUY_STORE',
} as const;

/** The server's limits per request and at once. */
export const SERVER_LIMITS = {
  /** Customers in one JSON request. */
  maxBatch: 10_000,
  maxUploadBytes: 100 * MB,
  /** Requests per minute per key (or per IP without a key); 0 = no limit. */
  rateLimitPerMinute: 6000,
  /** /v1 requests handled at once; more get 503. */
  maxInFlight: 512,
  /** CSV uploads received or scored at once; more get 503. */
  maxConcurrentUploads: 4,
  /** Best-ranked rows of an upload that get reasons (JSON answers with ?reasons=k). */
  maxReasonRows: 1000,
  /**
   * Time a request (headers and body) has to arrive; then 408 and the connection is closed, so a
   * client sending slowly holds an upload slot or body bytes no longer. Long enough for the largest
   * upload (maxUploadBytes) over a slow office link.
   */
  bodyTimeoutMs: 5 * 60_000,
} as const;

/**
 * Scoring a file: rows per model call, and DuckDB's memory for the scores (it spills to disk beyond).
 * DuckDB fills whatever limit it has, so a limit above what a short list needs makes a long list cost more.
 */
export const SCORING_DEFAULTS = {
  batchRows: 16_384,
  /** While the file is read and scored: the reader and the model hold memory of their own beside it. */
  appendMemoryLimit: '16MB',
  /** While the scores are ranked: DuckDB's sort needs more as the list and its IDs grow, so this sets the longest list it ranks. */
  memoryLimit: '96MB',
  /** While a share of the IDs (duplicateCheckRows) is grouped to find repeated ones. */
  duplicateCheckMemoryLimit: '48MB',
  /** Rows per pass of the check for repeated IDs: DuckDB's grouping needs memory that grows with the IDs it holds. */
  duplicateCheckRows: 2_500_000,
} as const;

/**
 * `rebuy score` on a local file without --path: DuckDB's compiled SQL when the model needs at most
 * this many multiply-adds per customer, else the streaming ONNX path. Both read the file with DuckDB;
 * past the reading, DuckDB evaluates the SQL one expression per unit where onnxruntime multiplies
 * matrices, so SQL's cost grows with the weights far faster. The bound sits where `npm run bench:sql`
 * finds the two paths' CPU time equal, between the logistic model (SQL cheaper) and a 2x10 network
 * (ONNX cheaper).
 */
export const LOCAL_SQL_PATH = {
  maxMultiplyAdds: 32,
} as const;

/** `rebuy features`: the target's horizon after the cutoff, and DuckDB's memory while summarising the log (it spills to disk beyond). */
export const FEATURES_DEFAULTS = {
  horizon: '180d',
  memoryLimit: '256MB',
} as const;

/** How probabilities are corrected for the natural class mix after training on a balanced one. */
export const CALIBRATION_METHODS = ['prior', 'platt', 'none'] as const;
export const DEFAULT_CALIBRATION: (typeof CALIBRATION_METHODS)[number] = 'prior';

/** Explanations: columns whose ranks move together this strongly (|Spearman| on the background sample) are explained as one fact. */
export const EXPLAIN_DEFAULTS = {
  groupDependence: 0.9,
} as const;

/**
 * `rebuy monitor`: Evidently's default drift tests and thresholds (p-value tests up to `smallSample`
 * rows, distances above), the population stability index's usual alarm, and when a run alerts (exit 3):
 * the scores drifted, or at least `alertShare` of the features did (Evidently's dataset-drift share).
 */
export const MONITOR_DEFAULTS = {
  smallSample: 1000,
  pValue: 0.05,
  wasserstein: 0.1,
  jensenShannon: 0.1,
  psi: 0.1,
  /**
   * A mean that moves by at least this share of the training mean, at p < meanPValue (Welch), is
   * flagged: a change confined to part of the customers moves the mean clearly, while distribution
   * distances dominated by many identical values (customers at 0) can stay under their thresholds.
   */
  meanChange: 0.1,
  meanPValue: 0.01,
  /** A missing share that moves by at least this much (and significantly) is flagged. */
  missingShareChange: 0.05,
  /** Categories the model never saw, in at least this share of the list's rows, are flagged. */
  newCategoryShare: 0.01,
  alertShare: 0.5,
} as const;
