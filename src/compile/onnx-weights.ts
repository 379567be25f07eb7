/**
 * A logistic bundle's weights, and an uplift bundle's heads, back from its model.onnx, the graph the
 * Predictor runs: they are stored nowhere else, so the SQL is compiled from the very numbers
 * onnxruntime multiplies.
 * model/onnx-build.ts writes a softmax output as one Gemm on the class-1 logit with the calibration
 * folded in, then Sigmoid and Reshape into the output; a logistic model is that Gemm alone.
 */
import onnxProto from 'onnx-proto';
import type { DenseLayer, NetworkWeights } from '../model/network.js';
import type { GraphHead, UpliftGraph } from '../model/onnx-build.js';
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
  const graph = decodeGraph(modelBytes);
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

/**
 * An uplift bundle's graph back from its model.onnx (model/onnx-build.ts buildUpliftOnnxModel): the
 * heads on the shared model input and how each treatment's raw uplift combines them, read from the
 * very nodes and weights onnxruntime runs, with head 0 the control's. `treatments` names the
 * outputs' treatments in order (the manifest's uplift section).
 */
export function upliftFromOnnx(modelBytes: Uint8Array, treatments: readonly string[]): UpliftGraph {
  const graph = decodeGraph(modelBytes);
  const read = graphReader(graph);
  const heads: GraphHead[] = [];
  const headOf = new Map<string, number>();
  let modelInput: string | null = null;
  const head = (tensor: string): number => {
    const known = headOf.get(tensor);
    if (known !== undefined) return known;
    const parsed = headFromOnnx(read, tensor);
    if (modelInput !== null && parsed.input !== modelInput) throw new OnnxFormatError(`head ${tensor} reads ${parsed.input}, the other heads ${modelInput}`);
    modelInput = parsed.input;
    heads.push(parsed.head);
    headOf.set(tensor, heads.length - 1);
    return heads.length - 1;
  };
  const control = read.expect(read.producer('p_control'), 'Identity');
  const controlTensor = input(control, 0);
  head(controlTensor);
  const combined = treatments.map((name, t) => {
    const clip = read.expect(read.producer(`p_treatment_${t + 1}`), 'Clip');
    const add = read.expect(read.producer(input(clip, 0)), 'Add');
    if (input(add, 0) !== controlTensor) throw new OnnxFormatError(`p_treatment_${t + 1} does not add its uplift to p_control`);
    const products: INodeProto[] = [];
    // Σ coefficient · head + constant, written as ((constant + c1·h1) + c2·h2) + …
    let sum = input(add, 1);
    while (read.initializer(sum) === null) {
      const step = read.expect(read.producer(sum), 'Add');
      products.unshift(read.expect(read.producer(input(step, 1)), 'Mul'));
      sum = input(step, 0);
    }
    const terms = products.map((mul) => ({ head: head(input(mul, 0)), coefficient: read.scalar(input(mul, 1)) }));
    return { name, terms, constant: read.scalar(sum) };
  });
  return { heads, control: 0, treatments: combined };
}

type GraphReader = ReturnType<typeof graphReader>;

