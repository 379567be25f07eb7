/** POST /v1/predictions: one customer or a batch as JSON → probability, label and (optionally) reasons. */
import type { FastifyInstance } from 'fastify';
import { RebuyError, isRebuyError } from '../../errors.js';
import type { Reason, Reference } from '../../explain/types.js';
import { explainerFor } from '../../explain/explainer.js';
import type { CustomerRecord, Predictor } from '../../predict/types.js';
import type { ModelHolder } from '../model-holder.js';
import {
  errorResponses,
  predictionQuerySchema,
  predictionRequestSchema,
  predictionResponseSchema,
  type Prediction,
  type PredictionQuery,
  type PredictionResponse,
} from '../schemas.js';
import type { WorkBudget } from '../work-budget.js';
import { explainable, notReady, shed } from './common.js';
import { canonicalRecord } from '../../data/schema.js';
import type { TableSchema } from '../../core/schema.js';

/** Customers explained per step: between steps the event loop runs and a closed connection stops the work. */
const EXPLAIN_CHUNK = 250;

/**
 * The top reasons per record and the reference they are measured from, or null when none were asked
 * for or the bundle cannot explain. Works a chunk at a time (explanations are exact, so chunks change nothing).
 */
async function reasonsFor(predictor: Predictor, records: CustomerRecord[], top: number, gone: () => boolean): Promise<{ reasons: Reason[][]; reference: Reference } | null> {
  if (top === 0 || records.length === 0) return null;
  return explainable(async () => {
    const explainer = explainerFor(predictor);
    const out: Reason[][] = [];
    for (let start = 0; start < records.length; start += EXPLAIN_CHUNK) {
      if (gone()) throw clientGone();
      out.push(...(await explainer.explain(records.slice(start, start + EXPLAIN_CHUNK), top)).map((e) => e.reasons));
    }
    return { reasons: out, reference: (await explainer.explainer()).reference };
  });
}

type PredictionBody = CustomerRecord | { customers: CustomerRecord[] };

export interface PredictionRoutesOptions {
  models: ModelHolder;
  maxBatch: number;
  /** Rows through the model in flight, shared with the other routes that score. */
  work: WorkBudget;
  /** Declared JSON body bytes being received or handled at once; more get 503 before they are read. */
  maxBodyBytesInFlight: number;
}

/** About what one customer takes in JSON: for estimating a request's cost from its size. */
const TYPICAL_BYTES_PER_CUSTOMER = 200;

/** Work stops for a client that has gone: nobody would read the answer. */
function clientGone(): RebuyError {
  return new RebuyError('MALFORMED', 'the client closed the connection');
}

/** Units of work of a request: one per row, and an explanation's scoring per row with reasons. */
function costOf(predictor: Predictor, rows: number, top: number): number {
  const perRow = 1 + (top > 0 ? explainerFor(predictor).estimatedRowsPerCustomer() : 0);
  return Math.max(1, rows * perRow);
}

const round6 = (p: number): number => Math.round(p * 1e6) / 1e6;

function customerId(record: CustomerRecord, schema: TableSchema, index: number): string {
  // The ID may come under any header spelling the table's files use ("ID", "customer_id").
  const value = canonicalRecord(schema, record, `customers[${index}]`)[schema.id ?? 'id'];
  return value === undefined || value === null ? String(index + 1) : String(value);
}

/** A single customer's errors name its field directly (`completion`, not `customers[0].completion`). */
function asSingle(err: unknown): unknown {
  if (!isRebuyError(err) || err.location.field === undefined) return err;
  const field = err.location.field.replace(/^customers\[0\]\.?/, '');
  const message = err.message.replaceAll('customers[0].', '').replaceAll('customers[0]', 'body');
  return new RebuyError(err.code, message, { ...err.location, field }, { cause: err });
}

