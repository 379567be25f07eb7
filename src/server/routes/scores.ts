/**
 * POST /v1/scores: a CSV upload (text/csv) → the scored CSV streamed back, or JSON rows with
 * `Accept: application/json`.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RebuyError, isRebuyError } from '../../errors.js';
import { explainerFor } from '../../explain/explainer.js';
import type { Reason } from '../../explain/types.js';
import type { ScoreOptions, ScoredRows } from '../../predict/score-file.js';
import type { FeatureColumns } from '../../core/table.js';
import type { BadRow } from '../../data/read.js';
import type { Predictor } from '../../predict/types.js';
import type { ModelHolder } from '../model-holder.js';
import { errorResponses, scoreCsvSchema, scoreJsonResponseSchema, scoreQuerySchema, type ScoreQuery } from '../schemas.js';
import { scoresAsJson } from '../scores-json.js';
import { UPLOAD_NAME, isUpload, receiveUpload, removeUpload, type Upload } from '../upload.js';
import { BACKGROUND_ROWS } from '../../bundle/background.js';
import { explainCostPerRow, type WorkBudget } from '../work-budget.js';
import { explainable, notReady, overloaded, shed } from './common.js';

/** Scores an uploaded file into rows kept in DuckDB (scoreRows in predict/score-file.ts). */
export type ScoreFile = (predictor: Predictor, inputPath: string, options: Pick<ScoreOptions, 'keepFeatures' | 'tempDir' | 'skipBadRows' | 'onBadRows'>) => Promise<ScoredRows>;

export interface ScoreRoutesOptions {
  models: ModelHolder;
  scoreFile: ScoreFile;
  tmpDir: string;
  maxUploadBytes: number;
  /** Uploads scored at once; more get 503. */
  maxConcurrentUploads: number;
  /** How many of the best-ranked rows get reasons (JSON answers with ?reasons=k). */
  maxReasonRows: number;
  /** Rows through the model in flight, shared with predictions: reasons take their cost from it. */
  work: WorkBudget;
}

export const CSV_TYPES = ['text/csv', 'application/csv'];

/** Names the upload `upload.csv` in messages instead of its temporary path. */
export function publicError(err: unknown, upload: Upload): unknown {
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

/**
 * Makes a route scope take only CSV bodies (anything else is 415), streamed to a temporary file
 * within the size limit, at most `maxConcurrentUploads` at once, removed when the answer ends.
 */
export function acceptCsvUploads(app: FastifyInstance, options: Pick<ScoreRoutesOptions, 'models' | 'tmpDir' | 'maxUploadBytes' | 'maxConcurrentUploads'>): void {
  const { models, tmpDir, maxUploadBytes, maxConcurrentUploads } = options;
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
}

export async function scoreRoutes(app: FastifyInstance, options: ScoreRoutesOptions) {
  const { models, scoreFile, tmpDir, maxUploadBytes, maxReasonRows, work } = options;
  acceptCsvUploads(app, options);

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
    async (request: FastifyRequest<{ Querystring: ScoreQuery }>, reply: FastifyReply) => {
      const upload = request.body;
      if (!isUpload(upload)) {
        throw new RebuyError('UNSUPPORTED_MEDIA_TYPE', 'send the customer table as the body with Content-Type: text/csv');
      }
      let closed = false;
      reply.raw.once('close', () => {
        closed = !reply.raw.writableFinished;
        void removeUpload(upload);
      });
      if (upload.bytes === 0) throw new RebuyError('MALFORMED', 'the uploaded CSV is empty');

      const slot = models.acquire();
      if (slot === null) throw notReady();
      const { predictor } = slot;
      const json = wantsJson(request.headers.accept);
      const top = json ? request.query.reasons : 0;
      let scored: ScoredRows;
      let reasons: Reason[][] | null = null;
      let skipped: BadRow[] = [];
      const skipBadRows = request.query.skip_bad_rows;
      try {
        scored = await scoreFile(predictor, upload.path, {
          keepFeatures: top > 0,
          tempDir: tmpDir,
          skipBadRows,
          onBadRows: (rows) => (skipped = rows),
        });
        const explainCost = top > 0 ? Math.min(scored.rows, maxReasonRows) * explainCostPerRow(predictor.manifest.schema.features.length, BACKGROUND_ROWS) : 0;
        const lease = top > 0 ? work.tryTake(Math.max(1, explainCost)) : null;
        try {
          if (top > 0 && lease === null) throw shed(reply);
          if (top > 0) reasons = await explainable(() => reasonsOfBest(predictor, scored, maxReasonRows, top, () => closed));
        } catch (err) {
          scored.close();
          throw err;
        } finally {
          lease?.release();
        }
      } catch (err) {
        throw publicError(err, upload);
      } finally {
        models.release(slot);
      }
      reply
        .header('x-rebuy-model', predictor.bundleHash)
        .header('x-rebuy-rows', String(scored.rows))
        .header('x-rebuy-seconds', scored.seconds.toFixed(3));
      if (skipBadRows) reply.header('x-rebuy-skipped-rows', String(skipped.length));
      if (json) {
        const head = { model: predictor.bundleHash, threshold: predictor.threshold, seconds: scored.seconds, ...(skipBadRows ? { skipped } : {}) };
        const body = scoresAsJson(scored.ranked(), head, reasons ?? undefined);
        // DuckDB stays open while the rows stream out, and closes however the answer ends.
        body.once('close', () => scored.close());
        reply.raw.once('close', () => body.destroy());
        return reply.type('application/json; charset=utf-8').send(body);
      }
      const output = join(upload.dir, 'scored.csv');
      try {
        await scored.write(output);
      } finally {
        scored.close();
      }
      reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="scores.csv"');
      return reply.send(createReadStream(output));
    },
  );
}

/** Rows explained per step: between steps the event loop runs and a closed connection stops the work. */
const EXPLAIN_CHUNK = 25;

function sliceColumns(columns: FeatureColumns, start: number, end: number): FeatureColumns {
  const numeric = new Map([...columns.numeric].map(([name, values]) => [name, Array.prototype.slice.call(values, start, end) as number[]]));
  const categorical = new Map([...columns.categorical].map(([name, values]) => [name, Array.prototype.slice.call(values, start, end) as (string | null)[]]));
  return { nRows: Math.max(0, Math.min(end, columns.nRows) - start), numeric, categorical };
}

/** The top reasons of the best-ranked rows, best first, from their features kept in DuckDB. */
async function reasonsOfBest(predictor: Predictor, scored: ScoredRows, rows: number, top: number, gone: () => boolean): Promise<Reason[][]> {
  const best = await scored.bestFeatures(rows);
  const explainer = explainerFor(predictor);
  const out: Reason[][] = [];
  for (let start = 0; start < best.nRows; start += EXPLAIN_CHUNK) {
    if (gone()) throw new RebuyError('MALFORMED', 'the client closed the connection');
    const chunk = sliceColumns(best, start, start + EXPLAIN_CHUNK);
    out.push(...(await explainer.explainColumns(chunk, top)).map((e) => e.reasons));
  }
  return out;
}
