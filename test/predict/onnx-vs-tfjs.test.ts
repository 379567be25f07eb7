import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainBundle } from '../../src/app/train.js';
import { loadPredictor } from '../../src/predict/predictor.js';
import { readTable } from '../../src/data/read.js';
import { featureColumns } from '../../src/core/table.js';
import { applyFeatures } from '../../src/prep/features.js';
import { initTraining } from '../../src/model/tf.js';
import { TFJS_TOPOLOGY_FILE, TFJS_WEIGHTS_FILE } from '../../src/bundle/layout.js';
import { REAL_CSV, realDataPresent } from '../helpers/paths.js';

describe.skipIf(!realDataPresent('ONNX against TF.js on the real data'))('the saved ONNX pipeline and the saved TF.js model agree', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rebuy-equiv-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('on every row of the real data, to 1e-5', async () => {
    const model = join(dir, 'model');
    await trainBundle({ data: REAL_CSV, out: model, preset: '2x50', balance: 'random', split: [0.8, 0.1, 0.1], seed: 3, baseline: false });
    const table = await readTable(REAL_CSV);

    const predictor = await loadPredictor(model);
    const onnx = await predictor.predictColumns(featureColumns(table));
    await predictor.close();

    const tf = await initTraining();
    const topology = JSON.parse(await readFile(join(model, TFJS_TOPOLOGY_FILE), 'utf8'));
    const weights = await readFile(join(model, TFJS_WEIGHTS_FILE));
    const tfModel = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: topology.modelTopology,
        weightSpecs: topology.weightsManifest[0].weights,
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      }),
    );
    const x = applyFeatures(predictor.manifest.features, table);
    const input = tf.tensor2d(x.data, [x.rows, x.cols]);
    const output = tfModel.predict(input) as import('@tensorflow/tfjs').Tensor;
    const probs = (await output.data()) as Float32Array;
    input.dispose();
    output.dispose();
    tfModel.dispose();

    expect(onnx.length).toBe(14_084);
    // The bundle folds its calibration into the ONNX graph: p = sigmoid(slope · (z1 − z0) + intercept).
    const { slope, intercept } = predictor.manifest.calibration;
    expect(predictor.manifest.calibration.method).toBe('prior');
    let worst = 0;
    for (let i = 0; i < table.nRows; i++) {
      const logit = Math.log(probs[2 * i + 1]! / probs[2 * i]!);
      const calibrated = 1 / (1 + Math.exp(-(slope * logit + intercept)));
      worst = Math.max(worst, Math.abs(onnx[i]! - calibrated));
    }
    expect(worst).toBeLessThan(1e-5);
    // Not a constant model: the probabilities spread across the range.
    expect(Math.max(...onnx) - Math.min(...onnx)).toBeGreaterThan(0.5);
  });
});
