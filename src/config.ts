/**
 * Every default a user can change, once. The CLI shows these as its flags' defaults, and the library
 * and the server fall back on them; the network presets live with the network (src/model/presets.ts).
 */

const MB = 1024 * 1024;

/** How a labelled table is split for training, validation and test. */
export const SPLIT_DEFAULTS = {
  split: [0.8, 0.1, 0.1] as [number, number, number],
  balance: 'random' as const,
  seed: 0,
};

/** Random splits `rebuy compare` runs when no --folds are given. */
export const COMPARE_REPEATS = 20;

/** Where `rebuy serve` listens, and how long in-flight requests may finish after SIGTERM. */
export const SERVE_DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  graceSeconds: 30,
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
} as const;

/** Scoring a file: rows per model call, and DuckDB's memory while ranking (it spills to disk beyond). */
export const SCORING_DEFAULTS = {
  batchRows: 16_384,
  memoryLimit: '96MB',
} as const;

/** `rebuy features`: the target's horizon after the cutoff, and DuckDB's memory while summarising the log (it spills to disk beyond). */
export const FEATURES_DEFAULTS = {
  horizon: '180d',
  memoryLimit: '256MB',
} as const;

/** How probabilities are corrected for the natural class mix after training on a balanced one. */
export const CALIBRATION_METHODS = ['prior', 'platt', 'none'] as const;
export const DEFAULT_CALIBRATION: (typeof CALIBRATION_METHODS)[number] = 'prior';
