import { bundleError } from '../errors.js';
import { loadBundle, type LoadedBundle } from '../bundle/load.js';
import { BACKGROUND_FILE, ONNX_FILE } from '../bundle/layout.js';
import { fromBackground, type BackgroundSample } from '../bundle/background.js';
import type { Manifest } from '../bundle/manifest.js';
import { createExplainer } from '../explain/shapley.js';
import type { Explainer } from '../explain/types.js';
import { recordsToColumns } from './records.js';
import { createOnnxScorer, type OnnxScorer, type ScorerOptions } from './scorer.js';
import type { FeatureColumns, Predictor } from './types.js';

/** Loads and verifies a bundle, then opens its ONNX pipeline. TF.js is never loaded here. */
export async function loadPredictor(dir: string, options: ScorerOptions = {}): Promise<Predictor> {
  const bundle = await loadBundle(dir);
  const onnx = await bundle.readVerified(ONNX_FILE);
  let scorer: OnnxScorer;
  try {
    scorer = await createOnnxScorer(bundle.manifest.features, onnx, options);
  } catch (err) {
    throw bundleError(dir, `${ONNX_FILE} could not be opened by onnxruntime`, err);
  }
  return predictorOf(bundle, scorer);
}

async function readBackground(bundle: LoadedBundle): Promise<FeatureColumns> {
  if (!(BACKGROUND_FILE in bundle.manifest.files)) throw bundleError(bundle.dir, `has no ${BACKGROUND_FILE}: it cannot explain scores`);
  const sample = JSON.parse((await bundle.readVerified(BACKGROUND_FILE)).toString('utf8')) as BackgroundSample;
  return fromBackground(sample);
}

function predictorOf(bundle: LoadedBundle, scorer: OnnxScorer): Predictor {
  const manifest: Manifest = bundle.manifest;
  let explainer: Promise<Explainer> | null = null;
  const getExplainer = (): Promise<Explainer> =>
    (explainer ??= readBackground(bundle).then((background) =>
      createExplainer({ score: (columns) => scorer.score(columns), schema: manifest.schema, background, seed: 0 }),
    ));
  const explainColumns: Predictor['explainColumns'] = async (columns, top) => (await getExplainer()).explain(columns, top);
  return {
    manifest,
    bundleHash: bundle.hash,
    bundleDir: bundle.dir,
    threshold: manifest.threshold,
    predictColumns: (columns) => scorer.score(columns),
    predictRecords: (records) => scorer.score(recordsToColumns(manifest.schema, records)),
    explainColumns,
    explain: async (records, top) =>
      (await explainColumns(recordsToColumns(manifest.schema, records), top)).map((e) => e.reasons),
    close: () => scorer.close(),
  };
}
