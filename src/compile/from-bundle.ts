/** A verified bundle's plain data, gathered into what the SQL compiler reads. */
import type { LoadedBundle } from '../bundle/load.js';
import { ONNX_FILE, TFJS_TOPOLOGY_FILE, TFJS_WEIGHTS_FILE } from '../bundle/layout.js';
import { bundleError, internalError } from '../errors.js';
import { networkFromTfjs, TfjsFormatError } from './tfjs-weights.js';
import { logisticFromOnnx, OnnxFormatError, upliftFromOnnx } from './onnx-weights.js';
import type { UpliftPipeline } from './uplift-sql.js';
import type { EnsembleMemberModel, ScoringPipeline } from './pipeline-sql.js';
import type { NetworkWeights } from '../model/network.js';
import { IDENTITY_CALIBRATION, type CalibrationMap } from '../evaluate/calibration.js';

export interface PipelineOptions {
  /** The id column of the scored table; default: the one the bundle's schema names, else "id". */
  idColumn?: string;
}

export async function scoringPipelineOf(bundle: LoadedBundle, options: PipelineOptions = {}): Promise<ScoringPipeline> {
  const { manifest } = bundle;
  if (manifest.uplift) throw internalError('SQL compile: an uplift bundle compiles through upliftPipelineOf');
  const { weights, calibration, members } = await modelOf(bundle);
  const { method } = manifest.calibration;
  return {
    ...(members && { members }),
    features: manifest.features,
    weights,
    calibration,
    threshold: manifest.threshold,
    idColumn: options.idColumn ?? manifest.schema.id ?? 'id',
    about: [
      `model ${manifest.model.name} (${manifest.model.kind}), trained ${manifest.createdAt}, bundle format ${manifest.formatVersion}`,
      `bundle manifest sha256 ${bundle.hash}`,
      `calibration ${method}, threshold ${manifest.threshold}`,
    ],
  };
}

/** An uplift bundle's heads, read back from the model.onnx onnxruntime runs (nothing else holds them). */
export async function upliftPipelineOf(bundle: LoadedBundle, options: PipelineOptions = {}): Promise<UpliftPipeline> {
  const { manifest, dir } = bundle;
  const section = manifest.uplift;
  if (!section) throw internalError('SQL compile: not an uplift bundle');
  try {
    return {
      features: manifest.features,
      graph: upliftFromOnnx(await bundle.readVerified(ONNX_FILE), section.treatments),
      treatments: section.treatments,
      idColumn: options.idColumn ?? manifest.schema.id ?? 'id',
      about: [
        `uplift model ${section.learner}, trained ${manifest.createdAt}, bundle format ${manifest.formatVersion}`,
        `bundle manifest sha256 ${bundle.hash}`,
      ],
    };
  } catch (err) {
    if (err instanceof OnnxFormatError) throw bundleError(dir, `the uplift model cannot be read from ${ONNX_FILE}: ${err.message}`, err);
    throw err;
  }
}

/**
 * A network's weights come from its TF.js files, with the manifest's calibration; a logistic model's
 * from model.onnx, where its calibration is already folded into the weights.
 */
async function modelOf(bundle: LoadedBundle): Promise<{ weights: NetworkWeights; calibration: CalibrationMap; members?: EnsembleMemberModel[] }> {
  const { manifest, dir } = bundle;
  try {
    if (manifest.model.kind === 'ensemble') {
      const members: EnsembleMemberModel[] = [];
      for (const member of manifest.model.members ?? []) {
        const { topology, weights } = member.files;
        if (manifest.files[topology] === undefined || manifest.files[weights] === undefined) throw bundleError(dir, `the ensemble member ${member.name} has no ${topology}/${weights}`);
        const network = networkFromTfjs((await bundle.readVerified(topology)).toString('utf8'), await bundle.readVerified(weights));
        members.push({ name: member.name, weights: network, calibration: { slope: member.calibration.slope, intercept: member.calibration.intercept } });
      }
      if (members.length < 2) throw bundleError(dir, `the ensemble has ${members.length} members in its manifest`);
      return { weights: members[0]!.weights, calibration: members[0]!.calibration, members };
    }
    if (manifest.model.kind === 'logistic') {
      return { weights: logisticFromOnnx(await bundle.readVerified(ONNX_FILE)), calibration: IDENTITY_CALIBRATION };
    }
    if (manifest.files[TFJS_WEIGHTS_FILE] === undefined || manifest.files[TFJS_TOPOLOGY_FILE] === undefined) {
      throw bundleError(dir, `the network model has no ${TFJS_TOPOLOGY_FILE}/${TFJS_WEIGHTS_FILE}`);
    }
    const topology = (await bundle.readVerified(TFJS_TOPOLOGY_FILE)).toString('utf8');
    const { slope, intercept } = manifest.calibration;
    return { weights: networkFromTfjs(topology, await bundle.readVerified(TFJS_WEIGHTS_FILE)), calibration: { slope, intercept } };
  } catch (err) {
    if (err instanceof TfjsFormatError) throw bundleError(dir, `the network's TF.js files cannot be read: ${err.message}`, err);
    if (err instanceof OnnxFormatError) throw bundleError(dir, `the logistic model cannot be read from ${ONNX_FILE}: ${err.message}`, err);
    throw err;
  }
}
