/**
 * The bundle format's building blocks: a schema for every runtime value a bundle file stores (the
 * table schema, fitted features, network settings, metrics, calibration, objective, leaderboard,
 * audit). Each file type's schema (manifest.ts, evaluation.ts, background.ts) is made of these. The
 * runtime types stay with the code that computes them; `agree` below proves each schema decodes to
 * exactly that type, so the two cannot drift apart.
 */
import {
  HasTransform,
  KindGuard,
  Type,
  TypeCompiler,
  TransformDecode,
  TransformDecodeCheckError,
  TransformEncode,
  TransformEncodeCheckError,
  type StaticDecode,
  type StaticEncode,
  type TSchema,
  type TypeCheck,
  ValueCheck,
  ValueErrors,
  type ValueError,
} from '#typebox';
import type { TableSchema } from '../core/schema.js';
import type { FeatureState } from '../prep/features.js';
import type { EpochRecord, NetworkConfig } from '../model/network.js';
import type { MetricSet } from '../evaluate/metrics.js';
import type { Calibration } from '../evaluate/calibration.js';
import type { ScoredPart } from '../evaluate/curves.js';
import type { Leaderboard } from '../evaluate/leaderboard.js';
import type { MoneySettings, ThresholdObjective } from '../evaluate/decide.js';
import type { SavedUpliftDecision } from '../evaluate/uplift-decide.js';
import type { AuditReport } from '../audit/types.js';
import { bundleError, internalError } from '../errors.js';

/** True when A and B are the same type (not merely assignable: an extra optional field counts too). */
export type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Compiles only when the schema decodes to exactly the runtime type. */
export function agree<Schema extends TSchema, Runtime>(check: Same<StaticDecode<Schema>, Runtime>): void {
  void check;
}

/** A number that may be NaN or infinite in memory: JSON writes it as null, and null reads back as NaN. */
export const JsonNumber = Type.Transform(Type.Union([Type.Number(), Type.Null()]))
  .Decode((v) => v ?? Number.NaN)
  .Encode((v) => (Number.isFinite(v) ? v : null));

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Count = Type.Integer({ minimum: 0 });
const Pair = Type.Tuple([Type.Number(), Type.Number()]);

// ---- the table and the fitted features ----

export const TableSchemaSchema = Type.Object({
  name: Type.Union([Type.Literal('audiobooks'), Type.Literal('custom')]),
  id: Nullable(Type.String()),
  target: Nullable(Type.String()),
  targetValues: Type.Optional(Type.Object({ positive: Type.String(), negative: Type.String() }, { description: 'A target written as two values other than 0/1: the one read as 1, and the other.' })),
  features: Type.Array(Type.Object({ name: Type.String(), kind: Type.Union([Type.Literal('numeric'), Type.Literal('categorical')]) })),
});
agree<typeof TableSchemaSchema, TableSchema>(true);

const DerivedFeatureSchema = Type.Union([
  Type.Object({ name: Type.String(), op: Type.Literal('ratio'), inputs: Type.Tuple([Type.String(), Type.String()]) }),
  Type.Object({ name: Type.String(), op: Type.Literal('log1p'), inputs: Type.Tuple([Type.String()]) }),
  Type.Object({ name: Type.String(), op: Type.Literal('positive'), inputs: Type.Tuple([Type.String()]) }),
  Type.Object({ name: Type.String(), op: Type.Literal('differs'), inputs: Type.Tuple([Type.String()]), value: Type.Number() }),
]);

export const FeatureStateSchema = Type.Object({
  numeric: Type.Array(
    Type.Object({ name: Type.String(), mean: Type.Number(), std: Type.Number(), fill: Type.Number(), flagMissing: Type.Boolean() }),
  ),
  categorical: Type.Array(Type.Object({ name: Type.String(), levels: Type.Array(Type.String()) })),
  derived: Type.Optional(Type.Array(DerivedFeatureSchema)),
});
agree<typeof FeatureStateSchema, FeatureState>(true);

// ---- the model ----

export const NetworkConfigSchema = Type.Object({
  hidden: Type.Array(Type.Integer({ minimum: 0 })),
  activation: Type.Union([Type.Literal('relu'), Type.Literal('tanh'), Type.Literal('sigmoid'), Type.Literal('linear')]),
  output: Type.Union([Type.Literal('softmax'), Type.Literal('sigmoid')]),
  learningRate: Type.Number(),
  batchSize: Type.Integer({ minimum: 1 }),
  maxEpochs: Type.Integer({ minimum: 0 }),
  patience: Type.Integer({ minimum: 0 }),
  seed: Type.Integer(),
  classWeights: Type.Optional(Pair),
  restoreBest: Type.Optional(Type.Boolean()),
});
agree<typeof NetworkConfigSchema, NetworkConfig>(true);

