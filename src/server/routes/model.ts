/** GET /v1/model (what is serving) and POST /v1/model/reload (swap in a new bundle without downtime). */
import { basename } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { StaticDecode } from '#typebox';
import { lazyChecker } from '../../bundle/format.js';
import { objectiveInWords } from '../../bundle/objective.js';
import { bundleError, isRebuyError } from '../../errors.js';
import type { Predictor } from '../../predict/types.js';
import type { ModelHolder } from '../model-holder.js';
import { errorResponses, modelInfoSchema, reloadRequestSchema, reloadResponseSchema } from '../schemas.js';
import { notReady } from './common.js';

export interface ModelRoutesOptions {
  models: ModelHolder;
  /** Called after each reload attempt (for the server log). */
  onReload?: (outcome: { hash?: string; error?: unknown }) => void;
}

export type ModelInfo = StaticDecode<typeof modelInfoSchema>;

const modelInfoChecker = lazyChecker(modelInfoSchema);

/** What GET /v1/model shows: the manifest without the fitted state, file hashes or server paths. */
export function modelInfo(predictor: Predictor): ModelInfo {
  const m = predictor.manifest;
  const { fingerprint: _fingerprint, files, synthetic, ...data } = m.data;
  return {
    hash: predictor.bundleHash,
    version: m.packages['rebuy'] ?? null,
    formatVersion: m.formatVersion,
    createdAt: m.createdAt,
    synthetic,
    schema: m.schema,
    featureNames: m.featureNames,
    threshold: predictor.threshold,
    thresholdObjective: objectiveInWords(m.thresholdObjective),
    objective: m.thresholdObjective,
    calibration: m.calibration,
    data: { ...data, files: files.map((f) => basename(f)) },
    model: m.model,
    baseline: m.baseline,
    packages: m.packages,
  };
}

export async function modelRoutes(app: FastifyInstance, { models, onReload }: ModelRoutesOptions) {
  app.get(
    '/model',
    {
      schema: {
        summary: 'The serving model',
        description: "A summary of the bundle's manifest: schema, features, metrics, threshold, calibration, training history.",
        tags: ['model'],
        response: { 200: modelInfoSchema, ...errorResponses },
      },
    },
    async () => {
      const predictor = models.current;
      if (predictor === null) throw notReady();
      // As JSON has it: NaN metrics become null.
      return modelInfoChecker().Encode(modelInfo(predictor));
    },
  );

  app.post<{ Body: { model?: string } | null | undefined }>(
    '/model/reload',
    {
      schema: {
        summary: 'Load a new bundle',
        description:
          'Loads and verifies a bundle (default: the current directory again) and swaps it in atomically; requests in flight finish on the old one. A bundle that fails verification is refused with 422 and the old one keeps serving.',
        tags: ['model'],
        body: reloadRequestSchema,
        response: { 200: reloadResponseSchema, ...errorResponses },
      },
    },
    async (request) => {
      const dir = request.body?.model;
      const previous = models.current?.bundleHash ?? null;
      try {
        const predictor = await models.load(dir).catch((err: unknown) => {
          if (isRebuyError(err)) throw err;
          throw bundleError(dir ?? models.bundleDir ?? '', `could not be loaded: ${err instanceof Error ? err.message : String(err)}`, err);
        });
        onReload?.({ hash: predictor.bundleHash });
        return { hash: predictor.bundleHash, previous, createdAt: predictor.manifest.createdAt };
      } catch (err) {
        onReload?.({ error: err });
        throw err;
      }
    },
  );
}
