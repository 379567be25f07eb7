import { bundleError, isRebuyError } from '../errors.js';
import { loadBundle, type LoadedBundle } from '../bundle/load.js';
import { ONNX_FILE } from '../bundle/layout.js';
import { recordsToColumns } from './records.js';
import { createOnnxScorer, type OnnxScorer, type ScorerOptions } from './scorer.js';
import type { Predictor } from './types.js';

/** Loads and verifies a bundle, then opens its ONNX pipeline. TF.js is never loaded here. */
export async function loadPredictor(dir: string, options: ScorerOptions = {}): Promise<Predictor> {
  const bundle = await loadBundle(dir);
  const onnx = await bundle.readVerified(ONNX_FILE);
  let scorer: OnnxScorer;
  try {
    scorer = await createOnnxScorer(bundle.manifest.features, onnx, options);
  } catch (err) {
    // Our own refusals say why; onnxruntime's messages are not for the client.
    throw bundleError(dir, isRebuyError(err) ? `${ONNX_FILE}: ${err.message}` : `${ONNX_FILE} could not be opened by onnxruntime`, err);
  }
  return predictorOf(bundle, scorer);
}

function predictorOf(bundle: LoadedBundle, scorer: OnnxScorer): Predictor {
  const { manifest } = bundle;
  return {
    manifest,
    bundle,
    bundleHash: bundle.hash,
    bundleDir: bundle.dir,
    threshold: manifest.threshold,
    predictColumns: (columns) => scorer.score(columns),
    predictRecords: (records) => scorer.score(recordsToColumns(manifest.schema, records)),
    close: () => scorer.close(),
  };
}
