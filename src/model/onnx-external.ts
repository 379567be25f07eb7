/**
 * Finds tensors that keep their data outside the ONNX file ("external data"). onnxruntime would read
 * those files relative to the working directory, beyond anything a bundle's hashes cover, so a
 * bundle's graph must carry all its data inline. A small protobuf walk over the messages that can
 * hold tensors: the ONNX protobuf code stays out of the scoring path.
 */

/** Field numbers of onnx.proto that lead to a TensorProto, by message. */
const GRAPH = { node: 1, initializer: 5, sparseInitializer: 15 } as const;
const MODEL = { graph: 7, trainingInfo: 20, functions: 25 } as const;
const TRAINING_INFO = { initialization: 1, algorithm: 2 } as const;
const FUNCTION = { attributeProto: 11, node: 7 } as const;
const NODE = { attribute: 5 } as const;
const ATTRIBUTE = { t: 5, g: 6, tensors: 10, graphs: 11, sparseTensor: 22, sparseTensors: 23 } as const;
const SPARSE_TENSOR = { values: 1, indices: 2 } as const;
const TENSOR = { externalData: 13, dataLocation: 14 } as const;
/** TensorProto.DataLocation.EXTERNAL */
const EXTERNAL = 1;

/** Deeper nesting than any real graph has (subgraphs of subgraphs); refused rather than recursed. */
const MAX_DEPTH = 64;

type Kind = 'model' | 'graph' | 'trainingInfo' | 'function' | 'node' | 'attribute' | 'sparseTensor' | 'tensor';

const CHILDREN: Record<Kind, Partial<Record<number, Kind>>> = {
  model: { [MODEL.graph]: 'graph', [MODEL.trainingInfo]: 'trainingInfo', [MODEL.functions]: 'function' },
  trainingInfo: { [TRAINING_INFO.initialization]: 'graph', [TRAINING_INFO.algorithm]: 'graph' },
  graph: { [GRAPH.node]: 'node', [GRAPH.initializer]: 'tensor', [GRAPH.sparseInitializer]: 'sparseTensor' },
  function: { [FUNCTION.node]: 'node', [FUNCTION.attributeProto]: 'attribute' },
  node: { [NODE.attribute]: 'attribute' },
  attribute: {
    [ATTRIBUTE.t]: 'tensor',
    [ATTRIBUTE.g]: 'graph',
    [ATTRIBUTE.tensors]: 'tensor',
    [ATTRIBUTE.graphs]: 'graph',
    [ATTRIBUTE.sparseTensor]: 'sparseTensor',
    [ATTRIBUTE.sparseTensors]: 'sparseTensor',
  },
  sparseTensor: { [SPARSE_TENSOR.values]: 'tensor', [SPARSE_TENSOR.indices]: 'tensor' },
  tensor: {},
};

export class OnnxFormatError extends Error {}

interface Cursor {
  bytes: Uint8Array;
  pos: number;
}

function varint(c: Cursor): number {
  let result = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (c.pos >= c.bytes.length) throw new OnnxFormatError('the ONNX file is truncated');
    const b = c.bytes[c.pos++]!;
    result += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) return result;
    scale *= 128;
  }
  throw new OnnxFormatError('the ONNX file holds a malformed number');
}

function skip(c: Cursor, n: number): void {
  if (n > c.bytes.length - c.pos) throw new OnnxFormatError('the ONNX file is truncated');
  c.pos += n;
}

/** True when this message, or one inside it, is a tensor with external data. */
function walk(bytes: Uint8Array, kind: Kind, depth: number): boolean {
  if (depth > MAX_DEPTH) throw new OnnxFormatError('the ONNX graph is nested too deeply');
  const c: Cursor = { bytes, pos: 0 };
  const children = CHILDREN[kind];
  while (c.pos < bytes.length) {
    const key = varint(c);
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) {
      const value = varint(c);
      if (kind === 'tensor' && field === TENSOR.dataLocation && value === EXTERNAL) return true;
    } else if (wire === 1) {
      skip(c, 8);
    } else if (wire === 5) {
      skip(c, 4);
    } else if (wire === 2) {
      const length = varint(c);
      const start = c.pos;
      skip(c, length);
      if (kind === 'tensor' && field === TENSOR.externalData) return true;
      const child = children[field];
      if (child !== undefined && walk(bytes.subarray(start, start + length), child, depth + 1)) return true;
    } else {
      throw new OnnxFormatError(`the ONNX file uses protobuf wire type ${wire}, which ONNX does not`);
    }
  }
  return false;
}

/** True when any tensor of the model (initializers, constants, subgraphs, functions) names external data. */
export function usesExternalData(model: Uint8Array): boolean {
  return walk(model, 'model', 0);
}