function invalid(field: string, problem: string): RebuyError {
  return new RebuyError('INPUT_INVALID', `${field}: ${problem}`, { field });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkValues(record: Record<string, unknown>, prefix: string): void {
  for (const [name, value] of Object.entries(record)) {
    if (value === null || typeof value === 'number' || typeof value === 'string') continue;
    throw invalid(`${prefix}${name.length > 60 ? `${name.slice(0, 60)}…` : name}`, 'must be a number, a string or null');
  }
}

/**
 * Refuses what the schema validator would coerce rather than refuse: `true` or `[1]` taken as
 * numbers, `customers: null` taken as `[null]`. Runs on the body as parsed, before validation.
 */
function checkJsonTypes(body: unknown): void {
  if (!isRecord(body)) return;
  if (!Object.hasOwn(body, 'customers')) return checkValues(body, '');
  const customers = body.customers;
  if (!Array.isArray(customers)) throw invalid('customers', 'must be an array');
  customers.forEach((customer: unknown, i) => {
    if (!isRecord(customer)) throw invalid(`customers[${i}]`, 'must be an object');
    checkValues(customer, `customers[${i}].`);
  });
}

function noBody(): RebuyError {
  return new RebuyError('UNSUPPORTED_MEDIA_TYPE', 'send the customers as a JSON body with Content-Type: application/json');
}

export async function predictionRoutes(app: FastifyInstance, { models, maxBatch, work, maxBodyBytesInFlight }: PredictionRoutesOptions) {
  let bodyBytes = 0;
  app.post<{ Body: PredictionBody; Querystring: PredictionQuery }>(
    '/predictions',
    {
      // Bodies are parsed in memory: bound what is received at once, before reading it.
      onRequest: async (request, reply) => {
        const declared = Number(request.headers['content-length']);
        const bytes = Number.isFinite(declared) && declared > 0 ? declared : 0;
        if (bodyBytes > 0 && bodyBytes + bytes > maxBodyBytesInFlight) throw shed(reply);
        // Receiving and parsing a body that would be shed anyway is work too: refuse now what its size
        // says would not fit. Nothing is taken until the body has arrived, so a client sending slowly
        // holds no work (and its body bytes only until the body timeout).
        const predictor = models.current;
        const query = request.query as { reasons?: unknown };
        const estimate = predictor === null ? 1 : costOf(predictor, Math.ceil(bytes / TYPICAL_BYTES_PER_CUSTOMER), Number(query.reasons) > 0 ? 1 : 0);
        if (!work.fits(estimate)) throw shed(reply);
        bodyBytes += bytes;
        reply.raw.once('close', () => (bodyBytes -= bytes));
      },
      // Room for a full batch of wide customers.
      bodyLimit: Math.max(1 << 20, maxBatch * 2048),
      preValidation: async (request) => {
        if (request.body === undefined) throw noBody();
        checkJsonTypes(request.body);
      },
      schema: {
        summary: 'Score one customer or a batch',
        description:
          'Send one customer as a JSON object, or {"customers": [...]}. Each gets its probability of buying again and a label (probability >= threshold). ?reasons=k adds the top k reasons when the model can explain.',
        tags: ['predictions'],
        querystring: predictionQuerySchema,
        body: predictionRequestSchema(maxBatch),
        response: { 200: predictionResponseSchema, ...errorResponses },
      },
    },
    async (request, reply): Promise<PredictionResponse> => {
      const body = request.body;
      const batch = Array.isArray((body as { customers?: unknown }).customers);
      const records = batch ? (body as { customers: CustomerRecord[] }).customers : [body as CustomerRecord];
      let closed = false;
      reply.raw.once('close', () => (closed = !reply.raw.writableFinished));
      // Not request.raw.destroyed: a request is destroyed as soon as its body has been read.
      const gone = (): boolean => closed;
      const slot = models.acquire();
      if (slot === null) throw notReady();
      const top = request.query.reasons;
      const lease = work.tryTake(costOf(slot.predictor, records.length, top));
      if (lease === null) {
        models.release(slot);
        throw shed(reply);
      }
      try {
        const { predictor } = slot;
        const threshold = predictor.threshold;
        if (gone()) throw clientGone();
        const probabilities = records.length === 0 ? new Float32Array(0) : await predictor.predictRecords(records);
        const explained = await reasonsFor(predictor, records, top, gone);
        const predictions: Prediction[] = new Array(records.length);
        for (let i = 0; i < records.length; i++) {
          const p = probabilities[i]!;
          const prediction: Prediction = { id: customerId(records[i]!, predictor.manifest.schema, i), probability: round6(p), label: p >= threshold ? 1 : 0 };
          if (explained !== null) prediction.reasons = explained.reasons[i] ?? [];
          predictions[i] = prediction;
        }
        return { model: predictor.bundleHash, threshold, ...(explained ? { reference: explained.reference } : {}), predictions };
      } catch (err) {
        throw batch ? err : asSingle(err);
      } finally {
        lease.release();
        models.release(slot);
      }
    },
  );
}
