import { bundleError, isRebuyError } from '../errors.js';
import { loadBundle, type LoadedBundle } from '../bundle/load.js';
import { readBackground } from '../bundle/background.js';
import { BACKGROUND_FILE, ONNX_FILE } from '../bundle/layout.js';
import type { FeatureColumns } from '../core/table.js';
import { rawColumns } from '../prep/features.js';
import { recordsToColumns } from './records.js';
import { createOnnxScorer, type OnnxScorer, type ScorerOptions } from './scorer.js';
import type { Predictor } from './types.js';

/**
 * Loads and verifies a bundle, opens its ONNX pipeline and scores the bundle's own background
 * sample through it: a bundle that cannot predict is refused here, not on its first request.
 * TF.js is never loaded here.
 */
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
  const predictor = predictorOf(bundle, scorer);
  try {
    await selfCheck(predictor);
  } catch (err) {
    await predictor.close();
    throw err;
  }
  return predictor;
}

/** One row with every raw column missing: what a bundle without a background sample is checked on. */
function missingRow(bundle: LoadedBundle): FeatureColumns {
  const raw = rawColumns(bundle.manifest.features);
  return {
    nRows: 1,
    numeric: new Map(raw.numeric.map((name) => [name, Float64Array.of(Number.NaN)])),
    categorical: new Map(raw.categorical.map((name) => [name, [null]])),
  };
}

/** Scores the bundle's background sample (or one all-missing row): each a probability, or refused. */
async function selfCheck(predictor: Predictor): Promise<void> {
  const { bundle, threshold } = predictor;
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1) throw bundleError(bundle.dir, `its threshold ${threshold} is not a probability`);
  let probabilities: Float32Array;
  let rows: number;
  try {
    const sample = BACKGROUND_FILE in bundle.manifest.files ? await readBackground(bundle) : missingRow(bundle);
    rows = sample.nRows;
    probabilities = await predictor.predictColumns(sample);
  } catch (err) {
    throw bundleError(bundle.dir, `its model cannot score its own background sample${isRebuyError(err) ? `: ${err.message}` : ''}`, err);
  }
  const bad = probabilities.length !== rows ? 0 : probabilities.findIndex((p) => !(p >= 0 && p <= 1));
  if (probabilities.length !== rows || bad >= 0) {
    throw bundleError(bundle.dir, `its model does not give a probability for every row of its own background sample`);
  }
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
    predictOutputs: (columns) => scorer.scoreAll(columns),
    predictRecords: (records) => scorer.score(recordsToColumns(manifest.schema, records)),
    close: () => scorer.close(),
  };
}