export const EpochRecordSchema = Type.Object({
  epoch: Type.Integer(),
  loss: JsonNumber,
  accuracy: JsonNumber,
  valLoss: JsonNumber,
  valAccuracy: JsonNumber,
});
agree<typeof EpochRecordSchema, EpochRecord>(true);

// ---- evaluation ----

export const MetricSetSchema = Type.Object({
  n: Count,
  positives: Count,
  loss: JsonNumber,
  accuracy: JsonNumber,
  balancedAccuracy: JsonNumber,
  precision: JsonNumber,
  recall: JsonNumber,
  f1: JsonNumber,
  rocAuc: JsonNumber,
  prAuc: JsonNumber,
  brier: JsonNumber,
  confusion: Type.Tuple([Type.Tuple([Count, Count]), Type.Tuple([Count, Count])], { description: '[[tn, fp], [fn, tp]]' }),
});
agree<typeof MetricSetSchema, MetricSet>(true);

export const CalibrationSchema = Type.Object({
  method: Type.Union([Type.Literal('none'), Type.Literal('prior'), Type.Literal('platt')]),
  slope: Type.Number(),
  intercept: Type.Number(),
});
agree<typeof CalibrationSchema, Calibration>(true);

export const MoneySettingsSchema = Type.Object({
  contactCost: Type.Number({ minimum: 0 }),
  valuePerReturn: Type.Number({ exclusiveMinimum: 0 }),
});
agree<typeof MoneySettingsSchema, MoneySettings>(true);

/** A value with its percentile bootstrap interval (evaluate/uplift.ts Estimate). */
const EstimateSchema = Type.Object({ value: JsonNumber, interval: Type.Tuple([JsonNumber, JsonNumber]) });

/**
 * The incremental-profit decision `rebuy decide --objective incremental-profit` saved: its money
 * settings, and the list it chose judged on customers of the test through their arms.
 */
export const UpliftDecisionSchema = Type.Object({
  money: MoneySettingsSchema,
  source: Type.String({ description: 'The customers the list was judged on, in words.' }),
  heldOut: Type.Boolean({ description: 'True when they are the customers held out at training.' }),
  seed: Type.Integer({ description: 'The bootstrap seed.' }),
  customers: Count,
  contacted: Count,
  byTreatment: Type.Array(Count, { description: 'Contacted per treatment, in treatment order.' }),
  putOff: Count,
  expectedProfit: JsonNumber,
  realized: EstimateSchema,
  curve: Type.Array(Type.Object({ contacted: Count, profit: EstimateSchema }), { description: "Realized profit of the first n customers by expected incremental profit; one point is the chosen list's." }),
  level: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
});
agree<typeof UpliftDecisionSchema, SavedUpliftDecision>(true);

/**
 * An uplift bundle's own section: the experiment it learnt from, the learner chosen, and the held-out
 * evaluation. Its model.onnx has outputs p_control, then p_treatment_t and uplift_t per treatment.
 */
export const UpliftSectionSchema = Type.Object({
  treatmentColumn: Type.String(),
  control: Type.String(),
  treatments: Type.Array(Type.String(), { description: 'Treatment values, in the order of the graph outputs.' }),
  ignored: Type.Array(Type.String(), { description: 'Columns left out of the features (other outcomes).' }),
  learner: Type.String({ description: 'The chosen learner, e.g. "two-model·logistic".' }),
  outputs: Type.Array(Type.String(), { description: "The ONNX graph's output names, in order." }),
  selection: Type.Array(Type.Object({ name: Type.String(), qini: Type.Array(JsonNumber), mean: JsonNumber, sd: JsonNumber })),
  evaluation: Type.Array(
    Type.Object({
      treatment: Type.String(),
      treated: Count,
      control: Count,
      qini: Type.Object({ model: EstimateSchema, response: EstimateSchema, versusResponse: EstimateSchema }),
      upliftAt: Type.Array(
        Type.Object({
          share: Type.Number(),
          model: EstimateSchema,
          response: EstimateSchema,
          random: EstimateSchema,
          versusResponse: EstimateSchema,
          versusRandom: EstimateSchema,
        }),
      ),
      curve: Type.Object({ targeted: Type.Array(Type.Number()), value: Type.Array(JsonNumber) }),
    }),
  ),
  /** Absent until `rebuy decide --objective incremental-profit` saves one. */
  decision: Type.Optional(UpliftDecisionSchema),
});

