/**
 * JSON schemas of every request and response body. Route schemas are built from these; the OpenAPI
 * document at /openapi.json is generated from the routes.
 */
import { Type } from '#typebox';
import { AuditReportSchema, MetricSetSchema, MoneySettingsSchema, Nullable, UpliftSectionSchema } from '../bundle/format.js';
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
        'Score the rows the model can take and leave out the others; their count is in x-rebuy-skipped-rows, and the JSON answer lists each with its line, column, value and reason. Without it, the first bad row is a 422. Not available for an uplift bundle.',
    },
    contact_cost: {
      type: 'number',
      minimum: 0,
      description:
        'Uplift bundles: the cost of one contact. With value_per_return (both or neither, as `rebuy score`): which treatment to send to whom and the expected incremental profit. Ignored by a response model.',
    },
    value_per_return: {
      type: 'number',
      exclusiveMinimum: 0,
      description: 'Uplift bundles: the value of one customer who buys because of the contact. Ignored by a response model.',
    },
  },
} as const;

export interface ScoreQuery {
  reasons: number;
  skip_bad_rows: boolean;
  contact_cost?: number;
  value_per_return?: number;
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

const estimateSchema = {
  type: 'object',
  required: ['value', 'interval'],
  properties: {
    value: { type: ['number', 'null'] },
    interval: { type: 'array', items: { type: ['number', 'null'] }, minItems: 2, maxItems: 2 },
  },
} as const;

/** POST /v1/scores with an uplift bundle, as JSON: per customer the effect of each treatment and the decision. */
export const upliftScoresSchema = {
  type: 'object',
  description: 'The answer when the serving bundle is an uplift bundle (trained with --treatment).',
  required: ['kind', 'model', 'seconds', 'control', 'treatments', 'money', 'decision', 'rows'],
  properties: {
    kind: { type: 'string', enum: ['uplift'] },
    model: { type: 'string', description: 'The serving bundle hash: the model every figure belongs to.' },
    seconds: { type: 'number' },
    control: { type: 'string', description: 'The control group of the test the model learnt from (no contact).' },
    treatments: { type: 'array', items: { type: 'string' }, description: 'The treatments, in the order of the rows\' figures.' },
    money: {
      type: ['object', 'null'],
      required: ['contactCost', 'valuePerReturn'],
      properties: { contactCost: { type: 'number' }, valuePerReturn: { type: 'number' } },
      description: 'The money settings the decision used; null without contact_cost and value_per_return.',
    },
    decision: {
      type: ['object', 'null'],
      description: 'With money settings: the contact list (customers whose best treatment earns more than a contact costs) and its expected incremental profit.',
      required: ['customers', 'contacted', 'byTreatment', 'putOff', 'expectedProfit'],
      properties: {
        customers: { type: 'integer', minimum: 0 },
        contacted: { type: 'integer', minimum: 0 },
        byTreatment: { type: 'array', items: { type: 'integer', minimum: 0 }, description: 'Contacted per treatment, in treatment order.' },
        putOff: { type: 'integer', minimum: 0, description: 'Customers every treatment is expected to put off (none of them is contacted).' },
        expectedProfit: {
          ...estimateSchema,
          description:
            "Σ (uplift × value − cost) over the contact list, and the range the realized profit falls in with probability `level` if the model's probabilities are right (its own error left out).",
          properties: { ...estimateSchema.properties, level: { type: 'number' } },
        },
      },
    },
    rows: {
      type: 'array',
      description: 'Customers in file order.',
      items: {
        type: 'object',
        required: ['id', 'p_no_contact', 'p', 'uplift', 'best_treatment', 'send', 'expected_incremental_profit', 'put_off'],
        properties: {
          id: { type: 'string' },
          p_no_contact: { type: ['number', 'null'], description: 'P(buy) if not contacted.' },
          p: { type: 'object', additionalProperties: { type: ['number', 'null'] }, description: 'Per treatment: P(buy) if contacted with it.' },
          uplift: { type: 'object', additionalProperties: { type: ['number', 'null'] }, description: 'Per treatment: P(buy if contacted with it) − P(buy if not), as the model estimates it.' },
          best_treatment: { type: 'string', description: 'The treatment with the highest uplift when it is positive, else "none".' },
          send: { type: ['string', 'null'], description: 'With money settings: the treatment to send, or "none"; null without them.' },
          expected_incremental_profit: { type: ['number', 'null'], description: 'With money settings: uplift × value − cost of the treatment sent (0 when none); null without them.' },
          put_off: { type: 'boolean', description: 'Every treatment lowers the chance of buying: listed apart, never contacted.' },
        },
      },
    },
  },
} as const;

const responseScoresSchema = {
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

export const scoreJsonResponseSchema = {
  description: 'A response model\'s ranked rows, or an uplift bundle\'s answer (kind "uplift").',
  oneOf: [responseScoresSchema, upliftScoresSchema],
} as const;

export const scoreCsvSchema = {
  type: 'string',
  description:
    'CSV with columns id, probability, label, rank. For an uplift bundle, as `rebuy score` writes it: id, p_no_contact, p_T and uplift_T per treatment T, best_treatment, send and expected_incremental_profit (with money settings), put_off; in file order.',
} as const;

// ---- model ----

/**
 * The same schema with each tuple of one item schema written as an array of it, of the same length:
 * fast-json-stringify fails on a tuple whose items are unions, such as an interval of nullable
 * numbers. For a route's response only: TypeBox's checkers need the tuples as they are.
 */
export function tuplesAsArrays<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map(tuplesAsArrays) as T;
  if (schema === null || typeof schema !== 'object') return schema;
  // A spread keeps TypeBox's symbol keys (kinds, transforms).
  const out: Record<string | symbol, unknown> = { ...(schema as Record<string | symbol, unknown>) };
  for (const [key, value] of Object.entries(schema)) out[key] = tuplesAsArrays(value);
  const items: unknown = Reflect.get(schema, 'items');
  if (Array.isArray(items) && items.length > 0 && items.every((item) => item === items[0])) {
    out['items'] = tuplesAsArrays(items[0]);
    delete out['additionalItems'];
  }
  return out as T;
}

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
    description: "The saved decision's money settings: the profit objective's, else those given to `rebuy decide` (for an uplift bundle, to `rebuy decide --objective incremental-profit`); null when none were given.",
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
  uplift: Type.Union([Type.Omit(UpliftSectionSchema, ['outputs']), Type.Null()], {
    description:
      "For an uplift bundle: the test it learnt from (treatment column, control, treatments), the learners compared by cross-validated Qini, and per treatment the held-out evaluation: Qini coefficient with its 95 % interval, uplift in the top 10/20/30 % against random targeting and against the response model, and the Qini curve; with `decision`, the incremental-profit decision `rebuy decide` saved (money settings, contacts per treatment, put-off customers, expected and realized incremental profit with its bootstrap interval, the profit curve). Null for a response model.",
  }),
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
