/**
 * The fitted pipeline as one SQL statement: raw customer columns in; id, probability, label (and
 * rank) out. It computes what model/onnx-build.ts puts in the ONNX graph, from the same plain data
 * (the feature state, the dense layers, the calibration, the threshold), one CTE per stage:
 *
 *   raw (typed, NaN = NULL) → derived → encoded (imputed, missing flags, one-hot with the "other"
 *   slot) → scaled (the model input, in layout order) → one CTE per hidden layer → output (logit or
 *   two sigmoid units) → calibrated → id, probability, label, rank
 *
 * Each layer reads the previous layer's columns by name, so the text grows with the weight count,
 * not with the product of the layer widths. Every value is float64; exponentials are clamped so that
 * no engine overflows or underflows.
 */
import { flaggedIndices, inputWidth, rawColumns, type FeatureState } from '../prep/features.js';
import { DIFFERS_TOLERANCE } from '../prep/derived.js';
import { LOGIT_EPSILON } from '../model/onnx-build.js';
import type { DenseLayer, NetworkWeights } from '../model/network.js';
import { IDENTITY_CALIBRATION, type CalibrationMap } from '../evaluate/calibration.js';
import { internalError } from '../errors.js';
import type { SqlDialect } from './dialect.js';

/** Everything the statement is compiled from, and what its header says about it. */
export interface ScoringPipeline {
  features: FeatureState;
  weights: NetworkWeights;
  calibration: CalibrationMap;
  threshold: number;
  /** The column that identifies a customer; returned as text. */
  idColumn: string;
  /** Lines for the header comment: model, version, hash. */
  about: string[];
  /** An ensemble's members (weights and calibration then unused): compile/ensemble-sql.ts averages their probabilities. */
  members?: readonly EnsembleMemberModel[];
}

/** One member of an ensemble: its layers on the shared model input, and its calibration. */
export interface EnsembleMemberModel {
  name: string;
  weights: NetworkWeights;
  calibration: CalibrationMap;
}

/** Where the raw rows come from: a table (optionally schema-qualified, "sales.customers") or a query. */
export type RowSource = { table: string } | { query: string };

export interface CompileOptions {
  /** Add rank (1 = most likely to buy again; ties by id) and order the rows by it. */
  rank?: boolean;
}

/**
 * Beyond ±700, exp stays inside float64 in every engine (PostgreSQL raises on overflow and on
 * underflow), while the sigmoid there is within 1e-300 of 0 or 1.
 */
const EXP_CLAMP = 700;

/** Compiles the pipeline into one statement for the dialect. */
export function compilePipelineSql(pipeline: ScoringPipeline, dialect: SqlDialect, source: RowSource, options: CompileOptions = {}): string {
  if (pipeline.members) throw internalError('SQL compile: an ensemble compiles with compileScoringSql (compile/ensemble-sql.ts)');
  checkShapes(pipeline.features, pipeline.weights);
  const ctes = [
    ...inputStages(pipeline.features, pipeline.idColumn, dialect, source),
    ...modelStages(pipeline.weights, pipeline.calibration, { prefix: '', from: 'scaled' }),
  ];
  return probabilityStatement(pipeline, dialect, ctes, 'calibrated', options);
}

/** The statement returning id, probability, label (and rank) from the CTE `from`, which holds id and probability. */
export function probabilityStatement(
  pipeline: ScoringPipeline,
  dialect: SqlDialect,
  ctes: readonly (readonly [string, string])[],
  from: string,
  options: CompileOptions,
): string {
  const rank = dialect.outputIdent('rank');
  const label = `CASE WHEN probability >= ${float64(pipeline.threshold)} THEN 1 ELSE 0 END AS label`;
  const final = options.rank
    ? `SELECT id, probability, ${label}, ROW_NUMBER() OVER (ORDER BY probability DESC, id) AS ${rank}\nFROM ${from}\nORDER BY ${rank}`
    : `SELECT id, probability, ${label}\nFROM ${from}`;
  const returns = `id, probability (of buying again), label${options.rank ? ', rank' : ''}`;
  return assembleStatement(dialect, headerLines(dialect, returns, pipeline.features, pipeline.idColumn, pipeline.about), ctes, final);
}

/** The header comment: what the statement returns, the model, and the columns it expects. */
export function headerLines(dialect: SqlDialect, returns: string, features: FeatureState, idColumn: string, about: readonly string[]): string[] {
  const raw = rawColumns(features);
  return [
    `rebuy scoring pipeline, ${dialect.name} dialect: returns ${returns}`,
    ...about,
    `expects columns: ${JSON.stringify(idColumn)} (id); numeric ${raw.numeric.map((c) => JSON.stringify(c)).join(', ') || '(none)'}; categorical ${raw.categorical.map((c) => JSON.stringify(c)).join(', ') || '(none)'}`,
    'missing values: NULL (or NaN) in numeric columns, NULL or empty text in categorical ones',
  ].map((line) => `-- ${line.replace(/[\r\n]+/g, ' ')}`);
}

