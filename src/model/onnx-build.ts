/**
 * The fitted pipeline as one ONNX graph: raw columns in, probability of class 1 out.
 *
 *   one float64 input per numeric column [N] (NaN = missing) ─ derived features ─ Concat ─┐
 *   ┌────────────────────────────────────────────────────────────────────────────────────┘
 *   ├─ IsNaN ─ Where(fill) ─ Sub(mean) ─ Div(std) ─ Cast(float) ────────────────────────┐
 *   └─ Gather(flagged columns) ─ Cast(float) ───────────────────────────────────────────┤ Concat
 *   one string input per categorical column [N] ─ LabelEncoder ─ one-hot (levels + other) ┘   │
 *   ─ Gemm + activation per hidden layer ─ output layer ─ class-1 probability ─ probability [N]
 *
 * Features are computed in float64, as prep/features.ts computes the training inputs, and cast to
 * float32 for the network.
 *
 * Softmax output: p1 = sigmoid(z1 - z0), so the last layer becomes one Gemm on the weight difference
 * and calibration folds into it exactly. Sigmoid output: p1 = s1 / (s0 + s1), and calibration acts on
 * log(p1 / (1 - p1)) with p1 clipped to [1e-7, 1 - 1e-7].
 */

import onnxProto from 'onnx-proto';
import { flaggedIndices, oneHotWidth, rawColumns, type FeatureState } from '../prep/features.js';
import { MISSING_CATEGORY } from '../core/schema.js';
import { DIFFERS_TOLERANCE } from '../prep/derived.js';
import type { DerivedFeature } from '../core/schema.js';
import { internalError } from '../errors.js';
import type { NetworkWeights } from './network.js';
import { ONNX_OUTPUT } from './onnx-session.js';

const { onnx } = onnxProto;
type INodeProto = onnxProto.onnx.INodeProto;
type ITensorProto = onnxProto.onnx.ITensorProto;
type IValueInfoProto = onnxProto.onnx.IValueInfoProto;
type IAttributeProto = onnxProto.onnx.IAttributeProto;
const DataType = onnx.TensorProto.DataType;

export const ONNX_OPSET = 17;
/** The ai.onnx.ml opset that goes with ONNX opset 17 (its LabelEncoder maps strings to int64). */
export const ONNX_ML_OPSET = 3;
const ONNX_ML_DOMAIN = 'ai.onnx.ml';
/** IR version 8 goes with opsets up to 17 (ONNX 1.10-1.12); onnxruntime-node 1.30 reads it. */
export const ONNX_IR_VERSION = 8;

/** Clip bound before taking the logit of a sigmoid-output probability (Keras' epsilon). */
export const LOGIT_EPSILON = 1e-7;

export interface OnnxCalibration {
  slope: number;
  intercept: number;
}

/** Serialises the whole pipeline (features + network + optional calibration) as an ONNX model. */
export function buildOnnxModel(features: FeatureState, weights: NetworkWeights, calibration?: OnnxCalibration): Uint8Array {
  checkShapes(features, weights);
  const raw = rawColumns(features);
  const g = new GraphBuilder([...raw.numeric, ...raw.categorical]);
  const probability = networkStage(g, featureStage(g, features), weights, calibration);
  g.output(probability, 'Probability of buying again (class 1), calibrated, one per row.');

  const model = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }, ...(raw.categorical.length > 0 ? [{ domain: ONNX_ML_DOMAIN, version: ONNX_ML_OPSET }] : [])],
    producerName: 'rebuy',
    docString: 'Probability of buying again, from the raw customer columns: one input per column, named as the column.',
    graph: g.graph('rebuy'),
  });
  return onnx.ModelProto.encode(model).finish();
}

/** One member of an ensemble: its network on the shared model input, and the calibration applied to its probability. */
export interface EnsembleMemberGraph {
  weights: NetworkWeights;
  calibration?: OnnxCalibration;
}

