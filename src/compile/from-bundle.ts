/** A verified bundle's plain data, gathered into what the SQL compiler reads. */
import type { LoadedBundle } from '../bundle/load.js';
import { TFJS_TOPOLOGY_FILE, TFJS_WEIGHTS_FILE } from '../bundle/layout.js';
import { bundleError } from '../errors.js';
import { networkFromTfjs, TfjsFormatError } from './tfjs-weights.js';
import type { ScoringPipeline } from './pipeline-sql.js';
import type { NetworkWeights } from '../model/network.js';

export interface PipelineOptions {
  /** The id column of the scored table; default: the one the bundle's schema names, else "id". */
  idColumn?: string;
}

export async function scoringPipelineOf(bundle: LoadedBundle, options: PipelineOptions = {}): Promise<ScoringPipeline> {
  const { manifest, dir } = bundle;
  if (manifest.files[TFJS_WEIGHTS_FILE] === undefined || manifest.files[TFJS_TOPOLOGY_FILE] === undefined) {
    throw bundleError(dir, `the ${manifest.model.kind} model has no ${TFJS_TOPOLOGY_FILE}/${TFJS_WEIGHTS_FILE}: only network bundles compile to SQL so far`);
  }
  const weights = readWeights(dir, (await bundle.readVerified(TFJS_TOPOLOGY_FILE)).toString('utf8'), await bundle.readVerified(TFJS_WEIGHTS_FILE));
  const { slope, intercept, method } = manifest.calibration;
  return {
    features: manifest.features,
    weights,
    calibration: { slope, intercept },
    threshold: manifest.threshold,
    idColumn: options.idColumn ?? manifest.schema.id ?? 'id',
    about: [
      `model ${manifest.model.name} (${manifest.model.kind}), trained ${manifest.createdAt}, bundle format ${manifest.formatVersion}`,
      `bundle manifest sha256 ${bundle.hash}`,
      `calibration ${method}, threshold ${manifest.threshold}`,
    ],
  };
}

function readWeights(dir: string, topology: string, weightBytes: Uint8Array): NetworkWeights {
  try {
    return networkFromTfjs(topology, weightBytes);
  } catch (err) {
    if (err instanceof TfjsFormatError) throw bundleError(dir, `the network's TF.js files cannot be read: ${err.message}`, err);
    throw err;
  }
}
