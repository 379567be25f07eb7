/**
 * POST /v1/monitor: a CSV upload (text/csv, the same rules and limits as /v1/scores) → the monitoring
 * run as JSON: drift per feature and of the scores against the model's training profile, and the
 * performance and profit estimated without labels (measured too when the upload has the target).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RebuyError } from '../../errors.js';
import { monitorFile } from '../../monitor/list.js';
import type { MonitorRun } from '../../monitor/run.js';
import type { ModelHolder } from '../model-holder.js';
import { errorResponses } from '../schemas.js';
import { UPLOAD_NAME, isUpload } from '../upload.js';
import { notReady } from './common.js';
import { acceptCsvUploads, publicError, type ScoreRoutesOptions } from './scores.js';

export interface MonitorRoutesOptions extends Pick<ScoreRoutesOptions, 'tmpDir' | 'maxUploadBytes' | 'maxConcurrentUploads'> {
  models: ModelHolder;
}

export async function monitorRoutes(app: FastifyInstance, options: MonitorRoutesOptions) {
  const { models, maxUploadBytes } = options;
  acceptCsvUploads(app, options);
  app.post(
    '/monitor',
    {
      bodyLimit: maxUploadBytes,
      schema: {
        summary: 'Monitor a customer list',
        description: `Upload a customer CSV (Content-Type: text/csv, at most ${Math.round(maxUploadBytes / (1 << 20))} MB). The answer compares it with the model's training profile: drift per feature (Kolmogorov–Smirnov or chi-squared up to 1,000 rows, Wasserstein or Jensen–Shannon distance above, PSI, mean, missing values, new categories) and of the predicted probabilities; performance and profit estimated without labels (CBPE), with 95 % intervals; measured figures when the list has the target column; a summary in words and whether it alerts.`,
        tags: ['monitoring'],
        body: { content: { 'text/csv': { schema: { title: 'CSV', description: 'The customer table as CSV text, with a header row.' } } } },
        response: {
          200: {
            description: 'The monitoring run.',
            content: { 'application/json': { schema: { type: 'object', additionalProperties: true, properties: { summary: { type: 'array', items: { type: 'string' } } } } } },
          },
          ...errorResponses,
        },
      },
    },
    async (request: FastifyRequest, reply: FastifyReply) => {
      const upload = request.body;
      if (!isUpload(upload)) throw new RebuyError('UNSUPPORTED_MEDIA_TYPE', 'send the customer table as the body with Content-Type: text/csv');
      if (upload.bytes === 0) throw new RebuyError('MALFORMED', 'the uploaded CSV is empty');
      const slot = models.acquire();
      if (slot === null) throw notReady();
      const { predictor } = slot;
      let run: MonitorRun;
      try {
        run = await monitorFile(predictor, upload.path, { ref: predictor.bundleHash });
      } catch (err) {
        throw publicError(err, upload);
      } finally {
        models.release(slot);
      }
      run.data.file = UPLOAD_NAME;
      reply.header('x-rebuy-model', predictor.bundleHash);
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(run));
    },
  );
}