export const ThresholdObjectiveSchema = Type.Union([
  Type.Object({ kind: Type.Literal('accuracy') }),
  Type.Object({ kind: Type.Literal('f1') }),
  Type.Object({ kind: Type.Literal('topK'), k: Type.Integer({ minimum: 0 }) }),
  Type.Object({ kind: Type.Literal('topFraction'), fraction: Type.Number({ minimum: 0, maximum: 1 }) }),
  Type.Object({ kind: Type.Literal('profit'), ...MoneySettingsSchema.properties }),
]);
agree<typeof ThresholdObjectiveSchema, ThresholdObjective>(true);

export const ScoredPartSchema = Type.Object({
  probability: Type.Array(Type.Number({ minimum: 0, maximum: 1 })),
  label: Type.Array(Type.Integer({ minimum: 0, maximum: 1 })),
});
agree<typeof ScoredPartSchema, ScoredPart>(true);

const IntervalSchema = Type.Object({ n: Count, mean: JsonNumber, lower: JsonNumber, upper: JsonNumber, level: Type.Number() });

export const LeaderboardSchema = Type.Object({
  rankBy: Type.String(),
  plans: Count,
  testTrainRatio: Type.Number(),
  rows: Type.Array(
    Type.Object({
      candidate: Type.String(),
      metrics: Type.Record(Type.String(), IntervalSchema),
      vsLeader: Nullable(
        Type.Object({ meanDifference: JsonNumber, lower: JsonNumber, upper: JsonNumber, pValue: JsonNumber, significant: Type.Boolean() }),
      ),
      medianTrainSeconds: Type.Number(),
    }),
  ),
});
agree<typeof LeaderboardSchema, Leaderboard>(true);

// ---- the data audit ----

const Severity = Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('problem')]);
const ClassBalance = Type.Object({ positives: Count, negatives: Count, positiveShare: Type.Number() });
const DuplicateIds = Type.Object({ groups: Count, rows: Count, examples: Type.Array(Type.String()) });
const DuplicateRows = Type.Object({
  groups: Count,
  rows: Count,
  conflictingGroups: Count,
  conflictingRows: Count,
  largestGroup: Count,
  split: Type.Object({
    testShare: Type.Number(),
    testRows: Type.Number(),
    expectedGroupsSplit: Type.Number(),
    expectedRowsInSplitGroups: Type.Number(),
    expectedTestRowsWithTrainTwin: Type.Number(),
  }),
});
const ValueFill = Type.Object({
  value: Type.Number(),
  count: Count,
  share: Type.Number(),
  secondValue: Nullable(Type.Number()),
  secondCount: Count,
  meanOfOthers: Nullable(Type.Number()),
  wholeShareOfOthers: Type.Number(),
  offGrid: Type.Boolean(),
  meanLike: Type.Boolean(),
  companion: Nullable(Type.Object({ column: Type.String(), value: Type.Number(), filledRows: Count, otherRowsWithValue: Count })),
});
const PairDetails = Type.Object({
  totalColumn: Type.String(),
  averageColumn: Type.String(),
  comparedRows: Count,
  totalBelowAverage: Count,
  equal: Count,
  totalAboveAverage: Count,
  wholeRatioShare: Nullable(Type.Number()),
  ratioCounts: Type.Array(Type.Object({ ratio: Type.Number(), rows: Count })),
});
const DerivedColumn = Nullable(Type.Union([Type.Literal('ratio'), Type.Literal('row-order'), Type.Literal('id')]));
const Direction = Type.Union([Type.Literal('<='), Type.Literal('>=')]);
const PureGroup = Type.Object({
  kind: Type.Union([Type.Literal('threshold'), Type.Literal('level'), Type.Literal('missing')]),
  derived: DerivedColumn,
  direction: Nullable(Direction),
  threshold: Nullable(Type.Number()),
  nextValue: Nullable(Type.Number()),
  level: Nullable(Type.String()),
  rows: Count,
  share: Type.Number(),
  targetClass: Type.Union([Type.Literal(0), Type.Literal(1)]),
  adjacentRows: Nullable(Type.Number()),
  adjacentShare: Nullable(Type.Number()),
  log10Chance: Type.Number(),
});
const Separator = Type.Object({
  derived: DerivedColumn,
  auc: Type.Number(),
  rowsCompared: Count,
  bestCut: Nullable(Type.Object({ direction: Direction, threshold: Type.Number(), correct: Count, wrong: Count })),
});
const finding = <C extends string, D extends TSchema>(code: C, details: D) =>
  Type.Object({ code: Type.Literal(code), severity: Severity, column: Nullable(Type.String()), message: Type.String(), details });
