/**
 * Explanations for a Predictor's customers, through its own scoring path. The explainer wraps the
 * Predictor (the Predictor knows nothing of explanations); the background sample comes from the
 * Predictor's bundle, read once per Predictor and set of groups.
 */
import { BACKGROUND_ROWS, readBackground } from '../bundle/background.js';
import { AUDIOBOOKS_GROUPS } from '../domain/audiobooks.js';
import type { TableSchema } from '../core/schema.js';
import type { FeatureColumns } from '../core/table.js';
import { usageError } from '../errors.js';
import { recordsToColumns } from '../predict/records.js';
import type { CustomerRecord, Predictor } from '../predict/types.js';
import { resolveGroups, type GroupSpec } from './groups.js';
import { describeReasons, describeReference } from './reasons.js';
import { groupShapley, MAX_EXACT_GROUPS, rowsPerCustomer, valueAt } from './shapley.js';
import type { Contribution, CustomerExplanation, Explainer, FeatureGroup, ScoreFunction } from './types.js';

export interface ExplainerOptions {
  score: ScoreFunction;
  schema: TableSchema;
  /** A small sample of training rows: the reference the contributions are measured from. */
  background: FeatureColumns;
  /** The groups (default: the schema's own, or found in the background). */
  groups?: readonly FeatureGroup[];
  /** Hybrid rows per score call. */
  batchRows?: number;
}

/**
 * An explainer for one model: scores the background once (its mean is the reference), then explains
 * customers by exact group Shapley values and puts the largest into words. A customer's explanation
 * depends only on its own values, not on the other customers in the call.
 */
export async function createExplainer(opts: ExplainerOptions): Promise<Explainer> {
  const { score, schema, background } = opts;
  if (background.nRows < 1) throw usageError('the explainer needs at least one background row');
  const groups = opts.groups ?? resolveGroups(schema, background);
  const columnsOf = groups.map((g) => g.columns.map((name) => schema.features.find((f) => f.name === name)!));
  const scored = await score(background);
  if (scored.length !== background.nRows) throw new Error(`the score function returned ${scored.length} scores for ${background.nRows} rows`);
  const backgroundScores = Float64Array.from(scored);
  const average = backgroundScores.reduce((s, v) => s + v, 0) / backgroundScores.length;
  const reference = describeReference(average, background.nRows);

  return {
    reference,
    groups,
    rowsPerCustomer: rowsPerCustomer(groups.length, background.nRows),
    async explain(columns, top) {
      const { probability, contributions } = await groupShapley({
        score,
        groups: columnsOf,
        columns,
        background,
        backgroundScores,
        ...(opts.batchRows !== undefined ? { batchRows: opts.batchRows } : {}),
      });
      const G = groups.length;
      const out: CustomerExplanation[] = [];
      for (let i = 0; i < columns.nRows; i++) {
        const row: Contribution[] = groups.map((group, g) => ({
          group: group.name,
          values: Object.fromEntries(columnsOf[g]!.map((c) => [c.name, valueAt(columns, c, i)])),
          contribution: contributions[i * G + g]!,
        }));
        const { reasons, leadingAction } = describeReasons(schema, groups, row, top);
        out.push({ probability: probability[i]!, reference: average, contributions: row, reasons, leadingAction });
      }
      return out;
    },
  };
}

export interface PredictorExplainer {
  /** The reference, the groups and the cost per customer (reads the background on first use). */
  explainer(): Promise<Explainer>;
  /** Per-customer group contributions and the top reasons in words. */
  explainColumns(columns: FeatureColumns, top: number): Promise<CustomerExplanation[]>;
  /** The explanations per record (validated as in predictRecords). */
  explain(records: CustomerRecord[], top: number): Promise<CustomerExplanation[]>;
  /** The top reasons' texts per row, as scoreFile writes them. */
  reasonTexts(columns: FeatureColumns, top: number): Promise<string[][]>;
  /** Rows one customer's explanation scores at most: exact once the groups are known, else from the schema (for costing work up front). */
  estimatedRowsPerCustomer(): number;
}

const explainers = new WeakMap<Predictor, Map<string, PredictorExplainer>>();

/** The explainer of this Predictor and groups (one each; the background is read on first use). */
export function explainerFor(predictor: Predictor, given: readonly GroupSpec[] = []): PredictorExplainer {
  const key = JSON.stringify(given);
  const known = explainers.get(predictor)?.get(key);
  if (known) return known;
  let explainer: Promise<Explainer> | null = null;
  let resolved: Explainer | null = null;
  const schema = predictor.manifest.schema;
  const get = (): Promise<Explainer> =>
    (explainer ??= readBackground(predictor.bundle)
      .then((background) =>
        createExplainer({ score: (columns) => predictor.predictColumns(columns), schema, background, groups: resolveGroups(schema, background, { given }) }),
      )
      .then((made) => (resolved = made)));
  const explainColumns: PredictorExplainer['explainColumns'] = async (columns, top) => (await get()).explain(columns, top);
  const created: PredictorExplainer = {
    explainer: get,
    explainColumns,
    explain: async (records, top) => explainColumns(recordsToColumns(schema, records), top),
    reasonTexts: async (columns, top) =>
      (await explainColumns(columns, top)).map((e) => Array.from({ length: top }, (_, i) => e.reasons[i]?.text ?? '')),
    estimatedRowsPerCustomer: () => {
      if (resolved) return resolved.rowsPerCustomer;
      const groups = schema.name === 'audiobooks' && given.length === 0 ? AUDIOBOOKS_GROUPS.length : Math.min(schema.features.length, MAX_EXACT_GROUPS);
      return rowsPerCustomer(groups, BACKGROUND_ROWS);
    },
  };
  const forPredictor = explainers.get(predictor) ?? new Map<string, PredictorExplainer>();
  forPredictor.set(key, created);
  explainers.set(predictor, forPredictor);
  return created;
}
