/**
 * JSON schemas of every request and response body. Route schemas are built from these; the OpenAPI
 * document at /openapi.json is generated from the routes.
 */
import { Type } from '#typebox';
import { AuditReportSchema, MetricSetSchema, MoneySettingsSchema, Nullable } from '../bundle/format.js';
import { ManifestSchema, TrainingDataSchema } from '../bundle/manifest.js';
import { PurchaseModelSummarySchema } from '../bundle/evaluation.js';
import { BundleObjectiveSchema } from '../bundle/objective.js';
import { EXAMPLE_CUSTOMER } from '../domain/audiobooks.js';
import { ERROR_CODES, type ErrorCode } from '../errors.js';
import type { Reason, Reference } from '../explain/types.js';

/** Longest message an error body carries; the whole body stays well under 4 KB. */
export const MAX_ERROR_MESSAGE = 1000;
export const MAX_ERROR_FIELD = 200;

export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    /** JSON field path, e.g. `customers[3].completion`. */
    field?: string;
    /** CSV file line (the header is line 1). */
    line?: number;
    /** CSV column name. */
    column?: string;
  };
}

export const errorSchema = {
  $id: 'Error',
  type: 'object',
  description: 'Every error, whatever the status.',
  required: ['error'],
  additionalProperties: false,
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      additionalProperties: false,
      properties: {
        code: { type: 'string', enum: [...ERROR_CODES] },
        message: { type: 'string', maxLength: MAX_ERROR_MESSAGE },
        field: { type: 'string', maxLength: MAX_ERROR_FIELD, description: 'JSON field path, e.g. customers[3].completion' },
        line: { type: 'integer', minimum: 1, description: 'CSV line (the header is line 1)' },
        column: { type: 'string', maxLength: MAX_ERROR_FIELD, description: 'CSV column name' },
      },
    },
  },
} as const;

/** Error responses every route can give. */
export const errorResponses = {
  '4xx': { $ref: 'Error#' },
  '5xx': { $ref: 'Error#' },
} as const;

// ---- predictions ----

const reasonSchema = {
  type: 'object',
  required: ['group', 'contribution', 'points', 'text'],
  properties: {
    group: { type: 'string', description: 'The fact explained, e.g. "listening": columns that encode one behaviour count once.' },
    label: { type: 'string', description: 'The fact in words, e.g. "support requests".' },
    columns: { type: 'array', items: { type: 'string' }, description: 'The columns behind the fact.' },
    values: { type: 'object', additionalProperties: { type: ['number', 'string', 'null'] }, description: "The customer's values of those columns (null = missing)." },
    contribution: { type: 'number', description: 'Share of (probability − reference) on the probability scale; the shares of all facts add up to it.' },
    points: { type: 'number', description: 'The same in percentage points, one decimal.' },
    direction: { type: 'string', enum: ['raises', 'lowers'] },
    actionable: { type: 'boolean', description: 'A behaviour marketing can influence (not a fixed trait); these come first.' },
    fact: { type: 'string', description: 'E.g. "listened to none of the book".' },
    text: { type: 'string', description: 'E.g. "3 support requests: raises the chance by 4.2 points".' },
  },
} as const;

const referenceSchema = {
  type: 'object',
  description: 'What the reasons are measured from: the mean probability of the background customers.',
  required: ['probability', 'text'],
  properties: {
    probability: { type: 'number', minimum: 0, maximum: 1 },
    customers: { type: 'integer', description: 'Background customers it averages.' },
    text: { type: 'string', description: 'E.g. "compared with a typical customer, who has a 16 % chance".' },
  },
} as const;

export const customerSchema = {
  type: 'object',
  description: 'One customer: column name → value. Missing or null = missing value.',
  maxProperties: 1000,
  additionalProperties: { type: ['number', 'string', 'null'] },
  examples: [EXAMPLE_CUSTOMER],
} as const;

export function predictionRequestSchema(maxBatch: number) {
  return {
    description: `One customer (an object), or a batch: {"customers": [...]} with at most ${maxBatch} customers.`,
    type: 'object',
    if: { required: ['customers'] },
    then: {
      properties: { customers: { type: 'array', maxItems: maxBatch, items: customerSchema } },
    },
    else: customerSchema,
  } as const;
}

/** A query string with only `reasons`: how many top reasons to give per customer. */
function reasonsQuerySchema(description: string) {
  return {
    type: 'object',
    additionalProperties: false,
    properties: { reasons: { type: 'integer', minimum: 0, maximum: 20, default: 0, description } },
  } as const;
}

export const predictionQuerySchema = reasonsQuerySchema('How many top reasons to give per customer (when the model can explain).');

export interface PredictionQuery {
  reasons: number;
}

export interface Prediction {
  id: string;
  probability: number;
  label: 0 | 1;
  reasons?: Reason[];
}

export interface PredictionResponse {
  model: string;
  threshold: number;
  /** With reasons: what they are measured from. */
  reference?: Reference;
  predictions: Prediction[];
}


export const predictionResponseSchema = {
  type: 'object',
  required: ['model', 'threshold', 'predictions'],
  properties: {
    model: { type: 'string', description: 'The serving bundle hash.' },
    threshold: { type: 'number' },
    reference: referenceSchema,
    predictions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'probability', 'label'],
        properties: {
          id: { type: 'string', description: 'The customer id, or the 1-based position when none was sent.' },
          probability: { type: 'number', minimum: 0, maximum: 1 },
          label: { type: 'integer', enum: [0, 1], description: '1 when probability >= threshold' },
          reasons: { type: 'array', items: reasonSchema },
        },
      },
    },
  },
} as const;