/**
 * An ensemble as one ONNX graph: the shared feature stage, each member's network (calibrated when
 * asked) on it, then their Mean: raw columns in, one probability out, as buildOnnxModel's graph.
 */
export function buildEnsembleOnnxModel(features: FeatureState, members: readonly EnsembleMemberGraph[]): Uint8Array {
  if (members.length < 2) throw internalError(`ONNX export: an ensemble needs at least 2 members, got ${members.length}`);
  for (const member of members) checkShapes(features, member.weights);
  const raw = rawColumns(features);
  const g = new GraphBuilder([...raw.numeric, ...raw.categorical]);
  const input = featureStage(g, features);
  const probabilities = members.map((member, k) => networkStage(g, input, member.weights, member.calibration, `member${k + 1}_`, `member${k + 1}_probability`));
  g.output(g.node('Mean', probabilities, ONNX_OUTPUT), 'Probability of buying again (class 1): the mean of the members\' calibrated probabilities, one per row.');
  const model = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }, ...(raw.categorical.length > 0 ? [{ domain: ONNX_ML_DOMAIN, version: ONNX_ML_OPSET }] : [])],
    producerName: 'rebuy',
    docString: `Probability of buying again, the mean of ${members.length} models, from the raw customer columns: one input per column, named as the column.`,
    graph: g.graph('rebuy_ensemble'),
  });
  return onnx.ModelProto.encode(model).finish();
}

/** A score computed from the model input: a probability network, or a linear function (w·x + b). */
export type GraphHead = { kind: 'network'; weights: NetworkWeights } | { kind: 'linear'; weights: Float32Array; bias: number };

/**
 * Several treatments against one control, as plain data: heads on the shared model input; P(buy if
 * not contacted) is head `control`; treatment t's raw uplift is Σ coefficient · head + constant.
 */
export interface UpliftGraph {
  heads: GraphHead[];
  control: number;
  treatments: { name: string; terms: { head: number; coefficient: number }[]; constant: number }[];
}

/**
 * The uplift pipeline as one ONNX graph: raw columns in; out P(buy if not contacted), then for each
 * treatment P(buy if contacted with it) = clip(P0 + raw uplift, 0, 1) and its uplift P − P0, so the
 * outputs always agree. Returns the model and its output names in that order.
 */
export function buildUpliftOnnxModel(features: FeatureState, graph: UpliftGraph): { onnx: Uint8Array; outputs: string[] } {
  const raw = rawColumns(features);
  const g = new GraphBuilder([...raw.numeric, ...raw.categorical]);
  const input = featureStage(g, features);
  const width = features.numeric.length + flaggedIndices(features).length + oneHotWidth(features);
  const heads = graph.heads.map((head, k) => {
    const prefix = `head${k}_`;
    if (head.kind === 'network') {
      checkShapes(features, head.weights);
      return networkStage(g, input, head.weights, undefined, prefix);
    }
    if (head.weights.length !== width) throw internalError(`ONNX export: a linear head takes ${head.weights.length} inputs, the features give ${width}`);
    const z = g.node('Gemm', [input, g.floats(`${prefix}kernel`, [width, 1], head.weights), g.floats(`${prefix}bias`, [1], [head.bias])]);
    return g.node('Reshape', [z, g.int64s('flat', [1], [-1])], `${prefix}score`);
  });
  const control = heads[graph.control];
  if (control === undefined) throw internalError('ONNX export: the uplift graph has no control head');
  const outputs = [g.node('Identity', [control], 'p_control')];
  graph.treatments.forEach((t, i) => {
    let sum = g.floats(`uplift_constant_${i}`, [], [t.constant]);
    for (const term of t.terms) sum = g.node('Add', [sum, g.node('Mul', [heads[term.head]!, g.floats(`coefficient_${i}_${term.head}`, [], [term.coefficient])])]);
    const treated = g.node('Clip', [g.node('Add', [control, sum]), g.floats('zero_float', [], [0]), g.floats('one', [], [1])], `p_treatment_${i + 1}`);
    outputs.push(treated, g.node('Sub', [treated, control], `uplift_${i + 1}`));
  });
  for (const name of outputs) g.output(name, name === outputs[0] ? 'Probability of buying if not contacted.' : 'Probability of buying if contacted with the treatment, or the uplift (the difference).');
  const model = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }, ...(raw.categorical.length > 0 ? [{ domain: ONNX_ML_DOMAIN, version: ONNX_ML_OPSET }] : [])],
    producerName: 'rebuy',
    docString: 'Uplift: probabilities of buying with and without each treatment, from the raw customer columns.',
    graph: g.graph('rebuy_uplift'),
  });
  return { onnx: onnx.ModelProto.encode(model).finish(), outputs };
}

