import { loadBundle, type LoadedBundle } from '../bundle/load.js';
import { updateBundle } from '../bundle/update.js';
import { evaluationJson, readEvaluation, type BundleEvaluation } from '../bundle/evaluation.js';
import { EVALUATION_FILE, REPORT_FILE } from '../bundle/layout.js';
import { readTable } from '../data/read.js';
import { featureColumns } from '../core/table.js';
import { bundleError, usageError } from '../errors.js';
import {
  checkMoney,
  chooseList,
  gainsTable,
  judgeProfit,
  type ChoiceRule,
  type GainsRow,
  type MoneySettings,
  type ProfitJudgement,
  type ThresholdObjective,
  type ValidationPart,
} from '../evaluate/decide.js';
import type { MetricSet } from '../evaluate/metrics.js';
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
  /** The customers the list is judged on; their labels play no part in choosing it. */
  population: { source: string; customers: number; buyers: number };
  objective: ThresholdObjective;
  /** How the list was chosen without the labels it is judged on. */
  rule: ChoiceRule;
  choice: { threshold: number; contacted: number; metrics: MetricSet };
  gains: GainsRow[];
  profit: ProfitJudgement | null;
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

/** The validation part, reweighted to the training data's share of buyers; null for bundles made before it was kept. */
function validationPart(bundle: LoadedBundle, evaluation: BundleEvaluation): ValidationPart | null {
  const part = evaluation.validation;
  if (!part) return null;
  const { rows, positives } = bundle.manifest.data;
  return { probability: part.probability, label: part.label, positiveRate: positives / rows };
}

/**
 * Chooses whom to contact without the labels the list is judged on (see chooseList), then judges it on
 * labelled customers: gains, lift and — with money settings — expected and realized profit with a
 * bootstrap interval. By default writes the threshold into the bundle for every later score.
 */
export async function decide(options: DecideOptions): Promise<Decision> {
  const bundle = await loadBundle(options.model);
  const evaluation = await readEvaluation(bundle);
  const settings = money(options);
  const validation = validationPart(bundle, evaluation);
  if (!validation && (options.objective.kind === 'f1' || options.objective.kind === 'accuracy')) {
    throw bundleError(bundle.dir, `keeps no validation part to choose the ${options.objective.kind} threshold on; train the model again`);
  }
  const { source, p, y } = await population(options, evaluation);
  const { rule, threshold } = chooseList(options.objective, p, validation);
  const metrics = computeMetrics(p, y, threshold);
  const profit = settings && judgeProfit(p, y, threshold, settings, { seed: options.seed });
  const save = options.save !== false;
  if (save) await saveDecision(bundle, { ...evaluation, money: settings }, threshold, options.objective);
  return {
    model: options.model,
    population: { source, customers: p.length, buyers: metrics.positives },
    objective: options.objective,
    rule,
    choice: { threshold, contacted: metrics.confusion[0][1] + metrics.confusion[1][1], metrics },
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