// ---- scores ----

export const scoreQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...reasonsQuerySchema(
      'With Accept: application/json, the top reasons of the best-ranked customers (up to a server limit, 1,000 by default).',
    ).properties,
    skip_bad_rows: {
      type: 'boolean',
      default: false,
      description:
        'Score the rows the model can take and leave out the others; their count is in x-rebuy-skipped-rows, and the JSON answer lists each with its line, column, value and reason. Without it, the first bad row is a 422.',
    },
  },
} as const;

export interface ScoreQuery {
  reasons: number;
  skip_bad_rows: boolean;
}

const skippedRowSchema = {
  type: 'object',
  required: ['line', 'column', 'value', 'reason'],
  properties: {
    line: { type: 'integer', description: 'File line (the header is line 1).' },
    column: { type: ['string', 'null'] },
    value: { type: ['string', 'null'] },
    reason: { type: 'string' },
  },
} as const;

export const scoreJsonResponseSchema = {
  type: 'object',
  required: ['model', 'threshold', 'seconds', 'rows'],
  properties: {
    model: { type: 'string' },
    threshold: { type: 'number' },
    seconds: { type: 'number', description: 'Scoring time on the server.' },
    reference: referenceSchema,
    dependence: {
      type: 'array',
      description:
        "With reasons: per fact, each explained customer's push (y, in points) against the fact's main value (x), coloured by the column that best explains the spread at one value; interaction.text says where one value pushes both ways.",
      items: { type: 'object' },
    },
    rows: {
      type: 'array',
      description: 'Rows in the scored file order: rank 1 = most likely to buy again.',
      items: {
        type: 'object',
        required: ['id', 'probability', 'label', 'rank'],
        properties: {
          id: { type: 'string' },
          probability: { type: ['number', 'null'], minimum: 0, maximum: 1 },
          label: { type: 'integer', enum: [0, 1] },
          rank: { type: 'integer', minimum: 1 },
          reasons: { type: 'array', items: reasonSchema },
        },
      },
    },
    skipped: { type: 'array', description: 'With ?skip_bad_rows=true: the rows left out, in file order.', items: skippedRowSchema },
  },
} as const;

export const scoreCsvSchema = {
  type: 'string',
  description: 'CSV with columns id, probability, label, rank.',
} as const;

// ---- model ----

/**
 * GET /v1/model: the manifest's own schemas (src/bundle) without the fitted state, file hashes or
 * server paths, plus the bundle hash and the objective in words.
 */
export const modelInfoSchema = Type.Object({
  hash: Type.String({ description: 'SHA-256 of manifest.json: the bundle identity.' }),
  version: Type.Union([Type.String(), Type.Null()], { description: 'The rebuy version that wrote the bundle.' }),
  ...Type.Pick(ManifestSchema, ['formatVersion', 'createdAt', 'schema', 'featureNames', 'threshold', 'calibration', 'model', 'baseline', 'packages']).properties,
  synthetic: Type.Boolean({ description: 'True when trained on the generated demo sample.' }),
  thresholdObjective: Type.String({ description: 'How the threshold was chosen, in words.' }),
  objective: BundleObjectiveSchema,
  data: Type.Object({
    ...Type.Omit(TrainingDataSchema, ['fingerprint', 'files', 'synthetic']).properties,
    files: Type.Array(Type.String(), { description: 'Training file names (no directories).' }),
  }),
  money: Type.Union([MoneySettingsSchema, Type.Null()], {
    description: "The saved decision's money settings: the profit objective's, else those given to `rebuy decide`; null when none were given.",
  }),
  caveats: Type.Array(Type.Pick(AuditReportSchema.properties.findings.items, ['code', 'severity', 'column', 'message']), {
    description: "The training data audit's warnings and problems, most serious first; empty when the bundle keeps no audit.",
  }),
  suspectColumns: Type.Array(Type.String(), {
    description: 'Columns the audit flags as leakage suspects: they decide the outcome almost alone, as a value recorded after it would.',
  }),
  sameThreshold: Type.Union(
    [
      Type.Object({
        threshold: Type.Number(),
        model: MetricSetSchema,
        baseline: Nullable(MetricSetSchema),
      }),
      Type.Null(),
    ],
    { description: "The model's and the baseline's metrics on the natural test mix, both at the serving threshold; null when the bundle keeps no evaluation." },
  ),
  report: Type.Boolean({ description: 'Whether the bundle holds its HTML report (served at /report).' }),
  purchases: Type.Union([PurchaseModelSummarySchema, Type.Null()], {
    description: "For a model trained on a `features` customer table: BG/NBD's heat map of expected purchases and its calibration on the held-out test customers; null otherwise.",
  }),
});

export const reloadRequestSchema = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    model: { type: 'string', minLength: 1, maxLength: 4096, description: 'Bundle directory; default: the current one.' },
  },
} as const;

export const reloadResponseSchema = {
  type: 'object',
  required: ['hash', 'previous'],
  properties: {
    hash: { type: 'string', description: 'The bundle now serving.' },
    previous: { type: ['string', 'null'], description: 'The bundle served before.' },
    createdAt: { type: 'string' },
  },
} as const;

// ---- health ----

export const healthSchema = {
  type: 'object',
  required: ['status'],
  properties: {
    status: { type: 'string', enum: ['ok'] },
    model: { type: 'string', description: 'The serving bundle hash (readyz only).' },
  },
} as const;