/** The header, the CTEs (materialized where the dialect needs it) and the final SELECT, as one statement. */
export function assembleStatement(dialect: SqlDialect, header: readonly string[], ctes: readonly (readonly [string, string])[], final: string): string {
  const as = dialect.materializeStages ? 'AS MATERIALIZED' : 'AS';
  const body = ctes.map(([name, select]) => `${name} ${as} (\n${select}\n)`).join(',\n');
  return `${header.join('\n')}\nWITH ${body}\n${final}\n`;
}

/** raw → derived → encoded → scaled: the stages that turn raw rows into the model input (id, x0…). */
export function inputStages(features: FeatureState, idColumn: string, dialect: SqlDialect, source: RowSource): [string, string][] {
  return [
    ['raw', rawStage(features, idColumn, dialect, source)],
    ['derived', derivedStage(features, dialect)],
    ['encoded', encodedStage(features, dialect)],
    ['scaled', scaledStage(features)],
  ];
}

export interface ModelStageOptions {
  /** Prefix of the stages' names ('' gives layer_1…, output, calibrated). */
  prefix: string;
  /** The stage holding id and the model input x0…. */
  from: string;
  /** Columns of `from` passed along through every stage (another model's input or result). */
  carry?: readonly string[];
  /** The name of the last stage's probability column; default `probability`. */
  probability?: string;
}

/**
 * One model on the model input: a CTE per hidden layer, the output layer, the probability (through
 * the calibration; with null, the network's own probability, as model/onnx-build.ts writes a model
 * without one). The last CTE, `${prefix}calibrated`, holds id, the carried columns and the probability.
 */
export function modelStages(weights: NetworkWeights, calibration: CalibrationMap | null, options: ModelStageOptions): [string, string][] {
  const { prefix } = options;
  const carry = options.carry ?? [];
  const layers = weights.layers;
  const ctes: [string, string][] = [];
  let previous = options.from;
  let inputs = modelInputNames(layers[0]!.inputs);
  layers.slice(0, -1).forEach((layer, k) => {
    const name = `${prefix}layer_${k + 1}`;
    const outputs = Array.from({ length: layer.units }, (_, u) => `h${k + 1}_${u}`);
    ctes.push([name, denseStage(layer, inputs, outputs, previous, carry)]);
    previous = name;
    inputs = outputs;
  });
  const last = layers[layers.length - 1]!;
  ctes.push([`${prefix}output`, outputStage(last, inputs, previous, calibration ?? IDENTITY_CALIBRATION, carry)]);
  ctes.push([`${prefix}calibrated`, calibratedStage(last, calibration, `${prefix}output`, carry, options.probability ?? 'probability')]);
  return ctes;
}

/** The raw columns, typed: numbers as float64 with NaN as NULL, categories as text. */
function rawStage(features: FeatureState, idColumn: string, dialect: SqlDialect, source: RowSource): string {
  const raw = rawColumns(features);
  const { quoteIdent } = dialect;
  const columns = [
    `CAST(${quoteIdent(idColumn)} AS ${dialect.text}) AS id`,
    ...raw.numeric.map((name, j) => `${dialect.nanToNull(`CAST(${quoteIdent(name)} AS ${dialect.double})`)} AS r${j}`),
    ...raw.categorical.map((name, j) => `CAST(${quoteIdent(name)} AS ${dialect.text}) AS c${j}`),
  ];
  return `SELECT ${columns.join(',\n  ')}\nFROM ${fromClause(source, dialect)}`;
}

/** The rows' source as a FROM clause: the table's name quoted part by part, or the query as a subquery. */
export function fromClause(source: RowSource, dialect: SqlDialect): string {
  if ('table' in source) return source.table.split('.').map(dialect.quoteIdent).join('.');
  const query = source.query.trim().replace(/;\s*$/, '');
  return `(\n${query}\n) AS source_rows`;
}

