/**
 * The /v1 scope: load shedding, the rate limit and the API key guard every route in it; then the
 * predictions, scores and model route groups.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { RebuyError } from '../../errors.js';
import { presentedKey, unauthorized, type KeyCheck } from '../auth.js';
import type { ModelHolder } from '../model-holder.js';
import type { WorkBudget } from '../work-budget.js';
import { shed } from './common.js';
import { modelRoutes, type ModelRoutesOptions } from './model.js';
import { monitorRoutes } from './monitor.js';
import { predictionRoutes } from './predictions.js';
import { scoreRoutes, type ScoreRoutesOptions } from './scores.js';

export interface ApiOptions extends Omit<ScoreRoutesOptions, 'models'> {
  models: ModelHolder;
  /** Null: no key needed (loopback only; runServe enforces it). */
  keyCheck: KeyCheck | null;
  maxInFlight: number;
  /** 0 = no limit. */
  rateLimitPerMinute: number;
  maxBatch: number;
  onReload?: ModelRoutesOptions['onReload'];
  modelsRoot: string | null;
  work: WorkBudget;
  maxBodyBytesInFlight: number;
}

/** Rate-limit buckets: the valid key, else the client's IP (so wrong keys are counted too). */
function rateLimitKey(check: KeyCheck | null) {
  return (request: { headers: Record<string, string | string[] | undefined>; ip: string }): string =>
    check !== null && check(presentedKey(request.headers)) ? 'key' : `ip:${request.ip}`;
}

export async function apiRoutes(v1: FastifyInstance, options: ApiOptions) {
  const { models, keyCheck } = options;
  let inFlight = 0;
  v1.addHook('onRequest', async (_request, reply) => {
    if (inFlight >= options.maxInFlight) throw shed(reply);
    inFlight++;
    reply.raw.once('close', () => inFlight--);
  });
  if (options.rateLimitPerMinute > 0) {
    await v1.register(rateLimit, {
      max: options.rateLimitPerMinute,
      timeWindow: 60_000,
      keyGenerator: rateLimitKey(keyCheck),
      errorResponseBuilder: (_request, context) =>
        new RebuyError('RATE_LIMITED', `rate limit of ${context.max} requests per minute reached: retry in ${context.after}`),
    });
  }
  if (keyCheck !== null) {
    // After the rate limit (failed keys count against the IP), before the body is read.
    v1.addHook('preParsing', async (request) => {
      const key = presentedKey(request.headers);
      if (!keyCheck(key)) throw unauthorized(key);
    });
  }
  await v1.register(predictionRoutes, { models, maxBatch: options.maxBatch, work: options.work, maxBodyBytesInFlight: options.maxBodyBytesInFlight });
  await v1.register(scoreRoutes, {
    models,
    scoreFile: options.scoreFile,
    tmpDir: options.tmpDir,
    maxUploadBytes: options.maxUploadBytes,
    maxConcurrentUploads: options.maxConcurrentUploads,
    maxReasonRows: options.maxReasonRows,
    work: options.work,
  });
  await v1.register(monitorRoutes, { models, tmpDir: options.tmpDir, maxUploadBytes: options.maxUploadBytes, maxConcurrentUploads: options.maxConcurrentUploads });
  await v1.register(modelRoutes, { models, onReload: options.onReload, modelsRoot: options.modelsRoot });
}
