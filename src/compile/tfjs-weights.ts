/**
 * The network's weights back from the bundle's TF.js files (tfjs-model.json + tfjs-weights.bin), as
 * plain data, without loading TF.js: the topology names each Dense layer's units and activation, the
 * weights manifest gives each tensor's shape, and the binary file holds them in that order, float32
 * little-endian.
 */
import type { DenseLayer, HiddenActivation, NetworkWeights, OutputActivation } from '../model/network.js';

const ACTIVATIONS: readonly (HiddenActivation | OutputActivation)[] = ['relu', 'tanh', 'sigmoid', 'linear', 'softmax'];

/** Why the files cannot be read as a dense network; the caller names the bundle. */
export class TfjsFormatError extends Error {}

function field(value: unknown, key: string, where: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TfjsFormatError(`${where} is not an object`);
  return Reflect.get(value, key);
}

function list(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new TfjsFormatError(`${where} is not a list`);
  return value;
}

function integers(value: unknown, where: string): number[] {
  return list(value, where).map((v) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new TfjsFormatError(`${where} holds ${JSON.stringify(v)}, not a size`);
    return v;
  });
}

interface WeightSpec {
  name: string;
  shape: number[];
}

function weightSpecs(modelJson: unknown): WeightSpec[] {
  const groups = list(field(modelJson, 'weightsManifest', 'tfjs-model.json'), 'weightsManifest');
  return groups.flatMap((group, g) =>
    list(field(group, 'weights', `weightsManifest[${g}]`), `weightsManifest[${g}].weights`).map((spec, k) => {
      const where = `weightsManifest[${g}].weights[${k}]`;
      const name = field(spec, 'name', where);
      const dtype = field(spec, 'dtype', where);
      if (typeof name !== 'string') throw new TfjsFormatError(`${where} has no name`);
      if (dtype !== 'float32') throw new TfjsFormatError(`${where} (${name}) is ${JSON.stringify(dtype)}, not float32`);
      if (field(spec, 'quantization', where) !== undefined) throw new TfjsFormatError(`${where} (${name}) is quantized`);
      return { name, shape: integers(field(spec, 'shape', where), `${where}.shape`) };
    }),
  );
}

function denseLayers(modelJson: unknown): { units: number; activation: DenseLayer['activation'] }[] {
  const topology = field(modelJson, 'modelTopology', 'tfjs-model.json');
  if (field(topology, 'class_name', 'modelTopology') !== 'Sequential') throw new TfjsFormatError('the model is not a Sequential one');
  const layers = list(field(field(topology, 'config', 'modelTopology'), 'layers', 'modelTopology.config'), 'modelTopology.config.layers');
  return layers.map((layer, i) => {
    const where = `layer ${i}`;
    if (field(layer, 'class_name', where) !== 'Dense') throw new TfjsFormatError(`${where} is not a Dense layer`);
    const config = field(layer, 'config', where);
    const units = field(config, 'units', where);
    const activation = ACTIVATIONS.find((a) => a === field(config, 'activation', where));
    if (typeof units !== 'number' || !Number.isInteger(units) || units < 1) throw new TfjsFormatError(`${where} has no unit count`);
    if (activation === undefined) throw new TfjsFormatError(`${where} has activation ${JSON.stringify(field(config, 'activation', where))}`);
    if (field(config, 'use_bias', where) === false) throw new TfjsFormatError(`${where} has no bias`);
    return { units, activation };
  });
}

/** Parses the TF.js layers-model files a bundle holds into the weights the training code produced. */
export function networkFromTfjs(modelJsonText: string, weightBytes: Uint8Array): NetworkWeights {
  let modelJson: unknown;
  try {
    modelJson = JSON.parse(modelJsonText);
  } catch (err) {
    throw new TfjsFormatError(`tfjs-model.json is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const layers = denseLayers(modelJson);
  const specs = weightSpecs(modelJson);
  if (specs.length !== layers.length * 2) throw new TfjsFormatError(`${layers.length} Dense layers need ${layers.length * 2} weight tensors, the manifest lists ${specs.length}`);
  const total = specs.reduce((sum, s) => sum + s.shape.reduce((p, d) => p * d, 1), 0);
  if (weightBytes.byteLength !== total * 4) throw new TfjsFormatError(`tfjs-weights.bin has ${weightBytes.byteLength} bytes, the manifest describes ${total * 4}`);
  const view = new DataView(weightBytes.buffer, weightBytes.byteOffset, weightBytes.byteLength);
  let offset = 0;
  const take = (count: number): Float32Array => {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + i * 4, true);
    offset += count * 4;
    return out;
  };
  return {
    layers: layers.map(({ units, activation }, i) => {
      const kernelSpec = specs[i * 2]!;
      const biasSpec = specs[i * 2 + 1]!;
      const [inputs, kernelUnits] = kernelSpec.shape;
      if (kernelSpec.shape.length !== 2 || kernelUnits !== units || !kernelSpec.name.endsWith('/kernel')) {
        throw new TfjsFormatError(`weight ${kernelSpec.name} is not the [inputs, ${units}] kernel of layer ${i}`);
      }
      if (biasSpec.shape.length !== 1 || biasSpec.shape[0] !== units || !biasSpec.name.endsWith('/bias')) {
        throw new TfjsFormatError(`weight ${biasSpec.name} is not the [${units}] bias of layer ${i}`);
      }
      const kernel = take(inputs! * units);
      const bias = take(units);
      return { inputs: inputs!, units, kernel, bias, activation };
    }),
  };
}
