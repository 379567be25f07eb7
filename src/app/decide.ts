import { loadBundle } from '../bundle/load.js';
import { updateBundle } from '../bundle/update.js';
import type { BundleEvaluation } from '../bundle/evaluation.js';
import { readTable } from '../data/read.js';
import { featureColumns } from '../core/table.js';
import { usageError } from '../errors.js';
import {
  bootstrapProfit,
  checkMoney,
  chooseThreshold,
  describeObjective,
  gainsTable,
  profitCurve,
  type BootstrapProfit,
  type GainsRow,
  type ProfitCurve,
  type ThresholdChoice,
  type ThresholdObjective,
} from '../evaluate/decide.js';
import { loadPredictor } from '../predict/predictor.js';
import { computeMetrics } from '../evaluate/metrics.js';
import { EVALUATION_FILE } from '../bundle/layout.js';

export interface DecideOptions {
  model: string;
  /** A labelled table to decide on; default: the bundle's own natural test part. */
  data?: string;
  objective: ThresholdObjective;
  /** Money settings for the profit curve, also with other objectives. */
  contactCost?: number;
  valuePerReturn?: number;
  seed: number;
  /** Write the chosen threshold into the bundle (default true). */
  save?: boolean;
}

export interface Decision {
  model: string;
  population: { source: string; customers: number; buyers: number };
  objective: string;
  choice: ThresholdChoice;
  gains: GainsRow[];
  profit: (ProfitCurve & { bootstrap: BootstrapProfit; contactCost: number; valuePerReturn: number }) | null;
  saved: boolean;
}

async function population(options: DecideOptions): Promise<{ source: string; p: ArrayLike<number>; y: ArrayLike<number> }> {
  if (options.data) {
    const predictor = await loadPredictor(options.model, { threads: 2 });
    try {
      const table = await readTable(options.data, { schema: predictor.manifest.schema, requireTarget: true });
      return { source: options.data, p: await predictor.predictColumns(featureColumns(table)), y: table.target! };
    } finally {
      await predictor.close();
    }
  }
  const bundle = await loadBundle(options.model);
  const evaluation = JSON.parse((await bundle.readVerified(EVALUATION_FILE)).toString('utf8')) as BundleEvaluation;
  return { source: 'the natural test part kept in the bundle', p: evaluation.naturalTest.probability, y: evaluation.naturalTest.label };
}

function money(options: DecideOptions): { contactCost: number; valuePerReturn: number } | null {
  const objective = options.objective;
  if (objective.kind === 'profit') return { contactCost: objective.contactCost, valuePerReturn: objective.valuePerReturn };
  if (options.contactCost === undefined && options.valuePerReturn === undefined) return null;
  if (options.contactCost === undefined || options.valuePerReturn === undefined) {
    throw usageError('give both --contact-cost and --value-per-return');
  }
  checkMoney(options.contactCost, options.valuePerReturn);
  return { contactCost: options.contactCost, valuePerReturn: options.valuePerReturn };
}

/**
 * Chooses the threshold by an objective on labelled customers, shows gains, lift and the profit curve
 * with a bootstrap interval, and (by default) writes the threshold into the bundle for every later score.
 */
export async function decide(options: DecideOptions): Promise<Decision> {
  const { source, p, y } = await population(options);
  const choice = chooseThreshold(p, y, options.objective);
  const settings = money(options);
  let profit: Decision['profit'] = null;
  if (settings) {
    const curve = profitCurve(p, y, settings.contactCost, settings.valuePerReturn);
    const bootstrap = bootstrapProfit(p, y, settings.contactCost, settings.valuePerReturn, { seed: options.seed, threshold: choice.threshold });
    profit = { ...curve, bootstrap, ...settings };
  }
  const objective = describeObjective(options.objective);
  const save = options.save !== false;
  if (save) {
    await updateBundle(options.model, (manifest, files) => {
      manifest.threshold = choice.threshold;
      manifest.thresholdObjective = objective;
      const evaluation = JSON.parse(Buffer.from(files.get(EVALUATION_FILE)!).toString('utf8')) as BundleEvaluation;
      evaluation.money = settings;
      const natural = evaluation.naturalTest;
      manifest.model.metrics.naturalTest = computeMetrics(natural.probability, natural.label, choice.threshold);
      files.set(EVALUATION_FILE, JSON.stringify(evaluation));
    });
  }
  let buyers = 0;
  for (let i = 0; i < y.length; i++) buyers += y[i]!;
  return {
    model: options.model,
    population: { source, customers: p.length, buyers },
    objective,
    choice,
    gains: gainsTable(p, y),
    profit,
    saved: save,
  };
}
