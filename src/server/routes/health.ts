/** GET /healthz (the process is alive) and GET /readyz (a verified model is serving). No key needed. */
import type { FastifyInstance } from 'fastify';
import type { ModelHolder } from '../model-holder.js';
import { errorResponses, healthSchema } from '../schemas.js';
import { notReady } from './common.js';

export interface HealthRoutesOptions {
  models: ModelHolder;
  isClosing: () => boolean;
}

export async function healthRoutes(app: FastifyInstance, { models, isClosing }: HealthRoutesOptions) {
  app.get(
    '/healthz',
    { schema: { summary: 'Alive', tags: ['health'], response: { 200: healthSchema, ...errorResponses } } },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Ready: a model is loaded and verified',
        tags: ['health'],
        response: { 200: healthSchema, ...errorResponses },
      },
    },
    async () => {
      const predictor = models.current;
      if (predictor === null || isClosing()) throw notReady();
      return { status: 'ok' as const, model: predictor.bundleHash };
    },
  );
}