/** One column per numeric feature (n0…, in feature-state order): raw ones as they are, derived ones computed with prep/derived.ts' NaN rules. */
function derivedStage(features: FeatureState, dialect: SqlDialect): string {
  const raw = rawColumns(features);
  const rawColumn = (name: string, feature: string) => {
    const at = raw.numeric.indexOf(name);
    if (at < 0) throw internalError(`SQL compile: derived feature ${feature} needs raw column ${name}`);
    return `r${at}`;
  };
  const derived = new Map((features.derived ?? []).map((d) => [d.name, d]));
  const one = `CAST(1 AS ${dialect.double})`;
  const zero = `CAST(0 AS ${dialect.double})`;
  const columns = ['id', ...features.numeric.map((c, j) => {
    const feature = derived.get(c.name);
    if (!feature) return `${rawColumn(c.name, c.name)} AS n${j}`;
    const a = rawColumn(feature.inputs[0]!, feature.name);
    let expression: string;
    if (feature.op === 'ratio') {
      // NULL when either is; a zero denominator gives NULL too.
      expression = `CASE WHEN ${rawColumn(feature.inputs[1]!, feature.name)} = 0 THEN NULL ELSE ${a} / ${rawColumn(feature.inputs[1]!, feature.name)} END`;
    } else if (feature.op === 'log1p') {
      // log1p(max(x, 0)) as the ONNX graph writes it: log(u) − ((u − 1) − y) / u, u = y + 1.
      const y = `(CASE WHEN ${a} < 0 THEN ${zero} ELSE ${a} END)`;
      const u = `(${y} + 1)`;
      expression = `LN(${u}) - ((${u} - 1) - ${y}) / ${u}`;
    } else if (feature.op === 'positive') {
      expression = `CASE WHEN ${a} IS NULL THEN NULL WHEN ${a} > 0 THEN ${one} ELSE ${zero} END`;
    } else {
      expression = `CASE WHEN ${a} IS NULL THEN NULL WHEN ABS(${a} - ${float64(feature.value)}) > ${float64(DIFFERS_TOLERANCE)} THEN ${one} ELSE ${zero} END`;
    }
    return `${expression} AS n${j}`;
  }), ...features.categorical.map((_, j) => `c${j}`)];
  return `SELECT ${columns.join(',\n  ')}\nFROM raw`;
}

/** Imputed numbers (i…), missing flags (m…), one-hot slots (o…): the last slot of a column takes unseen, missing and empty values. */
function encodedStage(features: FeatureState, dialect: SqlDialect): string {
  const asDouble = (expression: string) => `CAST(${expression} AS ${dialect.double})`;
  const { quoteText } = dialect;
  const columns = [
    'id',
    ...features.numeric.map((c, j) => `COALESCE(n${j}, ${float64(c.fill)}) AS i${j}`),
    ...flaggedIndices(features).map((j, k) => `${asDouble(`CASE WHEN n${j} IS NULL THEN 1 ELSE 0 END`)} AS m${k}`),
  ];
  let slot = 0;
  features.categorical.forEach((c, j) => {
    for (const level of c.levels) columns.push(`${asDouble(`CASE WHEN c${j} = ${dialect.quoteText(level)} THEN 1 ELSE 0 END`)} AS o${slot++}`);
    const other = c.levels.length === 0 ? '1' : `CASE WHEN c${j} IN (${c.levels.map(dialect.quoteText).join(', ')}) THEN 0 ELSE 1 END`;
    columns.push(`${asDouble(other)} AS o${slot++}`);
  });
  return `SELECT ${columns.join(',\n  ')}\nFROM derived`;
}

/** The model input x0… in layout order: standardized numbers, then flags, then one-hot slots. */
function scaledStage(features: FeatureState): string {
  const names = modelInputNames(inputWidth(features));
  const m = features.numeric.length;
  const flags = flaggedIndices(features).length;
  const columns = ['id', ...names.map((name, k) => {
    if (k < m) {
      const c = features.numeric[k]!;
      return `(i${k} - ${float64(c.mean)}) / ${float64(c.std)} AS ${name}`;
    }
    return k < m + flags ? `m${k - m} AS ${name}` : `o${k - m - flags} AS ${name}`;
  })];
  return `SELECT ${columns.join(',\n  ')}\nFROM encoded`;
}

/** The model input's columns, x0… in layout order. */
export function modelInputNames(width: number): string[] {
  return Array.from({ length: width }, (_, k) => `x${k}`);
}

/** One hidden layer: each unit's weighted sum of the previous layer's columns, through its activation. */
function denseStage(layer: DenseLayer, inputs: readonly string[], outputs: readonly string[], from: string, carry: readonly string[]): string {
  const columns = outputs.map((name, u) => {
    const z = weightedSum(inputs, (i) => layer.kernel[i * layer.units + u]!, layer.bias[u]!, float32);
    return `${activation(layer.activation, z)} AS ${name}`;
  });
  return `SELECT ${['id', ...carry, ...columns].join(',\n  ')}\nFROM ${from}`;
}

function activation(kind: DenseLayer['activation'], z: string): string {
  switch (kind) {
    case 'relu':
      return `GREATEST(${z}, 0)`;
    case 'tanh':
      return `TANH(${z})`;
    case 'sigmoid':
      return sigmoid(z);
    case 'linear':
      return z;
    default:
      throw internalError(`SQL compile: a hidden layer has activation ${kind}`);
  }
}

