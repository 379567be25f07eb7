/**
 * POST /v1/scores: a CSV upload (text/csv) → the scored CSV streamed back, or JSON rows with
 * `Accept: application/json`.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RebuyError, isRebuyError } from '../../errors.js';
import type { Reason } from '../../explain/types.js';
import type { Predictor, ScoreSummary } from '../../predict/types.js';
import type { ModelHolder } from '../model-holder.js';
import { errorResponses, scoreCsvSchema, scoreJsonResponseSchema, scoreQuerySchema } from '../schemas.js';
import { scoredCsvAsJson } from '../scored-json.js';
import type { ExplainTopRows } from '../top-reasons.js';
import { UPLOAD_NAME, isUpload, receiveUpload, removeUpload, type Upload } from '../upload.js';
import { explainable, notReady, overloaded } from './common.js';

export type ScoreFile = (predictor: Predictor, inputPath: string, outputPath: string) => Promise<ScoreSummary>;

export interface ScoreRoutesOptions {
  models: ModelHolder;
  scoreFile: ScoreFile;
  tmpDir: string;
  maxUploadBytes: number;
  /** Uploads scored at once; more get 503. */
  maxConcurrentUploads: number;
  explainTopRows: ExplainTopRows;
  /** How many of the best-ranked rows get reasons (JSON answers with ?reasons=k). */
  maxReasonRows: number;
}

export const CSV_TYPES = ['text/csv', 'application/csv'];

/** Names the upload `upload.csv` in messages instead of its temporary path. */
function publicError(err: unknown, upload: Upload): unknown {
  if (!isRebuyError(err)) return err;
  const hide = (text: string): string => text.replaceAll(upload.path, UPLOAD_NAME).replaceAll(upload.dir, '…');
  const location = { ...err.location };
  if (location.file !== undefined) location.file = hide(location.file);
  return new RebuyError(err.code, hide(err.message), location, { cause: err });
}

function wantsJson(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const json = accept.indexOf('application/json');
  const csv = accept.indexOf('text/csv');
  return json >= 0 && (csv < 0 || json < csv);
}

export async function scoreRoutes(app: FastifyInstance, options: ScoreRoutesOptions) {
  const { models, scoreFile, tmpDir, maxUploadBytes, maxConcurrentUploads, explainTopRows, maxReasonRows } = options;
  // Uploads being received or scored; counted from the first byte to the end of the answer.
  const active = new Set<FastifyRequest>();
  const finish = async (request: FastifyRequest): Promise<void> => {
    active.delete(request);
    if (isUpload(request.body)) await removeUpload(request.body);
  };

  // Only CSV bodies in this scope; anything else is 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(CSV_TYPES, async (request: FastifyRequest, payload: NodeJS.ReadableStream) => {
    // Refuse before reading the upload, not after.
    if (models.current === null) throw notReady();
    if (active.size >= maxConcurrentUploads) throw overloaded();
    active.add(request);
    try {
      return await receiveUpload(request, payload, { tmpDir, maxBytes: maxUploadBytes });
    } catch (err) {
      active.delete(request);
      throw err;
    }
  });
  app.addHook('onResponse', finish);
  app.addHook('onRequestAbort', finish);

  app.post(
    '/scores',
    {
      bodyLimit: maxUploadBytes,
      schema: {
        summary: 'Score a CSV file',
        description: `Upload a customer CSV (Content-Type: text/csv, at most ${Math.round(maxUploadBytes / (1 << 20))} MB). The answer is the scored CSV (id, probability, label, rank; best first), or JSON rows with Accept: application/json (with ?reasons=k: the top k reasons of the ${maxReasonRows} best-ranked customers).`,
        tags: ['predictions'],
        querystring: scoreQuerySchema,
        // No type: the parsed body is the temp file the upload was streamed to, checked by the parser.
        body: { content: { 'text/csv': { schema: { title: 'CSV', description: 'The customer table as CSV text, with a header row.' } } } },
        response: {
          200: {
            description: 'The scored rows.',
            content: { 'text/csv': { schema: scoreCsvSchema }, 'application/json': { schema: scoreJsonResponseSchema } },
          },
          ...errorResponses,
        },
      },
    },
    async (request: FastifyRequest<{ Querystring: { reasons: number } }>, reply: FastifyReply) => {
      const upload = request.body;
      if (!isUpload(upload)) {
        throw new RebuyError('UNSUPPORTED_MEDIA_TYPE', 'send the customer table as the body with Content-Type: text/csv');
      }
      reply.raw.once('close', () => void removeUpload(upload));
      if (upload.bytes === 0) throw new RebuyError('MALFORMED', 'the uploaded CSV is empty');

      const slot = models.acquire();
      if (slot === null) throw notReady();
      const output = join(upload.dir, 'scored.csv');
      const json = wantsJson(request.headers.accept);
      const { predictor } = slot;
      let summary: ScoreSummary;
      let reasons: Map<string, Reason[]> | null = null;
      try {
        summary = await scoreFile(predictor, upload.path, output);
        const top = request.query.reasons;
        if (json && top > 0) reasons = await explainable(() => explainTopRows(predictor, upload.path, output, maxReasonRows, top));
      } catch (err) {
        throw publicError(err, upload);
      } finally {
        models.release(slot);
      }
      reply
        .header('x-rebuy-model', predictor.bundleHash)
        .header('x-rebuy-rows', String(summary.rows))
        .header('x-rebuy-seconds', summary.seconds.toFixed(3));
      if (json) {
        reply.type('application/json; charset=utf-8');
        const head = { model: predictor.bundleHash, threshold: predictor.threshold, seconds: summary.seconds };
        return reply.send(scoredCsvAsJson(summary.output, head, reasons ?? undefined));
      }
      reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="scores.csv"');
      return reply.send(createReadStream(summary.output));
    },
  );
}