const NoDetails = Type.Record(Type.String(), Type.Never());

export const AuditReportSchema = Type.Object({
  source: Type.String(),
  idColumn: Nullable(Type.String()),
  targetColumn: Nullable(Type.String()),
  nRows: Count,
  nFeatures: Count,
  classBalance: Nullable(ClassBalance),
  columns: Type.Array(
    Type.Object({
      name: Type.String(),
      kind: Type.Union([Type.Literal('numeric'), Type.Literal('categorical')]),
      missing: Count,
      missingShare: Type.Number(),
      distinct: Count,
    }),
  ),
  duplicateIds: Nullable(DuplicateIds),
  duplicateRows: DuplicateRows,
  findings: Type.Array(
    Type.Union([
      finding('EMPTY_TABLE', NoDetails),
      finding('NO_TARGET', NoDetails),
      finding('TARGET_CONSTANT', ClassBalance),
      finding('CLASS_IMBALANCE', ClassBalance),
      finding('MISSING_VALUES', Type.Object({ missing: Count, share: Type.Number() })),
      finding('CONSTANT_COLUMN', Type.Object({ value: Type.Union([Type.Number(), Type.String(), Type.Null()]), missing: Count })),
      finding('DUPLICATE_IDS', DuplicateIds),
      finding('DUPLICATE_ROWS', DuplicateRows),
      finding('CONFLICTING_DUPLICATES', DuplicateRows),
      finding('FILLED_VALUE', ValueFill),
      finding('DOMINANT_VALUE', ValueFill),
      finding('DOMINANT_ZERO', ValueFill),
      finding('HEADERS_SWAPPED', PairDetails),
      finding('PAIR_INCONSISTENT', PairDetails),
      finding('PURE_GROUP', PureGroup),
      finding('SEPARATOR', Separator),
    ]),
  ),
  counts: Type.Object({ info: Count, warning: Count, problem: Count }),
  options: Type.Object({
    testShare: Type.Number(),
    pureGroupMinShare: Type.Number(),
    pureGroupMinCount: Type.Number(),
    pureGroupMaxChance: Type.Number(),
    pureGroupMinContrast: Type.Number(),
    separatorAuc: Type.Number(),
    minClassCount: Type.Number(),
    minLevelCount: Type.Number(),
    fillMinShare: Type.Number(),
    fillMinRatio: Type.Number(),
    fillMinCount: Type.Number(),
    maxExamples: Type.Number(),
    labels: Type.Object({ positive: Type.String(), negative: Type.String() }),
  }),
});
agree<typeof AuditReportSchema, AuditReport>(true);

// ---- reading a bundle's JSON file ----

