import type { Tf } from './tf.js';
import type { NetworkWeights } from './network.js';

export interface TfjsArtifacts {
  /** model.json in TF.js' layers format, naming the weights file. */
  modelJson: string;
  weights: Uint8Array;
}

/** The network in TF.js' own on-disk format (topology JSON + binary weights), via tf.io's save handler. */
export async function toTfjsArtifacts(tf: Tf, weights: NetworkWeights, weightsFileName: string): Promise<TfjsArtifacts> {
  const model = tf.sequential();
  weights.layers.forEach((layer, i) => {
    model.add(
      tf.layers.dense({
        units: layer.units,
        activation: layer.activation,
        ...(i === 0 ? { inputShape: [layer.inputs] } : {}),
      }),
    );
  });
  const values = weights.layers.flatMap((layer) => [
    tf.tensor2d(layer.kernel, [layer.inputs, layer.units]),
    tf.tensor1d(layer.bias),
  ]);
  model.setWeights(values);
  values.forEach((t) => t.dispose());
  let saved: { modelJson: string; weights: Uint8Array } | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData;
      const buffers = Array.isArray(data) ? data : data ? [data] : [];
      const bytes = Buffer.concat(buffers.map((b) => Buffer.from(b)));
      saved = {
        modelJson: JSON.stringify({
          format: 'layers-model',
          generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: [weightsFileName], weights: artifacts.weightSpecs }],
        }),
        weights: new Uint8Array(bytes),
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  if (!saved) throw new Error('TF.js did not hand over the model artifacts');
  return saved;
}
