/**
 * A logistic bundle's weights back from its model.onnx, the graph the Predictor runs: the logistic
 * model is stored nowhere else, so the SQL is compiled from the very numbers onnxruntime multiplies.
 * model/onnx-build.ts writes a softmax output as one Gemm on the class-1 logit with the calibration
 * folded in, then Sigmoid and Reshape into the output; a logistic model is that Gemm alone.
 */
import onnxProto from 'onnx-proto';
import type { NetworkWeights } from '../model/network.js';
import { ONNX_OUTPUT } from '../model/onnx-session.js';

const { onnx } = onnxProto;
type ITensorProto = onnxProto.onnx.ITensorProto;
type INodeProto = onnxProto.onnx.INodeProto;

/** Why model.onnx cannot be read as a calibrated logistic model; the caller names the bundle. */
export class OnnxFormatError extends Error {}

/**
 * The one-layer softmax network (z0 = 0, z1 = w·x + b) whose class-1 probability is the graph's:
 * its calibration is already inside w and b.
 */
export function logisticFromOnnx(modelBytes: Uint8Array): NetworkWeights {
  let graph: onnxProto.onnx.IGraphProto | null | undefined;
  try {
    graph = onnx.ModelProto.decode(modelBytes).graph;
  } catch (err) {
    throw new OnnxFormatError(`model.onnx is not an ONNX model: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!graph) throw new OnnxFormatError('model.onnx has no graph');
  const nodes = graph.node ?? [];
  const producer = (name: string): INodeProto => {
    const node = nodes.find((n) => n.output?.includes(name));
    if (!node) throw new OnnxFormatError(`no node computes ${name}`);
    return node;
  };
  const reshape = producer(ONNX_OUTPUT);
  const sigmoid = producer(input(reshape, 0));
  const gemm = producer(input(sigmoid, 0));
  if (reshape.opType !== 'Reshape' || sigmoid.opType !== 'Sigmoid' || gemm.opType !== 'Gemm') {
    throw new OnnxFormatError(`the output is ${gemm.opType} → ${sigmoid.opType} → ${reshape.opType}, not a logistic model's Gemm → Sigmoid → Reshape`);
  }
  const gemms = nodes.filter((n) => n.opType === 'Gemm').length;
  if (gemms !== 1) throw new OnnxFormatError(`the graph has ${gemms} Gemm layers, a logistic model one`);
  if ((gemm.attribute ?? []).length > 0) throw new OnnxFormatError('the Gemm has attributes (alpha, beta or a transpose) a logistic model has not');
  const initializer = (name: string): ITensorProto => {
    const tensor = (graph!.initializer ?? []).find((t) => t.name === name);
    if (!tensor) throw new OnnxFormatError(`the Gemm's ${name} is not a stored weight`);
    return tensor;
  };
  const kernel = floats(initializer(input(gemm, 1)));
  const bias = floats(initializer(input(gemm, 2)));
  if (kernel.dims.length !== 2 || kernel.dims[1] !== 1 || bias.values.length !== 1) {
    throw new OnnxFormatError(`the Gemm's weights are [${kernel.dims.join(', ')}] and [${bias.dims.join(', ')}], not [inputs, 1] and [1]`);
  }
  const d = kernel.dims[0]!;
  const pairs = new Float32Array(d * 2);
  for (let j = 0; j < d; j++) pairs[j * 2 + 1] = kernel.values[j]!;
  return { layers: [{ inputs: d, units: 2, kernel: pairs, bias: Float32Array.of(0, bias.values[0]!), activation: 'softmax' }] };
}

function input(node: INodeProto, k: number): string {
  const name = node.input?.[k];
  if (name === undefined) throw new OnnxFormatError(`the ${node.opType} node has no input ${k}`);
  return name;
}

function floats(tensor: ITensorProto): { dims: number[]; values: Float32Array } {
  if (tensor.dataType !== onnx.TensorProto.DataType.FLOAT) throw new OnnxFormatError(`weight ${tensor.name} is not float32`);
  const dims = (tensor.dims ?? []).map(Number);
  const count = dims.reduce((p, x) => p * x, 1);
  let values: Float32Array;
  if (tensor.rawData && tensor.rawData.byteLength > 0) {
    if (tensor.rawData.byteLength !== count * 4) throw new OnnxFormatError(`weight ${tensor.name} has ${tensor.rawData.byteLength} bytes for ${count} floats`);
    const view = new DataView(tensor.rawData.buffer, tensor.rawData.byteOffset, tensor.rawData.byteLength);
    values = Float32Array.from({ length: count }, (_, i) => view.getFloat32(i * 4, true));
  } else {
    values = Float32Array.from(tensor.floatData ?? []);
    if (values.length !== count) throw new OnnxFormatError(`weight ${tensor.name} holds ${values.length} floats for shape [${dims.join(', ')}]`);
  }
  return { dims, values };
}