/** Raw inputs → the network's input matrix [N, inputWidth] (float): the layout prep/features.ts describes. */
function featureStage(g: GraphBuilder, features: FeatureState): string {
  const raw = rawColumns(features);
  const parts: string[] = [];
  const m = features.numeric.length;
  if (m > 0) {
    for (const name of raw.numeric) g.input(name, DataType.DOUBLE, `Raw values of numeric column ${JSON.stringify(name)}; NaN = missing.`);
    const numeric = numericMatrix(g, features, raw.numeric);
    const missing = g.node('IsNaN', [numeric]);
    const imputed = g.node('Where', [missing, g.doubles('fill', [m], features.numeric.map((c) => c.fill)), numeric]);
    const centred = g.node('Sub', [imputed, g.doubles('mean', [m], features.numeric.map((c) => c.mean))]);
    const scaled = g.node('Div', [centred, g.doubles('std', [m], features.numeric.map((c) => c.std))]);
    parts.push(g.node('Cast', [scaled], 'standardized', [intAttr('to', DataType.FLOAT)]));
    const flagged = flaggedIndices(features);
    if (flagged.length > 0) {
      const picked = g.node('Gather', [missing, g.int64s('flagged_columns', [flagged.length], flagged)], undefined, [intAttr('axis', 1)]);
      parts.push(g.node('Cast', [picked], 'missing_flags', [intAttr('to', DataType.FLOAT)]));
    }
  }
  for (const c of features.categorical) {
    if (c.levels.includes(MISSING_CATEGORY)) throw internalError(`ONNX export: column ${c.name} has an empty level, which is how a missing value is fed`);
    g.input(c.name, DataType.STRING, `Raw values of categorical column ${JSON.stringify(c.name)}; missing = "${MISSING_CATEGORY}"; missing and unseen values take the last ("other") one-hot slot.`);
    const other = c.levels.length;
    const index = g.node('LabelEncoder', [c.name], undefined, [
      stringsAttr('keys_strings', c.levels),
      intsAttr('values_int64s', c.levels.map((_, k) => k)),
      intAttr('default_int64', other),
    ], ONNX_ML_DOMAIN);
    // One-hot as index == [0 … other]: cheaper in onnxruntime than OneHot, and as standard.
    const slots = g.int64s(`slots_${c.name}`, [1, other + 1], Array.from({ length: other + 1 }, (_, k) => k));
    const hot = g.node('Equal', [g.node('Unsqueeze', [index, g.int64s('axis_1', [1], [1])]), slots]);
    parts.push(g.node('Cast', [hot], `onehot_${c.name}`, [intAttr('to', DataType.FLOAT)]));
  }
  if (parts.length === 0) throw internalError('ONNX export: the pipeline has no features');
  return parts.length === 1 ? parts[0]! : g.node('Concat', parts, 'model_input', [intAttr('axis', 1)]);
}

/**
 * The numeric columns [N, m] float64 in state order: the raw ones, then the derived ones. Derived
 * features are computed a rule at a time over all the columns that use it, so the graph has a few
 * nodes per rule rather than per feature.
 */