export function sigmoid(z: string): string {
  return `1 / (1 + EXP(-LEAST(GREATEST(${z}, -${EXP_CLAMP}), ${EXP_CLAMP})))`;
}

/**
 * The last layer. Softmax: the class-1 logit z1 − z0 with the calibration folded in, as the ONNX
 * graph folds it. Two sigmoid units: both pre-activations, normalised in the next stage.
 */
function outputStage(last: DenseLayer, inputs: readonly string[], from: string, calibration: CalibrationMap, carry: readonly string[]): string {
  const select = (columns: string[]) => `SELECT ${['id', ...carry, ...columns].join(',\n  ')}\nFROM ${from}`;
  if (last.activation === 'softmax') {
    const { slope, intercept } = calibration;
    const weight = (i: number) => slope * (last.kernel[i * 2 + 1]! - last.kernel[i * 2]!);
    const bias = slope * (last.bias[1]! - last.bias[0]!) + intercept;
    return select([`${weightedSum(inputs, weight, bias, float64)} AS logit`]);
  }
  const z = (u: number) => weightedSum(inputs, (i) => last.kernel[i * 2 + u]!, last.bias[u]!, float32);
  return select([`${sigmoid(z(0))} AS s0`, `${sigmoid(z(1))} AS s1`]);
}

/**
 * The calibrated probability: sigmoid of the folded logit, or p = s1 / (s0 + s1) clipped and mapped
 * through the calibration (p itself when there is none).
 */
function calibratedStage(last: DenseLayer, calibration: CalibrationMap | null, from: string, carry: readonly string[], probability: string): string {
  const select = (expression: string) => `SELECT ${['id', ...carry, `${expression} AS ${probability}`].join(', ')}\nFROM ${from}`;
  if (last.activation === 'softmax') return select(sigmoid('logit'));
  if (calibration === null) return select('s1 / (s0 + s1)');
  // The ONNX graph clips in float32: the same bounds, as float32 values.
  const low = float64(Math.fround(LOGIT_EPSILON));
  const high = float64(Math.fround(1 - LOGIT_EPSILON));
  const clipped = `LEAST(GREATEST(s1 / (s0 + s1), ${low}), ${high})`;
  const logit = `LN(${clipped} / (1 - ${clipped}))`;
  return select(sigmoid(`${float64(calibration.slope)} * ${logit} + ${float64(calibration.intercept)}`));
}

/** w·inputs + bias, zero weights left out. */
export function weightedSum(inputs: readonly string[], weight: (i: number) => number, bias: number, literal: (x: number) => string): string {
  const terms: string[] = [];
  inputs.forEach((name, i) => {
    const w = weight(i);
    if (w !== 0) terms.push(`${name}*${literal(w)}`);
  });
  // "+" then a literal that may start with "-" never forms "--", which would start a comment.
  return `(${[...terms, literal(bias)].join('+')})`;
}

/**
 * A float32 weight as the shortest decimal that reads back as the same float32 ("-0.0123"): the
 * engine then holds it in float64, a value within half a float32 step of the weight.
 */
export function float32(x: number): string {
  if (!Number.isFinite(x)) throw internalError(`SQL compile: a weight is ${x}`);
  const target = Math.fround(x);
  let text = String(target);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = target.toPrecision(digits);
    if (Math.fround(Number(candidate)) === target) {
      text = candidate;
      break;
    }
  }
  if (text.includes('.') && !text.includes('e')) text = text.replace(/0+$/, '').replace(/\.$/, '');
  return text;
}

/**
 * A float64 constant, exactly: in exponent form (which DuckDB reads as a double rather than a
 * decimal), a negative one in parentheses so that "x - (-3e0)" cannot become a comment.
 */
export function float64(x: number): string {
  if (!Number.isFinite(x)) throw internalError(`SQL compile: a constant is ${x}`);
  const text = x.toExponential();
  return x < 0 ? `(${text})` : text;
}

export function checkShapes(features: FeatureState, weights: NetworkWeights): void {
  const layers = weights.layers;
  if (layers.length === 0) throw internalError('SQL compile: the network has no layers');
  const width = inputWidth(features);
  if (layers[0]!.inputs !== width) throw internalError(`SQL compile: the network takes ${layers[0]!.inputs} inputs, the features give ${width}`);
  const last = layers[layers.length - 1]!;
  if (last.units !== 2 || (last.activation !== 'softmax' && last.activation !== 'sigmoid')) {
    throw internalError('SQL compile: the last layer must be 2 softmax or sigmoid units');
  }
  layers.forEach((l, k) => {
    if (k > 0 && l.inputs !== layers[k - 1]!.units) throw internalError(`SQL compile: layer ${k + 1} does not fit layer ${k}`);
  });
}
