/** A model whose tensors name external data files is refused before onnxruntime could read them. */
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { createOnnxSession } from '../../src/model/onnx-session.js';
import { usesExternalData } from '../../src/model/onnx-external.js';

const { onnx } = onnxProto;
const DOUBLE = onnx.TensorProto.DataType.DOUBLE;
const EXTERNAL = onnx.TensorProto.DataLocation.EXTERNAL;

type Tensor = onnxProto.onnx.ITensorProto;

const inline: Tensor = { name: 'w', dims: [1], dataType: DOUBLE, rawData: new Uint8Array(new Float64Array([2]).buffer) };
const external: Tensor = {
  name: 'w',
  dims: [1],
  dataType: DOUBLE,
  dataLocation: EXTERNAL,
  externalData: [{ key: 'location', value: 'hostname' }, { key: 'length', value: '8' }],
};
/** External data named without the data_location flag: onnxruntime is not relied on to ignore it. */
const listedOnly: Tensor = { ...inline, externalData: [{ key: 'location', value: 'hostname' }] };

/** y = x + w, with w as an initializer or as a Constant node's tensor inside an If branch. */
function model(w: Tensor, where: 'initializer' | 'constant-in-subgraph'): Uint8Array {
  const io = (name: string) => ({ name, type: { tensorType: { elemType: DOUBLE, shape: { dim: [{ dimParam: 'N' }] } } } });
  const constant = { opType: 'Constant', output: ['w'], attribute: [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: { ...w, name: undefined } }] };
  const branch = { name: 'b', node: [constant], output: [{ name: 'w', type: { tensorType: { elemType: DOUBLE, shape: { dim: [{ dimValue: 1 }] } } } }] };
  const cond: Tensor = { name: 'c', dims: [], dataType: onnx.TensorProto.DataType.BOOL, int32Data: [1] };
  const graph =
    where === 'initializer'
      ? { name: 'g', node: [{ opType: 'Add', input: ['x', 'w'], output: ['y'] }], initializer: [w], input: [io('x')], output: [io('y')] }
      : {
          name: 'g',
          node: [
            { opType: 'If', input: ['c'], output: ['w'], attribute: [{ name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: branch }, { name: 'else_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: branch }] },
            { opType: 'Add', input: ['x', 'w'], output: ['y'] },
          ],
          initializer: [cond],
          input: [io('x')],
          output: [io('y')],
        };
  return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph })).finish();
}

async function refusal(bytes: Uint8Array): Promise<unknown> {
  return createOnnxSession(bytes).then(
    async (session) => {
      await session.release();
      return null;
    },
    (err: unknown) => err,
  );
}

describe('ONNX models with external data', () => {
  it('opens a self-contained model', async () => {
    expect(usesExternalData(model(inline, 'initializer'))).toBe(false);
    expect(usesExternalData(model(inline, 'constant-in-subgraph'))).toBe(false);
    expect(await refusal(model(inline, 'initializer'))).toBeNull();
  });

  it('refuses an initializer, or a constant inside a subgraph, that names external data', async () => {
    for (const bytes of [model(external, 'initializer'), model(listedOnly, 'initializer'), model(external, 'constant-in-subgraph')]) {
      expect(usesExternalData(bytes)).toBe(true);
      expect(await refusal(bytes)).toMatchObject({ code: 'BUNDLE_INVALID', message: expect.stringMatching(/external data/) });
    }
  });

  it('refuses bytes that are not protobuf at all, before onnxruntime sees them', async () => {
    expect(await refusal(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]))).toMatchObject({ code: 'BUNDLE_INVALID', message: expect.stringMatching(/not a valid ONNX model/) });
  });
});
