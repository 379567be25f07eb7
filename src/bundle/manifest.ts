/** manifest.json: what a bundle is, how it was trained, and the SHA-256 of every other file in it. */
import { Type, type StaticDecode } from '#typebox';
import { bundleError } from '../errors.js';
import {
  CalibrationSchema,
  decodeBundleValue,
  encodeBundleJson,
  EpochRecordSchema,
  FeatureStateSchema,
  MetricSetSchema,
  NetworkConfigSchema,
  Nullable,
  parseBundleJson,
  TableSchemaSchema,
  walkingChecker,
  UpliftSectionSchema,
} from './format.js';
import { BundleObjectiveSchema } from './objective.js';
import { MANIFEST_FILE } from './layout.js';

export const BUNDLE_FORMAT = 'rebuy-bundle';
/** 2: a structured threshold objective, and the report listed and hashed like every other file. */
export const FORMAT_VERSION = 2;

/** One model of an ensemble: its configuration, its calibration, and its weights' files in TF.js' format. */
export const EnsembleMemberSchema = Type.Object({
  name: Type.String({ description: 'The configuration, e.g. "2x50+derived".' }),
  kind: Type.Union([Type.Literal('network'), Type.Literal('logistic')]),
  preset: Nullable(Type.String()),
  config: Type.Union([NetworkConfigSchema, Type.Null()], { description: "The network's configuration; null for the logistic regression." }),
  calibration: CalibrationSchema,
  history: Type.Array(EpochRecordSchema),
  bestEpoch: Type.Integer({ minimum: 0 }),
  trainSeconds: Type.Number(),
  files: Type.Object({
    topology: Type.String({ description: "The member's model.json (TF.js layers format), listed and hashed in `files`." }),
    weights: Type.String({ description: 'Its binary weights, listed and hashed in `files`.' }),
  }),
});
export type EnsembleMember = StaticDecode<typeof EnsembleMemberSchema>;

/** Where an ensemble's member k (0-based) keeps its weights in the bundle. */
export function ensembleMemberFiles(k: number): EnsembleMember['files'] {
  return { topology: `member-${k + 1}.json`, weights: `member-${k + 1}.weights.bin` };
}

export const ModelSummarySchema = Type.Object({
  name: Type.String({ description: 'The configuration, e.g. "2x50" or "logistic+derived", or an ensemble\'s "mean(2x50+derived, logistic+derived)".' }),
  kind: Type.Union([Type.Literal('network'), Type.Literal('logistic'), Type.Literal('ensemble')], {
    description: 'ensemble: model.onnx is the mean of the members\' calibrated probabilities; calibration then maps its raw score (that mean shifted back to the training class mix) to the probability.',
  }),
  derived: Type.Boolean({ description: "Trained with the schema's derived features." }),
  preset: Nullable(Type.String()),
  config: Type.Union([NetworkConfigSchema, Type.Null()], { description: "The network's configuration; null for the logistic baseline." }),
  history: Type.Array(EpochRecordSchema, { description: 'Training curves, one entry per epoch.' }),
  bestEpoch: Type.Integer({ minimum: 0 }),
  trainSeconds: Type.Number(),
  metrics: Type.Object({
    balancedTest: Nullable(MetricSetSchema),
    naturalTest: Nullable(MetricSetSchema),
  }),
  /** Present only for an ensemble (older bundles have none); its members share the manifest's features. */
  members: Type.Optional(Type.Array(EnsembleMemberSchema, { minItems: 2 })),
});
export type ModelSummary = StaticDecode<typeof ModelSummarySchema>;

export const TrainingDataSchema = Type.Object({
  fingerprint: Type.String({ description: "SHA-256 over the training data files' bytes." }),
  files: Type.Array(Type.String()),
  synthetic: Type.Boolean({ description: 'True for a bundle trained on the generated synthetic demo sample.' }),
  rows: Type.Integer({ minimum: 0 }),
  positives: Type.Integer({ minimum: 0 }),
  balance: Type.Union([Type.Literal('random'), Type.Literal('first'), Type.Literal('weights')]),
  split: Type.Tuple([Type.Number(), Type.Number(), Type.Number()]),
  seed: Type.Integer(),
  trainRows: Type.Integer({ minimum: 0 }),
  validRows: Type.Integer({ minimum: 0 }),
  testRows: Type.Integer({ minimum: 0 }),
  naturalTestRows: Type.Integer({ minimum: 0 }),
});

export const ManifestSchema = Type.Object({
  format: Type.Literal(BUNDLE_FORMAT),
  formatVersion: Type.Literal(FORMAT_VERSION),
  createdAt: Type.String(),
  packages: Type.Record(Type.String(), Type.String()),
  schema: TableSchemaSchema,
  features: FeatureStateSchema,
  featureNames: Type.Array(Type.String(), { description: "Names of the model's input features, in order." }),
  data: TrainingDataSchema,
  model: ModelSummarySchema,
  baseline: Nullable(ModelSummarySchema),
  threshold: Type.Number(),
  thresholdObjective: BundleObjectiveSchema,
  calibration: CalibrationSchema,
  /** Present only in a bundle trained with --treatment; older bundles load without it. */
  uplift: Type.Optional(UpliftSectionSchema),
  files: Type.Record(Type.String(), Type.String({ pattern: '^[0-9a-f]{64}$' }), { description: 'SHA-256 of every other file in the bundle, by file name.' }),
});
export type Manifest = StaticDecode<typeof ManifestSchema>;
/** A manifest before saving: the file hashes are added by saveBundle. */
export type ManifestDraft = Omit<Manifest, 'files'>;

const manifestChecker = walkingChecker(ManifestSchema);

/** Parses and checks manifest.json; another format or version is refused before any field is read. */
export function parseManifest(text: string, dir: string): Manifest {
  const parsed = parseBundleJson(MANIFEST_FILE, text, dir);
  const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  if (!isObject || Reflect.get(parsed, 'format') !== BUNDLE_FORMAT) throw bundleError(dir, `${MANIFEST_FILE} is not a rebuy bundle manifest`);
  const version: unknown = Reflect.get(parsed, 'formatVersion');
  if (version !== FORMAT_VERSION) {
    throw bundleError(dir, `${MANIFEST_FILE} has format version ${JSON.stringify(version)}; this rebuy reads version ${FORMAT_VERSION}: train the model again`);
  }
  return decodeBundleValue(manifestChecker(), MANIFEST_FILE, parsed, dir);
}

/** The manifest as manifest.json's text (checked against the schema; NaN written as null). */
export function manifestJson(manifest: Manifest): string {
  return `${encodeBundleJson(manifestChecker(), MANIFEST_FILE, manifest, 2)}\n`;
}
