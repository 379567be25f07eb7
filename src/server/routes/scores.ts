/**
 * POST /v1/scores: a CSV upload (text/csv) → the scored CSV streamed back, or JSON rows with
 * `Accept: application/json`.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RebuyError, isRebuyError } from '../../errors.js';
import { explainerFor } from '../../explain/explainer.js';
import type { CustomerExplanation, Reason, Reference } from '../../explain/types.js';
import { dependenceCharts, type DependenceChart } from '../../explain/dependence.js';
import type { ScoreOptions, ScoredRows } from '../../predict/score-file.js';
import type { FeatureColumns } from '../../core/table.js';
import type { BadRow } from '../../data/read.js';
import type { Predictor } from '../../predict/types.js';
import type { ModelHolder } from '../model-holder.js';
import { errorResponses, scoreCsvSchema, scoreJsonResponseSchema, scoreQuerySchema, type ScoreQuery } from '../schemas.js';
import { scoresAsJson } from '../scores-json.js';
import { UPLOAD_NAME, isUpload, receiveUpload, removeUpload, type Upload } from '../upload.js';
import { uploadCost, type WorkBudget } from '../work-budget.js';
import { explainable, notReady, overloaded, shed } from './common.js';
import { checkUpliftQuery, scoreUpliftUpload, upliftJson, type UpliftScored } from './uplift-scores.js';

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
  /**
   * Rows through the model in flight, shared with predictions: an upload takes the cost of its rows
   * (estimated from its size) and of their reasons once its body has arrived, until its answer ends.
   */
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

/** The units of work an upload of `bytes` takes: its rows, and the reasons of the best ones when asked. */
function costOfUpload(predictor: Predictor | null, bytes: number, top: number, maxReasonRows: number): number {
  const explainPerRow = predictor !== null && top > 0 ? explainerFor(predictor).estimatedRowsPerCustomer() : 0;
  return uploadCost(bytes, explainPerRow > 0 ? maxReasonRows : 0, explainPerRow);
}

/**
 * Makes a route scope take only CSV bodies (anything else is 415), streamed to a temporary file
 * within the size limit, at most `maxConcurrentUploads` at once, removed when the answer ends. Returns how many are in progress.
 */
export function acceptCsvUploads(app: FastifyInstance, options: Pick<ScoreRoutesOptions, 'models' | 'tmpDir' | 'maxUploadBytes' | 'maxConcurrentUploads'>): () => number {
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
  return () => active.size;
}

