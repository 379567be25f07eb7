/**
 * evaluation.json: what a bundle keeps of its evaluation, enough to draw every chart and to choose
 * a threshold later without the training data.
 */
import { Type, type StaticDecode } from '#typebox';
import { bundleError } from '../errors.js';
import {
  AuditReportSchema,
  decodeBundleValue,
  encodeBundleJson,
  JsonNumber,
  lazyChecker,
  LeaderboardSchema,
  MoneySettingsSchema,
  Nullable,
  parseBundleJson,
  ScoredPartSchema,
} from './format.js';
import { EVALUATION_FILE } from './layout.js';
import type { LoadedBundle } from './load.js';

/** Permutation importance of one feature column: how much ROC-AUC drops when it is shuffled. */
export const FeatureImportanceSchema = Type.Object({ feature: Type.String(), meanDrop: JsonNumber, lower: JsonNumber, upper: JsonNumber });
export type FeatureImportance = StaticDecode<typeof FeatureImportanceSchema>;

/** How one fact's push moves with its main value across the test customers (a dependence chart's data). */
export const DependenceChartSchema = Type.Object({
  group: Type.String(),
  label: Type.String(),
  x: Type.Object({ label: Type.String() }),
  color: Nullable(Type.Object({ column: Type.String(), label: Type.String(), strength: Type.Number() })),
  // Plain numbers: null means missing here, not a NaN to restore.
  points: Type.Array(Type.Object({ x: Nullable(Type.Number()), y: Type.Number(), color: Nullable(Type.Number()) }), { description: 'x: main value; y: push in percentage points; color: the colour column.' }),
  interaction: Nullable(Type.Object({ at: Type.String(), raisesFor: Type.Union([Type.Literal('high'), Type.Literal('low')]), text: Type.String() })),
});
export type DependenceChart = StaticDecode<typeof DependenceChartSchema>;

/** BG/NBD on a customer table built from a purchase log: the report's heat map and holdout chart (purchases/holdout.ts). */
export const PurchaseModelSummarySchema = Type.Object({
  params: Type.Object({ r: Type.Number(), alpha: Type.Number(), a: Type.Number(), b: Type.Number() }),
  fittedCustomers: Type.Integer({ minimum: 0 }),
  horizonDays: Type.Number(),
  medianAge: Type.Number(),
  grid: Type.Object({
    frequencies: Type.Array(Type.Number()),
    recencies: Type.Array(Type.Number()),
    expected: Type.Array(Type.Array(Type.Number()), { description: 'expected[i][j]: purchases expected in the horizon for frequencies[i] and recencies[j].' }),
  }),
  holdout: Nullable(
    Type.Object({
      measure: Type.Union([Type.Literal('purchases'), Type.Literal('bought-again')]),
      customers: Type.Union([Type.Literal('fitted'), Type.Literal('held-out')]),
      groups: Type.Array(Type.Object({ label: Type.String(), customers: Type.Integer({ minimum: 0 }), predicted: Type.Number(), actual: Type.Number() })),
      predictedTotal: Type.Number(),
      actualTotal: Type.Number(),
    }),
  ),
});

export const EvaluationSchema = Type.Object({
  naturalTest: Type.Object(ScoredPartSchema.properties, {
    description: 'Calibrated probabilities on the natural class mix (rows never used for training or validation).',
  }),
  balancedTest: Type.Object(ScoredPartSchema.properties, { description: "The network's raw probabilities on the balanced test part (as the seeds report)." }),
  baselineNaturalTest: Nullable(ScoredPartSchema),
  naturalTestUncalibrated: Type.Object(ScoredPartSchema.properties, {
    description: 'Raw probabilities on the natural test part, to show what calibration changed.',
  }),
  validation: Type.Optional(
    Type.Object(ScoredPartSchema.properties, {
      description: 'Calibrated probabilities on the validation part, where objectives that need labels choose their threshold apart from the test parts.',
    }),
  ),
  importance: Nullable(Type.Array(FeatureImportanceSchema)),
  /** Absent from bundles made before reasons were explained by fact. */
  dependence: Type.Optional(Nullable(Type.Array(DependenceChartSchema))),
  /** Only for a customer table built by `features`; absent from other bundles and from older ones. */
  purchases: Type.Optional(PurchaseModelSummarySchema),
  audit: Nullable(AuditReportSchema),
  leaderboard: Nullable(LeaderboardSchema),
  money: Nullable(MoneySettingsSchema),
});
export type BundleEvaluation = StaticDecode<typeof EvaluationSchema>;

const evaluationChecker = lazyChecker(EvaluationSchema);

/** Parses and checks evaluation.json; a bad file is a BUNDLE_INVALID error naming the field. */
export function parseEvaluation(text: string, dir: string): BundleEvaluation {
  const evaluation = decodeBundleValue(evaluationChecker(), EVALUATION_FILE, parseBundleJson(EVALUATION_FILE, text, dir), dir);
  const parts = ['naturalTest', 'balancedTest', 'baselineNaturalTest', 'naturalTestUncalibrated', 'validation'] as const;
  for (const name of parts) {
    const part = evaluation[name];
    if (part && part.probability.length !== part.label.length) {
      throw bundleError(dir, `${EVALUATION_FILE}: ${name} has ${part.probability.length} probabilities but ${part.label.length} labels`);
    }
  }
  return evaluation;
}

/** The evaluation as evaluation.json's text (checked against the schema; NaN written as null). */
export function evaluationJson(evaluation: BundleEvaluation): string {
  return encodeBundleJson(evaluationChecker(), EVALUATION_FILE, evaluation);
}

/** The verified bundle's evaluation.json, checked. */
export async function readEvaluation(bundle: LoadedBundle): Promise<BundleEvaluation> {
  if (!(EVALUATION_FILE in bundle.manifest.files)) throw bundleError(bundle.dir, `has no ${EVALUATION_FILE}; train the model again`);
  return parseEvaluation((await bundle.readVerified(EVALUATION_FILE)).toString('utf8'), bundle.dir);
}
