/**
 * profile.json: what the training data looked like, for `monitor` to compare new customer lists with:
 * per feature a bounded sample, quantiles and a histogram (numeric) or category counts (categorical),
 * missing counts, and the same for the calibrated scores. Sizes are capped so a bundle stays small.
 */
import { Type, type StaticDecode } from '#typebox';
import { bundleError } from '../errors.js';
import { decodeBundleValue, encodeBundleJson, JsonNumber, lazyChecker, parseBundleJson } from './format.js';
import { PROFILE_FILE } from './layout.js';
import type { LoadedBundle } from './load.js';

/** Quantile points kept per numeric column: 0 %, 1 %, …, 100 %. */
export const PROFILE_QUANTILES = 101;
/** Non-missing values kept per numeric column for the tests that need the sample itself (KS, Wasserstein). */
export const PROFILE_SAMPLE_ROWS = 5000;
/** Histogram bins at most (the reference deciles, fewer where values tie). */
export const PROFILE_BINS = 10;
/** A numeric column with at most this many distinct values is compared as categories, as Evidently does. */
export const PROFILE_FEW_VALUES = 5;
/** Categories kept by count; the rest are counted together as "other". */
export const PROFILE_CATEGORIES = 50;

const Count = Type.Integer({ minimum: 0 });

const HistogramSchema = Type.Object({
  /** Bin i holds values in (edges[i-1], edges[i]]; the first bin is everything ≤ edges[0], the last everything above the last edge. */
  edges: Type.Array(Type.Number(), { maxItems: PROFILE_BINS - 1 }),
  counts: Type.Array(Count, { maxItems: PROFILE_BINS }),
});

const DistributionSchema = Type.Object({
  rows: Count,
  missing: Count,
  mean: JsonNumber,
  std: JsonNumber,
  quantiles: Type.Array(Type.Number(), { maxItems: PROFILE_QUANTILES }),
  histogram: HistogramSchema,
  /** Each distinct value and its count, when there are at most PROFILE_FEW_VALUES; otherwise null. */
  values: Type.Union([Type.Array(Type.Object({ value: Type.Number(), count: Count }), { maxItems: PROFILE_FEW_VALUES }), Type.Null()]),
  /** A seeded random sample of the non-missing values, at most PROFILE_SAMPLE_ROWS. */
  sample: Type.Array(Type.Number(), { maxItems: PROFILE_SAMPLE_ROWS }),
});

export const NumericProfileSchema = Type.Object({ name: Type.String(), ...DistributionSchema.properties });

export const CategoricalProfileSchema = Type.Object({
  name: Type.String(),
  rows: Count,
  missing: Count,
  levels: Type.Array(Type.Object({ value: Type.String(), count: Count }), { maxItems: PROFILE_CATEGORIES }),
  /** Rows whose category is not among `levels` (the rarer ones), and how many such categories. */
  other: Count,
  otherLevels: Count,
});

export const ScoreProfileSchema = Type.Object({ source: Type.String(), ...DistributionSchema.properties });

export const ProfileSchema = Type.Object({
  /** Where the features' profile comes from, in words. */
  source: Type.String(),
  rows: Count,
  numeric: Type.Array(NumericProfileSchema),
  categorical: Type.Array(CategoricalProfileSchema),
  /** The calibrated probabilities on held-out natural-mix customers; null when there were none. */
  scores: Type.Union([ScoreProfileSchema, Type.Null()]),
});

export type Distribution = StaticDecode<typeof DistributionSchema>;
export type NumericProfile = StaticDecode<typeof NumericProfileSchema>;
export type CategoricalProfile = StaticDecode<typeof CategoricalProfileSchema>;
export type ScoreProfile = StaticDecode<typeof ScoreProfileSchema>;
export type TrainingProfile = StaticDecode<typeof ProfileSchema>;

const profileChecker = lazyChecker(ProfileSchema);

export function profileJson(profile: TrainingProfile): string {
  return encodeBundleJson(profileChecker(), PROFILE_FILE, profile);
}

export function hasProfile(bundle: LoadedBundle): boolean {
  return PROFILE_FILE in bundle.manifest.files;
}

/** The verified bundle's profile.json, checked against its schema. */
export async function readProfile(bundle: LoadedBundle): Promise<TrainingProfile> {
  if (!hasProfile(bundle)) throw bundleError(bundle.dir, `has no ${PROFILE_FILE}: it was saved before training profiles (train it again to monitor it)`);
  const text = (await bundle.readVerified(PROFILE_FILE)).toString('utf8');
  return decodeBundleValue(profileChecker(), PROFILE_FILE, parseBundleJson(PROFILE_FILE, text, bundle.dir), bundle.dir);
}
