/** GET /v1/model (what is serving) and POST /v1/model/reload (swap in a new bundle without downtime). */
import { basename } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Manifest, ModelSummary } from '../../bundle/manifest.js';
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

function modelSummary(m: ModelSummary) {
  return {
    name: m.name,
    kind: m.kind,
    derived: m.derived,
    preset: m.preset,
    config: m.config,
    history: m.history,
    bestEpoch: m.bestEpoch,
    trainSeconds: m.trainSeconds,
    metrics: m.metrics,
  };
}

/** What GET /v1/model shows: the manifest without the fitted state, file hashes or server paths. */
export function modelInfo(predictor: Predictor) {
  const m: Manifest = predictor.manifest;
  const data = m.data as Manifest['data'] & { synthetic?: boolean; files?: string[] };
  return {
    hash: predictor.bundleHash,
    version: m.packages?.['rebuy'] ?? null,
    formatVersion: m.formatVersion,
    createdAt: m.createdAt,
    synthetic: data.synthetic === true,
    schema: m.schema,
    featureNames: m.featureNames,
    threshold: predictor.threshold,
    thresholdObjective: m.thresholdObjective,
    calibration: m.calibration,
    data: {
      rows: data.rows,
      positives: data.positives,
      balance: data.balance,
      split: data.split,
      seed: data.seed,
      trainRows: data.trainRows,
      validRows: data.validRows,
      testRows: data.testRows,
      naturalTestRows: data.naturalTestRows,
      files: (data.files ?? []).map((f) => basename(f)),
    },
    model: modelSummary(m.model),
    baseline: m.baseline === null ? null : modelSummary(m.baseline),
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
      return modelInfo(predictor);
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