function numericMatrix(g: GraphBuilder, features: FeatureState, rawNames: readonly string[]): string {
  const axis1 = g.int64s('axis_1', [1], [1]);
  const rawMatrix = g.node('Concat', rawNames.map((name) => g.node('Unsqueeze', [name, axis1])), 'raw_numeric', [intAttr('axis', 1)]);
  const derived = features.derived ?? [];
  if (derived.length === 0 && rawNames.length === features.numeric.length) return rawMatrix;

  const blocks = [rawMatrix];
  const order = [...rawNames];
  for (const op of new Set(derived.map((d) => d.op))) {
    const group = derived.filter((d) => d.op === op);
    blocks.push(derivedBlock(g, group, rawMatrix, rawNames));
    order.push(...group.map((d) => d.name));
  }
  const all = g.node('Concat', blocks, undefined, [intAttr('axis', 1)]);
  const columns = features.numeric.map((c) => order.indexOf(c.name));
  if (columns.every((at, j) => at === j) && columns.length === order.length) return all;
  return g.node('Gather', [all, g.int64s('numeric_order', [columns.length], columns)], undefined, [intAttr('axis', 1)]);
}

/** Derived features sharing one rule, [N, k] float64, computed as prep/derived.ts does, NaN rules included. */
function derivedBlock(g: GraphBuilder, group: readonly DerivedFeature[], rawMatrix: string, rawNames: readonly string[]): string {
  const op = group[0]!.op;
  const pick = (input: number) => {
    const indices = group.map((feature) => {
      const at = rawNames.indexOf(feature.inputs[input]!);
      if (at < 0) throw internalError(`ONNX export: derived feature ${feature.name} needs raw column ${feature.inputs[input]}`);
      return at;
    });
    return g.node('Gather', [rawMatrix, g.int64s(`${op}_input_${input}`, [indices.length], indices)], undefined, [intAttr('axis', 1)]);
  };
  const a = pick(0);
  const nan = g.doubles('nan', [], [Number.NaN]);
  const zero = g.doubles('zero', [], [0]);
  if (op === 'ratio') {
    // x / d is NaN already when either is; a zero denominator gives NaN too.
    const d = pick(1);
    return g.node('Where', [g.node('Equal', [d, zero]), nan, g.node('Div', [a, d])], 'ratio');
  }
  // max(x, 0) that keeps NaN: a comparison with NaN is false, so NaN is not replaced.
  if (op === 'log1p') return log1p(g, g.node('Where', [g.node('Less', [a, zero]), zero, a]), 'log1p');
  let test: string;
  if (op === 'positive') test = g.node('Greater', [a, zero]);
  else {
    const references = group.map((feature) => (feature.op === 'differs' ? feature.value : Number.NaN));
    const distance = g.node('Abs', [g.node('Sub', [a, g.doubles('differs_reference', [group.length], references)])]);
    test = g.node('Greater', [distance, g.doubles('differs_tolerance', [], [DIFFERS_TOLERANCE])]);
  }
  // A missing input stays missing (a comparison would turn NaN into 0).
  return g.node('Where', [g.node('IsNaN', [a]), nan, g.node('Cast', [test], undefined, [intAttr('to', DataType.DOUBLE)])], op);
}

/**
 * log(1 + y) as Math.log1p gives it, to about an ulp: log(u) − ((u − 1) − y) / u with u = 1 + y, since
 * ONNX has no Log1p and log(u) alone loses the digits of a small y that u cannot hold. NaN stays NaN.
 */
function log1p(g: GraphBuilder, y: string, output: string): string {
  const one = g.doubles('one_double', [], [1]);
  const u = g.node('Add', [y, one]);
  const lost = g.node('Sub', [g.node('Sub', [u, one]), y]);
  return g.node('Sub', [g.node('Log', [u]), g.node('Div', [lost, u])], output);
}