export async function scoreRoutes(app: FastifyInstance, options: ScoreRoutesOptions) {
  const { models, scoreFile, tmpDir, maxUploadBytes, maxConcurrentUploads, maxReasonRows, work } = options;
  const uploadsInProgress = acceptCsvUploads(app, options);

  app.post(
    '/scores',
    {
      bodyLimit: maxUploadBytes,
      // Refuse before reading the upload, not after: no model, too many uploads, or work its declared
      // size would not fit (nothing is taken until the body has arrived: a slow client holds no work).
      onRequest: async (request: FastifyRequest<{ Querystring: ScoreQuery }>, reply: FastifyReply) => {
        const predictor = models.current;
        const declared = Number(request.headers['content-length']);
        // An uplift bundle gives no reasons.
        const top = wantsJson(request.headers.accept) && !predictor?.manifest.uplift ? Number(request.query.reasons) || 0 : 0;
        const refusal =
          predictor === null
            ? notReady()
            : uploadsInProgress() >= maxConcurrentUploads || !work.fits(costOfUpload(predictor, Number.isFinite(declared) ? declared : 0, top, maxReasonRows))
              ? shed(reply)
              : null;
        if (refusal === null) return;
        // The body is not read: end the connection after the answer rather than wait for the rest.
        reply.header('connection', 'close');
        throw refusal;
      },
      schema: {
        summary: 'Score a CSV file',
        description: `Upload a customer CSV (Content-Type: text/csv, at most ${Math.round(maxUploadBytes / (1 << 20))} MB). The answer is the scored CSV (id, probability, label, rank; best first), or JSON rows with Accept: application/json (with ?reasons=k: the top k reasons of the ${maxReasonRows} best-ranked customers). When the serving bundle is an uplift bundle, each customer's chance of buying without contact and with each treatment, the uplifts, and with contact_cost and value_per_return the treatment to send and the expected incremental profit (kind "uplift"; file order).`,
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
      const uplift = predictor.manifest.uplift !== undefined;
      if (uplift) {
        try {
          checkUpliftQuery(request.query);
        } catch (err) {
          models.release(slot);
          throw err;
        }
      }
      const json = wantsJson(request.headers.accept);
      const top = json && !uplift ? request.query.reasons : 0;
      const lease = work.tryTake(costOfUpload(predictor, upload.bytes, top, maxReasonRows));
      if (lease === null) {
        models.release(slot);
        throw shed(reply);
      }
      // The work is given back once the answer has ended (sent, failed or abandoned) and the scoring
      // it started has stopped: a client that goes away mid-scoring frees nothing still running.
      let working = true;
      let answered = false;
      const releaseWhenIdle = (): void => {
        if (answered && !working) lease.release();
      };
      reply.raw.once('close', () => {
        answered = true;
        releaseWhenIdle();
      });
      // Which model answered, for how many rows, in how long: the same headers on every answer.
      const answerHeaders = (rows: number, seconds: number): void => {
        reply.header('x-rebuy-model', predictor.bundleHash).header('x-rebuy-rows', String(rows)).header('x-rebuy-seconds', seconds.toFixed(3));
      };
      const answerUplift = async (): Promise<FastifyReply> => {
        let scored: UpliftScored;
        try {
          scored = await scoreUpliftUpload(predictor, upload, request.query, json);
        } catch (err) {
          throw publicError(err, upload);
        } finally {
          models.release(slot);
        }
        answerHeaders(scored.rows, scored.seconds);
        if (scored.kind === 'json') {
          const body = upliftJson(scored);
          reply.raw.once('close', () => body.destroy());
          return reply.type('application/json; charset=utf-8').send(body);
        }
        reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="scores.csv"');
        return reply.send(createReadStream(scored.path));
      };
      const answer = async (): Promise<FastifyReply> => {
        if (uplift) return answerUplift();
        let scored: ScoredRows;
        let reasons: Explained | null = null;
        let skipped: BadRow[] = [];
        const skipBadRows = request.query.skip_bad_rows;
        try {
          scored = await scoreFile(predictor, upload.path, {
            keepFeatures: top > 0,
            tempDir: tmpDir,
            skipBadRows,
            onBadRows: (rows) => (skipped = rows),
          });
          try {
            if (closed) throw new RebuyError('MALFORMED', 'the client closed the connection');
            if (top > 0) reasons = await explainable(() => reasonsOfBest(predictor, scored, maxReasonRows, top, () => closed));
            // What is left is sending the rows: the explanations' share goes back to the budget.
            lease.shrink(costOfUpload(predictor, upload.bytes, 0, maxReasonRows));
          } catch (err) {
            scored.close();
            throw err;
          }
        } catch (err) {
          throw publicError(err, upload);
        } finally {
          models.release(slot);
        }
        answerHeaders(scored.rows, scored.seconds);
        if (skipBadRows) reply.header('x-rebuy-skipped-rows', String(skipped.length));
        if (json) {
          const head = {
            model: predictor.bundleHash,
            threshold: predictor.threshold,
            seconds: scored.seconds,
            ...(reasons ? { reference: reasons.reference, dependence: reasons.dependence } : {}),
            ...(skipBadRows ? { skipped } : {}),
          };
          const body = scoresAsJson(scored.ranked(), head, reasons?.reasons);
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
      };
      try {
        return await answer();
      } finally {
        working = false;
        releaseWhenIdle();
      }
    },
  );
}

/**
 * Rows explained per step: between steps the event loop runs and a closed connection stops the work;
 * customers of one step share the hybrid rows of their repeated values.
 */
const EXPLAIN_CHUNK = 250;

function sliceColumns(columns: FeatureColumns, start: number, end: number): FeatureColumns {
  const numeric = new Map([...columns.numeric].map(([name, values]) => [name, Array.prototype.slice.call(values, start, end) as number[]]));
  const categorical = new Map([...columns.categorical].map(([name, values]) => [name, Array.prototype.slice.call(values, start, end) as (string | null)[]]));
  return { nRows: Math.max(0, Math.min(end, columns.nRows) - start), numeric, categorical };
}

interface Explained {
  reasons: Reason[][];
  reference: Reference;
  /** How each fact's push moves with its value across the explained customers. */
  dependence: DependenceChart[];
}

/** The top reasons of the best-ranked rows, best first, from their features kept in DuckDB, and the shape of each fact's effect among them. */
async function reasonsOfBest(
  predictor: Predictor,
  scored: ScoredRows,
  rows: number,
  top: number,
  gone: () => boolean,
): Promise<Explained> {
  const best = await scored.bestFeatures(rows);
  const explainer = explainerFor(predictor);
  const { reference, groups } = await explainer.explainer();
  const out: CustomerExplanation[] = [];
  for (let start = 0; start < best.nRows; start += EXPLAIN_CHUNK) {
    if (gone()) throw new RebuyError('MALFORMED', 'the client closed the connection');
    const chunk = sliceColumns(best, start, start + EXPLAIN_CHUNK);
    out.push(...(await explainer.explainColumns(chunk, top)));
  }
  return { reasons: out.map((e) => e.reasons), reference, dependence: dependenceCharts(predictor.manifest.schema, groups, out) };
}
