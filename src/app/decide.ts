import { loadBundle, type LoadedBundle } from '../bundle/load.js';
import { updateBundle } from '../bundle/update.js';
import { evaluationJson, readEvaluation, type BundleEvaluation } from '../bundle/evaluation.js';
import { EVALUATION_FILE, REPORT_FILE } from '../bundle/layout.js';
import { readTable } from '../data/read.js';
import { featureColumns } from '../core/table.js';
import { usageError } from '../errors.js';
import {
  bootstrapProfit,
  checkMoney,
  chooseThreshold,
  gainsTable,
  profitCurve,
  type BootstrapProfit,
  type GainsRow,
  type ProfitCurve,
  type ThresholdChoice,
  type MoneySettings,
  type ThresholdObjective,
} from '../evaluate/decide.js';
import { loadPredictor } from '../predict/predictor.js';
import { computeMetrics } from '../evaluate/metrics.js';
import { renderReport } from '../report/html.js';

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
  objective: ThresholdObjective;
  choice: ThresholdChoice;
  gains: GainsRow[];
  profit: (ProfitCurve & { bootstrap: BootstrapProfit; contactCost: number; valuePerReturn: number }) | null;
  saved: boolean;
}

async function population(options: DecideOptions, evaluation: BundleEvaluation): Promise<{ source: string; p: ArrayLike<number>; y: ArrayLike<number> }> {
  if (options.data) {
    const predictor = await loadPredictor(options.model, { threads: 2 });
    try {
      const table = await readTable(options.data, { schema: predictor.manifest.schema, requireTarget: true });
      return { source: options.data, p: await predictor.predictColumns(featureColumns(table)), y: table.target! };
    } finally {
      await predictor.close();
    }
  }
  return { source: 'the natural test part kept in the bundle', p: evaluation.naturalTest.probability, y: evaluation.naturalTest.label };
}

function money(options: DecideOptions): MoneySettings | null {
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
  const bundle = await loadBundle(options.model);
  const evaluation = await readEvaluation(bundle);
  const { source, p, y } = await population(options, evaluation);
  const choice = chooseThreshold(p, y, options.objective);
  const settings = money(options);
  let profit: Decision['profit'] = null;
  if (settings) {
    const curve = profitCurve(p, y, settings.contactCost, settings.valuePerReturn);
    const bootstrap = bootstrapProfit(p, y, settings.contactCost, settings.valuePerReturn, { seed: options.seed, threshold: choice.threshold });
    profit = { ...curve, bootstrap, ...settings };
  }
  const save = options.save !== false;
  if (save) await saveDecision(bundle, { ...evaluation, money: settings }, choice.threshold, options.objective);
  let buyers = 0;
  for (let i = 0; i < y.length; i++) buyers += y[i]!;
  return {
    model: options.model,
    population: { source, customers: p.length, buyers },
    objective: options.objective,
    choice,
    gains: gainsTable(p, y),
    profit,
    saved: save,
  };
}

/** Writes the threshold, its objective and the money settings into the bundle, keeping every file; the report shows the new decision. */
async function saveDecision(bundle: LoadedBundle, evaluation: BundleEvaluation, threshold: number, objective: ThresholdObjective): Promise<void> {
  await updateBundle(bundle, (manifest, files) => {
    manifest.threshold = threshold;
    manifest.thresholdObjective = objective;
    const natural = evaluation.naturalTest;
    manifest.model.metrics.naturalTest = computeMetrics(natural.probability, natural.label, threshold);
    files.set(EVALUATION_FILE, evaluationJson(evaluation));
    if (files.has(REPORT_FILE)) files.set(REPORT_FILE, renderReport({ manifest, evaluation, source: bundle.dir }));
  });
}