/** The network on the model input, then the class-1 probability [N], calibrated when asked. */
function networkStage(g: GraphBuilder, input: string, weights: NetworkWeights, calibration?: OnnxCalibration, prefix = '', output = ONNX_OUTPUT): string {
  let h = input;
  const layers = weights.layers;
  layers.slice(0, -1).forEach((l, k) => {
    const z = g.node('Gemm', [h, g.floats(`${prefix}kernel_${k}`, [l.inputs, l.units], l.kernel), g.floats(`${prefix}bias_${k}`, [l.units], l.bias)]);
    h = l.activation === 'linear' ? z : g.node(activationOp(l.activation), [z], `hidden_${k}`);
  });

  const last = layers[layers.length - 1]!;
  const k = layers.length - 1;
  let probability: string;
  if (last.activation === 'softmax') {
    // logit = z1 - z0 = h·(W[:,1] - W[:,0]) + (b1 - b0); calibration: slope * logit + intercept.
    const slope = calibration?.slope ?? 1;
    const intercept = calibration?.intercept ?? 0;
    const kernel = new Float32Array(last.inputs);
    for (let i = 0; i < last.inputs; i++) kernel[i] = slope * (last.kernel[i * 2 + 1]! - last.kernel[i * 2]!);
    const bias = slope * (last.bias[1]! - last.bias[0]!) + intercept;
    const logit = g.node('Gemm', [h, g.floats(`${prefix}kernel_${k}`, [last.inputs, 1], kernel), g.floats(`${prefix}bias_${k}`, [1], [bias])], `${prefix}logit`);
    probability = g.node('Sigmoid', [logit]);
  } else {
    const z = g.node('Gemm', [h, g.floats(`${prefix}kernel_${k}`, [last.inputs, 2], last.kernel), g.floats(`${prefix}bias_${k}`, [2], last.bias)]);
    const s = g.node('Sigmoid', [z]);
    const total = g.node('ReduceSum', [s, g.int64s('axis_1', [1], [1])], undefined, [intAttr('keepdims', 1)]);
    const normalised = g.node('Div', [s, total]);
    probability = g.node('Gather', [normalised, g.int64s('class_1', [], [1])], 'p_raw', [intAttr('axis', 1)]);
    if (calibration) {
      const clipped = g.node('Clip', [probability, g.floats('eps', [], [LOGIT_EPSILON]), g.floats('one_minus_eps', [], [1 - LOGIT_EPSILON])]);
      const odds = g.node('Div', [clipped, g.node('Sub', [g.floats('one', [], [1]), clipped])]);
      const logit = g.node('Log', [odds], 'logit');
      const scaled = g.node('Mul', [logit, g.floats(`${prefix}calibration_slope`, [], [calibration.slope])]);
      probability = g.node('Sigmoid', [g.node('Add', [scaled, g.floats(`${prefix}calibration_intercept`, [], [calibration.intercept])])]);
    }
  }
  return g.node('Reshape', [probability, g.int64s('flat', [1], [-1])], output);
}

function activationOp(activation: string): string {
  switch (activation) {
    case 'relu':
      return 'Relu';
    case 'tanh':
      return 'Tanh';
    case 'sigmoid':
      return 'Sigmoid';
    default:
      throw internalError(`ONNX export: a hidden layer has activation ${activation}`);
  }
}

function checkShapes(features: FeatureState, weights: NetworkWeights): void {
  const inputs = features.numeric.length + flaggedIndices(features).length + oneHotWidth(features);
  const layers = weights.layers;
  if (layers.length === 0) throw internalError('ONNX export: the network has no layers');
  if (layers[0]!.inputs !== inputs) throw internalError(`ONNX export: the network takes ${layers[0]!.inputs} inputs, the features give ${inputs}`);
  const last = layers[layers.length - 1]!;
  if (last.units !== 2 || (last.activation !== 'softmax' && last.activation !== 'sigmoid')) {
    throw internalError('ONNX export: the last layer must be 2 softmax or sigmoid units');
  }
  layers.forEach((l, k) => {
    if (k > 0 && l.inputs !== layers[k - 1]!.units) throw internalError(`ONNX export: layer ${k} does not fit layer ${k - 1}`);
  });
}

