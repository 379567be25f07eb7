/**
 * `rebuy decide --value-column COL`: whom to contact when each customer has their own value if they
 * buy again (e.g. `gg_expected_spend` from `rebuy features --bgnbd`), not one value per return.
 * The list is not a threshold on the probability, so nothing is written into the bundle.
 */
import { readTable } from '../data/read.js';
import { usageError } from '../errors.js';
import { checkValues, judgeValueProfit, type ValueProfitJudgement } from '../evaluate/value-profit.js';
import { loadPredictor } from '../predict/predictor.js';
import { featureColumns } from '../core/table.js';

export interface ValueDecisionOptions {
  model: string;
  /** A labelled customer table holding the model's columns and the value column. */
  data: string;
  valueColumn: string;
  contactCost: number;
  seed: number;
}

export interface ValueDecision {
  model: string;
  population: { source: string; customers: number; buyers: number };
  valueColumn: string;
  profit: ValueProfitJudgement;
}

export async function decideByValue(options: ValueDecisionOptions): Promise<ValueDecision> {
  const predictor = await loadPredictor(options.model, { threads: 2 });
  let p: Float32Array;
  let y: Uint8Array;
  let values: Float64Array;
  try {
    const schema = predictor.manifest.schema;
    const table = await readTable(options.data, { schema, requireTarget: true });
    p = await predictor.predictColumns(featureColumns(table));
    y = table.target!;
    // The value column need not be one of the model's features: read the file's own columns for it.
    const own = await readTable(options.data, { target: schema.target ?? undefined, id: schema.id ?? undefined, requireTarget: true });
    const column = own.numeric.get(options.valueColumn);
    if (!column) {
      const kind = own.categorical.has(options.valueColumn) ? 'is not numeric' : 'is not in the file';
      throw usageError(`${options.data}: --value-column ${JSON.stringify(options.valueColumn)} ${kind}`);
    }
    values = column;
  } finally {
    await predictor.close();
  }
  checkValues(values, options.valueColumn);
  let buyers = 0;
  for (const label of y) buyers += label;
  return {
    model: options.model,
    population: { source: options.data, customers: p.length, buyers },
    valueColumn: options.valueColumn,
    profit: judgeValueProfit(p, y, values, options.contactCost, { seed: options.seed }),
  };
}
