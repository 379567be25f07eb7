/**
 * Explanations for a Predictor's customers, through its own scoring path. The explainer wraps the
 * Predictor (the Predictor knows nothing of explanations); the background sample comes from the
 * Predictor's bundle, read once per Predictor.
 */
import { readBackground } from '../bundle/background.js';
import type { FeatureColumns } from '../core/table.js';
import { recordsToColumns } from '../predict/records.js';
import type { CustomerRecord, Predictor } from '../predict/types.js';
import { createExplainer } from './shapley.js';
import type { CustomerExplanation, Explainer, Reason } from './types.js';

export interface PredictorExplainer {
  /** Per-customer Shapley contributions and the top reasons in words. */
  explainColumns(columns: FeatureColumns, top: number): Promise<CustomerExplanation[]>;
  /** The top reasons per record (validated as in predictRecords). */
  explain(records: CustomerRecord[], top: number): Promise<Reason[][]>;
  /** The top reasons' texts per row, as scoreFile writes them. */
  reasonTexts(columns: FeatureColumns, top: number): Promise<string[][]>;
}

const explainers = new WeakMap<Predictor, PredictorExplainer>();

/** The explainer of this Predictor (one per Predictor; its background is read on first use). */
export function explainerFor(predictor: Predictor): PredictorExplainer {
  const known = explainers.get(predictor);
  if (known) return known;
  let explainer: Promise<Explainer> | null = null;
  const get = (): Promise<Explainer> =>
    (explainer ??= readBackground(predictor.bundle).then((background) =>
      createExplainer({ score: (columns) => predictor.predictColumns(columns), schema: predictor.manifest.schema, background, seed: 0 }),
    ));
  const explainColumns: PredictorExplainer['explainColumns'] = async (columns, top) => (await get()).explain(columns, top);
  const created: PredictorExplainer = {
    explainColumns,
    explain: async (records, top) =>
      (await explainColumns(recordsToColumns(predictor.manifest.schema, records), top)).map((e) => e.reasons),
    reasonTexts: async (columns, top) =>
      (await explainColumns(columns, top)).map((e) => Array.from({ length: top }, (_, i) => e.reasons[i]?.text ?? '')),
  };
  explainers.set(predictor, created);
  return created;
}