function intAttr(name: string, value: number): IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
}

function intsAttr(name: string, values: number[]): IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: values };
}

function stringsAttr(name: string, values: string[]): IAttributeProto {
  const utf8 = new TextEncoder();
  return { name, type: onnx.AttributeProto.AttributeType.STRINGS, strings: values.map((v) => utf8.encode(v)) };
}

/**
 * Collects nodes, initializers, inputs and outputs. Inputs keep the raw column names; every other
 * value gets a name no input has (a column may be called anything, "mean" or "probability" included).
 */
class GraphBuilder {
  private readonly nodes: INodeProto[] = [];
  private readonly initializers: ITensorProto[] = [];
  private readonly inputs: IValueInfoProto[] = [];
  private readonly outputs: IValueInfoProto[] = [];
  private readonly used: Set<string>;
  /** Constants by requested name, so that a shared one (an axis, zero) is stored once. */
  private readonly constants = new Map<string, { name: string; key: string }>();
  private counter = 0;

  constructor(inputNames: readonly string[]) {
    this.used = new Set(inputNames);
  }

  input(name: string, elemType: number, docString: string): void {
    this.inputs.push({ name, docString, type: { tensorType: { elemType, shape: { dim: [{ dimParam: 'N' }] } } } });
  }

  output(name: string, docString: string): void {
    this.outputs.push({ name, docString, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimParam: 'N' }] } } } });
  }

  node(opType: string, inputs: string[], output?: string, attribute: IAttributeProto[] = [], domain = ''): string {
    const name = this.fresh(output ?? `${opType.toLowerCase()}_${++this.counter}`);
    this.nodes.push({ opType, domain, input: inputs, output: [name], name: `${opType}_${this.nodes.length}`, attribute });
    return name;
  }

  floats(name: string, dims: number[], values: ArrayLike<number>): string {
    const data = Float32Array.from(values);
    return this.constant(name, dims, DataType.FLOAT, new Uint8Array(data.buffer));
  }

  doubles(name: string, dims: number[], values: ArrayLike<number>): string {
    const data = Float64Array.from(values);
    return this.constant(name, dims, DataType.DOUBLE, new Uint8Array(data.buffer));
  }

  int64s(name: string, dims: number[], values: number[]): string {
    const data = BigInt64Array.from(values, (v) => BigInt(v));
    return this.constant(name, dims, DataType.INT64, new Uint8Array(data.buffer));
  }

  graph(name: string): onnxProto.onnx.IGraphProto {
    // A constant a rule asked for but did not use (NaN beside log1p) would make onnxruntime warn on every load.
    const read = new Set(this.nodes.flatMap((node) => node.input ?? []));
    const initializer = this.initializers.filter((t) => read.has(t.name!));
    return { name, node: this.nodes, initializer, input: this.inputs, output: this.outputs };
  }

  private constant(requested: string, dims: number[], dataType: number, rawData: Uint8Array): string {
    const key = `${dataType}:${dims.join(',')}:${Buffer.from(rawData).toString('base64')}`;
    const known = this.constants.get(requested);
    if (known) {
      if (known.key !== key) throw internalError(`ONNX export: two different constants named ${requested}`);
      return known.name;
    }
    const name = this.fresh(requested);
    this.constants.set(requested, { name, key });
    this.initializers.push({ name, dims, dataType, rawData });
    return name;
  }

  private fresh(name: string): string {
    let candidate = name;
    for (let k = 2; this.used.has(candidate); k++) candidate = `${name}_${k}`;
    this.used.add(candidate);
    return candidate;
  }
}