/** A JSON pointer ("/model/history/3/loss") as a path to read ("model.history[3].loss"). */
function readablePath(pointer: string): string {
  const parts = pointer.split('/').slice(1);
  return parts.reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

/** Of a union's failures, the one that got furthest into the value names the real problem. */
function deepest(error: ValueError): ValueError {
  let best = error;
  for (const variant of error.errors) {
    const first = variant.First();
    if (first && first.path.length > best.path.length) best = deepest(first);
  }
  return best;
}

/** One alternative of a union, for a message: `"none"`, `number`, `{ kind: "f1" }`. */
function alternative(schema: TSchema): string {
  const constant: unknown = schema.const;
  if (constant !== undefined) return JSON.stringify(constant);
  const kind: unknown = schema.properties?.kind?.const;
  if (typeof kind === 'string') return `{ kind: "${kind}" }`;
  return typeof schema.type === 'string' ? schema.type : 'another value';
}

/** "model.threshold is missing", "money.valuePerReturn is -3: expected number to be greater than 0". */
function describeError(error: ValueError): string {
  const where = readablePath(error.path) || 'the file';
  if (error.value === undefined) return `${where} is missing`;
  const text = JSON.stringify(error.value);
  const variants: unknown = error.schema.anyOf;
  const expected = Array.isArray(variants) ? `expected ${variants.map((v: TSchema) => alternative(v)).join(' or ')}` : error.message.toLowerCase();
  return `${where} is ${text.length > 60 ? `${text.slice(0, 57)}...` : text}: ${expected}`;
}

/**
 * The schema TypeBox's transform walk follows, with every part that holds no transform replaced by
 * Any: the walk copies each object and array it visits, and the long arrays of plain numbers in
 * evaluation.json made it the slowest step of reading and writing a bundle. A union stays whole (the
 * walk picks its variant by checking the value), and so does a transform.
 */
function transformsOnly(schema: TSchema): TSchema {
  if (!HasTransform(schema, [])) return Type.Any();
  if (KindGuard.IsTransform(schema)) return schema;
  if (KindGuard.IsObject(schema)) {
    return { ...schema, properties: Object.fromEntries(Object.entries(schema.properties).map(([key, property]) => [key, transformsOnly(property)])) };
  }
  if (KindGuard.IsArray(schema)) return { ...schema, items: transformsOnly(schema.items) };
  if (KindGuard.IsRecord(schema)) {
    return { ...schema, patternProperties: Object.fromEntries(Object.entries(schema.patternProperties).map(([key, value]) => [key, transformsOnly(value)])) };
  }
  return schema;
}

/** What a bundle file's schema does: TypeCheck's Check, Decode and Encode, its transforms walking only where they are. */
export interface BundleCodec<T extends TSchema> {
  Check(value: unknown): value is StaticEncode<T>;
  Decode(value: unknown): StaticDecode<T>;
  Encode(value: StaticDecode<T>): StaticEncode<T>;
}

type Checker = Pick<TypeCheck<TSchema>, 'Check' | 'Errors'>;

function codec<T extends TSchema>(schema: T, check: Checker): BundleCodec<T> {
  const walked = transformsOnly(schema);
  const hasTransform = HasTransform(schema, []);
  return {
    Check: (value): value is StaticEncode<T> => check.Check(value),
    Decode(value) {
      if (!check.Check(value)) throw new TransformDecodeCheckError(schema, value, check.Errors(value).First()!);
      return (hasTransform ? TransformDecode(walked, [], value) : value) as StaticDecode<T>;
    },
    Encode(value) {
      const encoded: unknown = hasTransform ? TransformEncode(walked, [], value) : value;
      if (!check.Check(encoded)) throw new TransformEncodeCheckError(schema, value, check.Errors(value).First()!);
      return encoded;
    },
  };
}

/** A schema compiled once, on first use (importing compiles nothing): for large values, or many. */
export function lazyChecker<T extends TSchema>(schema: T): () => BundleCodec<T> {
  let compiled: BundleCodec<T> | null = null;
  return () => (compiled ??= codec(schema, TypeCompiler.Compile(schema)));
}

/**
 * A schema checked by walking it, without compiling: for a small file read once per command (the
 * manifest), where compiling the checker costs several times the check itself.
 */
export function walkingChecker<T extends TSchema>(schema: T): () => BundleCodec<T> {
  let made: BundleCodec<T> | null = null;
  return () => (made ??= codec(schema, { Check: (value: unknown) => ValueCheck(schema, value), Errors: (value: unknown) => ValueErrors(schema, value) }));
}

/** Parses one of a bundle's JSON files; bad JSON is a BUNDLE_INVALID error naming the file. */
export function parseBundleJson(file: string, text: string, dir: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw bundleError(dir, `${file} is not valid JSON`, err);
  }
}

/**
 * Checks a parsed bundle file against its schema: the typed value, or a BUNDLE_INVALID error naming
 * the bundle, the file, the failing field and its value.
 */
export function decodeBundleValue<T extends TSchema>(checker: BundleCodec<T>, file: string, value: unknown, dir: string): StaticDecode<T> {
  try {
    return checker.Decode(value);
  } catch (err) {
    if (!(err instanceof TransformDecodeCheckError)) throw err;
    throw bundleError(dir, `${file}: ${describeError(deepest(err.error))}`);
  }
}

/**
 * A value as the JSON text of its bundle file, checked against the schema first: a bundle that
 * could not be loaded again is never written.
 */
export function encodeBundleJson<T extends TSchema>(checker: BundleCodec<T>, file: string, value: StaticDecode<T>, indent?: number): string {
  try {
    return JSON.stringify(checker.Encode(value), null, indent);
  } catch (err) {
    if (!(err instanceof TransformEncodeCheckError)) throw err;
    throw internalError(`${file} would not match its schema: ${describeError(deepest(err.error))}`, err);
  }
}