function decodeGraph(modelBytes: Uint8Array): onnxProto.onnx.IGraphProto {
  let graph: onnxProto.onnx.IGraphProto | null | undefined;
  try {
    graph = onnx.ModelProto.decode(modelBytes).graph;
  } catch (err) {
    throw new OnnxFormatError(`model.onnx is not an ONNX model: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!graph) throw new OnnxFormatError('model.onnx has no graph');
  return graph;
}

function graphReader(graph: onnxProto.onnx.IGraphProto) {
  const nodes = graph.node ?? [];
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const producer = (name: string): INodeProto | null => nodes.find((n) => n.output?.includes(name)) ?? null;
  return {
    producer,
    initializer: (name: string): ITensorProto | null => initializers.get(name) ?? null,
    expect(node: INodeProto | null, opType: string): INodeProto {
      if (node === null || node.opType !== opType) throw new OnnxFormatError(`expected a ${opType} node, found ${node?.opType ?? 'none'}`);
      return node;
    },
    weights(name: string): { dims: number[]; values: Float32Array } {
      const tensor = initializers.get(name);
      if (!tensor) throw new OnnxFormatError(`${name} is not a stored weight`);
      return floats(tensor);
    },
    scalar(name: string): number {
      const tensor = initializers.get(name);
      if (!tensor) throw new OnnxFormatError(`${name} is not a stored constant`);
      const { values } = floats(tensor);
      if (values.length !== 1) throw new OnnxFormatError(`${name} holds ${values.length} values, not one`);
      return values[0]!;
    },
  };
}

const HIDDEN_ACTIVATIONS: Readonly<Record<string, DenseLayer['activation']>> = { Relu: 'relu', Tanh: 'tanh', Sigmoid: 'sigmoid' };

/**
 * One head, from the Reshape that flattens it back to the model input: a linear score (Gemm), a
 * softmax network's class-1 probability (Gemm on z1 − z0, Sigmoid) or a sigmoid-output network's
 * s1 / (s0 + s1) (Gemm, Sigmoid, ReduceSum, Div, Gather), after its hidden layers (Gemm and activation).
 */
function headFromOnnx(read: GraphReader, tensor: string): { head: GraphHead; input: string } {
  const reshape = read.expect(read.producer(tensor), 'Reshape');
  const top = read.producer(input(reshape, 0));
  const gemmWeights = (gemm: INodeProto) => {
    if ((gemm.attribute ?? []).length > 0) throw new OnnxFormatError('a Gemm has attributes (alpha, beta or a transpose) rebuy does not write');
    const kernel = read.weights(input(gemm, 1));
    const bias = read.weights(input(gemm, 2));
    if (kernel.dims.length !== 2 || bias.values.length !== kernel.dims[1]) throw new OnnxFormatError(`a Gemm's weights are [${kernel.dims.join(', ')}] and [${bias.dims.join(', ')}]`);
    return { inputs: kernel.dims[0]!, units: kernel.dims[1]!, kernel: kernel.values, bias: bias.values };
  };
  if (top?.opType === 'Gemm') {
    const { units, kernel, bias } = gemmWeights(top);
    if (units !== 1) throw new OnnxFormatError(`a linear head gives ${units} values per row`);
    return { head: { kind: 'linear', weights: kernel, bias: bias[0]! }, input: input(top, 0) };
  }
  let last: DenseLayer;
  let gemm: INodeProto;
  if (top?.opType === 'Sigmoid') {
    gemm = read.expect(read.producer(input(top, 0)), 'Gemm');
    const { inputs, units, kernel, bias } = gemmWeights(gemm);
    if (units !== 1) throw new OnnxFormatError(`a softmax head's last Gemm gives ${units} values, not the class-1 logit`);
    const pairs = new Float32Array(inputs * 2);
    for (let j = 0; j < inputs; j++) pairs[j * 2 + 1] = kernel[j]!;
    last = { inputs, units: 2, kernel: pairs, bias: Float32Array.of(0, bias[0]!), activation: 'softmax' };
  } else {
    const gather = read.expect(top, 'Gather');
    const div = read.expect(read.producer(input(gather, 0)), 'Div');
    const sigmoidNode = read.expect(read.producer(input(div, 0)), 'Sigmoid');
    gemm = read.expect(read.producer(input(sigmoidNode, 0)), 'Gemm');
    const { inputs, units, kernel, bias } = gemmWeights(gemm);
    if (units !== 2) throw new OnnxFormatError(`a sigmoid head's last Gemm gives ${units} values, not 2`);
    last = { inputs, units: 2, kernel, bias, activation: 'sigmoid' };
  }
  const layers: DenseLayer[] = [last];
  let h = input(gemm, 0);
  for (;;) {
    const node = read.producer(h);
    const activation = node ? HIDDEN_ACTIVATIONS[node.opType ?? ''] : undefined;
    const layerGemm = activation !== undefined ? read.producer(input(node!, 0)) : node;
    if (layerGemm?.opType !== 'Gemm') break;
    layers.unshift({ ...gemmWeights(layerGemm), activation: activation ?? 'linear' });
    h = input(layerGemm, 0);
  }
  return { head: { kind: 'network', weights: { layers } }, input: h };
}
