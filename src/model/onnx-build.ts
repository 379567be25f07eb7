/**
 * The fitted pipeline as one ONNX graph: raw inputs in, probability of class 1 out.
 *
 *   numeric [N, m] (raw, NaN = missing) ─ IsNaN ─ Where(fill) ─ Sub(mean) ─ Div(std) ─┐
 *                                          └─ Gather(flagged columns) ─ Cast(float) ──┤ Concat
 *   onehot  [N, w] (only with categorical features) ──────────────────────────────────┘   │
 *   ─ Gemm + activation per hidden layer ─ output layer ─ class-1 probability ─ probability [N]
 *
 * Softmax output: p1 = sigmoid(z1 - z0), so the last layer becomes one Gemm on the weight difference
 * and calibration folds into it exactly. Sigmoid output: p1 = s1 / (s0 + s1), and calibration acts on
 * log(p1 / (1 - p1)) with p1 clipped to [1e-7, 1 - 1e-7].
 */

import onnxProto from 'onnx-proto';
import { flaggedIndices, oneHotWidth, type FeatureState } from '../prep/features.js';
import { internalError } from '../errors.js';
import type { NetworkWeights } from './network.js';
import { ONNX_INPUT_NUMERIC, ONNX_INPUT_ONEHOT, ONNX_OUTPUT } from './onnx-session.js';

const { onnx } = onnxProto;
type INodeProto = onnxProto.onnx.INodeProto;
type ITensorProto = onnxProto.onnx.ITensorProto;
type IValueInfoProto = onnxProto.onnx.IValueInfoProto;
type IAttributeProto = onnxProto.onnx.IAttributeProto;

export const ONNX_OPSET = 17;
/** IR version 8 goes with opsets up to 17 (ONNX 1.10-1.12); onnxruntime-node 1.30 reads it. */
export const ONNX_IR_VERSION = 8;

/** Clip bound before taking the logit of a sigmoid-output probability (Keras' epsilon). */
const LOGIT_EPSILON = 1e-7;

export interface OnnxCalibration {
  slope: number;
  intercept: number;
}

/** Serialises the whole pipeline (features + network + optional calibration) as an ONNX model. */
export function buildOnnxModel(features: FeatureState, weights: NetworkWeights, calibration?: OnnxCalibration): Uint8Array {
  const g = new GraphBuilder();
  const m = features.numeric.length;
  const width = oneHotWidth(features);
  const flagged = flaggedIndices(features);
  checkShapes(features, weights);

  g.input(ONNX_INPUT_NUMERIC, m);
  const parts: string[] = [];
  if (m > 0) {
    const missing = g.node('IsNaN', [ONNX_INPUT_NUMERIC]);
    const imputed = g.node('Where', [missing, g.floats('fill', [m], features.numeric.map((c) => c.fill)), ONNX_INPUT_NUMERIC]);
    const centred = g.node('Sub', [imputed, g.floats('mean', [m], features.numeric.map((c) => c.mean))]);
    parts.push(g.node('Div', [centred, g.floats('std', [m], features.numeric.map((c) => c.std))], 'standardized'));
    if (flagged.length > 0) {
      const picked = g.node('Gather', [missing, g.int64s('flagged_columns', [flagged.length], flagged)], undefined, [intAttr('axis', 1)]);
      parts.push(g.node('Cast', [picked], 'missing_flags', [intAttr('to', onnx.TensorProto.DataType.FLOAT)]));
    }
  }
  if (width > 0) {
    g.input(ONNX_INPUT_ONEHOT, width);
    parts.push(ONNX_INPUT_ONEHOT);
  }
  let h = parts.length === 1 ? parts[0]! : g.node('Concat', parts, 'model_input', [intAttr('axis', 1)]);

  const layers = weights.layers;
  layers.slice(0, -1).forEach((l, k) => {
    const z = g.node('Gemm', [h, g.floats(`kernel_${k}`, [l.inputs, l.units], l.kernel), g.floats(`bias_${k}`, [l.units], l.bias)]);
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
    const logit = g.node('Gemm', [h, g.floats(`kernel_${k}`, [last.inputs, 1], kernel), g.floats(`bias_${k}`, [1], [bias])], 'logit');
    probability = g.node('Sigmoid', [logit]);
  } else {
    const z = g.node('Gemm', [h, g.floats(`kernel_${k}`, [last.inputs, 2], last.kernel), g.floats(`bias_${k}`, [2], last.bias)]);
    const s = g.node('Sigmoid', [z]);
    const total = g.node('ReduceSum', [s, g.int64s('axis_1', [1], [1])], undefined, [intAttr('keepdims', 1)]);
    const normalised = g.node('Div', [s, total]);
    probability = g.node('Gather', [normalised, g.int64s('class_1', [], [1])], 'p_raw', [intAttr('axis', 1)]);
    if (calibration) {
      const clipped = g.node('Clip', [probability, g.floats('eps', [], [LOGIT_EPSILON]), g.floats('one_minus_eps', [], [1 - LOGIT_EPSILON])]);
      const odds = g.node('Div', [clipped, g.node('Sub', [g.floats('one', [], [1]), clipped])]);
      const logit = g.node('Log', [odds], 'logit');
      const scaled = g.node('Mul', [logit, g.floats('calibration_slope', [], [calibration.slope])]);
      probability = g.node('Sigmoid', [g.node('Add', [scaled, g.floats('calibration_intercept', [], [calibration.intercept])])]);
    }
  }
  g.node('Reshape', [probability, g.int64s('flat', [1], [-1])], ONNX_OUTPUT);
  g.output(ONNX_OUTPUT);

  const model = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'rebuy',
    docString: 'Probability of buying again, from raw customer features.',
    graph: g.graph('rebuy'),
  });
  return onnx.ModelProto.encode(model).finish();
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

/** Collects nodes, initializers and inputs; names intermediate values op_1, op_2, ... */
class GraphBuilder {
  private readonly nodes: INodeProto[] = [];
  private readonly initializers: ITensorProto[] = [];
  private readonly inputs: IValueInfoProto[] = [];
  private readonly outputs: IValueInfoProto[] = [];
  private counter = 0;

  input(name: string, width: number): void {
    this.inputs.push(floatMatrixInfo(name, width));
  }

  output(name: string): void {
    this.outputs.push({
      name,
      type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'N' }] } } },
    });
  }

  node(opType: string, inputs: string[], output?: string, attribute: IAttributeProto[] = []): string {
    const name = output ?? `${opType.toLowerCase()}_${++this.counter}`;
    this.nodes.push({ opType, input: inputs, output: [name], name: `${opType}_${this.nodes.length}`, attribute });
    return name;
  }

  floats(name: string, dims: number[], values: ArrayLike<number>): string {
    const data = Float32Array.from(values);
    this.initializers.push({
      name,
      dims,
      dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return name;
  }

  int64s(name: string, dims: number[], values: number[]): string {
    const data = BigInt64Array.from(values, (v) => BigInt(v));
    this.initializers.push({
      name,
      dims,
      dataType: onnx.TensorProto.DataType.INT64,
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return name;
  }

  graph(name: string): onnxProto.onnx.IGraphProto {
    return { name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs };
  }
}

function floatMatrixInfo(name: string, width: number): IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: [{ dimParam: 'N' }, { dimValue: width }] },
      },
    },
  };
}
