/** GET /v1/model (what is serving) and POST /v1/model/reload (swap in a new bundle without downtime). */
import { basename } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { StaticDecode } from '@sinclair/typebox';
import { lazyChecker } from '../../bundle/format.js';
import { objectiveInWords } from '../../bundle/objective.js';
import { RebuyError, bundleError, isRebuyError } from '../../errors.js';
import type { Predictor } from '../../predict/types.js';
import type { ModelHolder } from '../model-holder.js';
import { errorResponses, modelInfoSchema, reloadRequestSchema, reloadResponseSchema } from '../schemas.js';
import { reloadTarget, type ReloadPolicy } from '../reload-policy.js';
import { notReady } from './common.js';

export interface ModelRoutesOptions {
  models: ModelHolder;
  /** Called after each reload attempt (for the server log). */
  onReload?: (outcome: { hash?: string; error?: unknown }) => void;
  /** Directories inside it may be reloaded by name; null: only the configured one. */
  modelsRoot?: string | null;
}

/** A browser sends Origin on every cross-site POST: a page elsewhere must not trigger reloads. */
function checkOrigin(origin: string | undefined, host: string | undefined): void {
  if (origin === undefined) return;
  let originHost: string | null = null;
  try {
    originHost = new URL(origin).host;
  } catch {
    originHost = null;
  }
  if (originHost === null || originHost !== host) {
    throw new RebuyError('FORBIDDEN', 'a reload from another origin is refused');
  }
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

export async function modelRoutes(app: FastifyInstance, { models, onReload, modelsRoot = null }: ModelRoutesOptions) {
  const policy: ReloadPolicy = { configuredDir: models.bundleDir, modelsRoot };
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
          'Loads and verifies a bundle (default: the current directory again), scores its own background sample, and swaps it in atomically; requests in flight finish on the old one. A bundle that fails is refused with 422 and the old one keeps serving. `model` may name only the directory the server was started with, or, when it was started with --models-root, a directory inside that root (403 otherwise). A load that takes too long is abandoned (422); a reload while two are pending answers 503.',
        tags: ['model'],
        body: reloadRequestSchema,
        response: { 200: reloadResponseSchema, ...errorResponses },
      },
    },
    async (request) => {
      const previous = models.current?.bundleHash ?? null;
      try {
        checkOrigin(request.headers.origin, request.headers.host);
        const dir = await reloadTarget(request.body?.model, policy);
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
