/**
 * BG/NBD beside the classifiers on a customer table built by `rebuy features`: BG/NBD alone
 * (P(at least one purchase in the horizon)), and a classifier with BG/NBD's outputs as extra
 * columns. On every plan BG/NBD is fitted on every customer the plan does not hold out (it reads no
 * labels, so it needs no balanced sample: the class mix stays the shop's), then applied to each
 * held-out customer's own frequency, recency and age, so no test row informs a fit.
 * These rows are for comparison only: the ONNX pipeline cannot compute BG/NBD, so a bundle never
 * deploys them and `--model auto` chooses among the other candidates.
 */
import type { Table } from '../core/table.js';
import { takeLabels } from '../core/matrix.js';
import { expectedCalibrationError } from '../evaluate/calibration.js';
import { computeMetrics } from '../evaluate/metrics.js';
import { fitBgNbd, scoreBgNbd, type BgNbdParams } from '../purchases/bgnbd.js';
import { FEATURES_DEFAULTS } from '../config.js';
import { TARGET_COLUMN, parseHorizon } from '../purchases/customer-table.js';
import { purchaseModelSummary, repeatByFrequency, type PurchaseModelSummary, type RepeatSummary } from '../purchases/holdout.js';
import { BG_NBD_FEATURES, SPEND_FEATURES } from '../purchases/model-features.js';
import type { Candidate } from './fit.js';
import type { EvalPlan } from './plans.js';
import { evaluateOnPlans, type CandidateRun } from './repeated.js';

/** BG/NBD alone, ranked by its P(at least one purchase in the horizon). */
export const BG_NBD_CANDIDATE = 'bgnbd';
/** The suffix of a classifier that gets BG/NBD's outputs as extra features. */
export const WITH_BG_NBD = '+bgnbd';

const SUMMARY = ['frequency', 'recency', 'age'] as const;
/** Columns `features --bgnbd` writes from a fit on every customer; refitted per plan here instead. */
const TABLE_WIDE_MODEL_COLUMNS = new Set<string>([...BG_NBD_FEATURES, ...SPEND_FEATURES]);

/**
 * A table is a `features` customer table when its target is `bought_again` and it has numeric
 * `frequency`, `recency` and `age` columns: the names `features` writes and BG/NBD needs.
 */
export function isPurchaseTable(table: Table): boolean {
  if (table.schema.target !== TARGET_COLUMN || !table.target) return false;
  return SUMMARY.every((name) => table.numeric.has(name));
}

/** The horizon BG/NBD predicts over when none is given: the `features` default. */
export const DEFAULT_PURCHASE_HORIZON_DAYS = parseHorizon(FEATURES_DEFAULTS.horizon);

export interface PurchaseModelOptions {
  /** Days after the cutoff the target counts purchases in (the `features --horizon`). */
  horizonDays: number;
  /** Classifiers to rerun with BG/NBD's outputs as extra features (named candidate + '+bgnbd'). */
  classifiers: readonly Candidate[];
}

function summaryOf(table: Table): { frequency: Float64Array; recency: Float64Array; age: Float64Array } {
  return { frequency: table.numeric.get('frequency')!, recency: table.numeric.get('recency')!, age: table.numeric.get('age')! };
}

function summaryAt(table: Table, rows: Int32Array): RepeatSummary {
  const all = summaryOf(table);
  const pick = (values: Float64Array): Float64Array => Float64Array.from(rows, (r) => values[r]!);
  return { frequency: pick(all.frequency), recency: pick(all.recency), age: pick(all.age) };
}

/** The customers a plan (or a dataset) does not hold out for testing, in the table's own class mix. */
function notHeldOut(table: Table, parts: { test: Int32Array; naturalTest: Int32Array }): Int32Array {
  const heldOut = new Uint8Array(table.nRows);
  for (const r of parts.test) heldOut[r] = 1;
  for (const r of parts.naturalTest) heldOut[r] = 1;
  return Int32Array.from({ length: table.nRows }, (_, r) => r).filter((r) => heldOut[r] === 0);
}

/** BG/NBD fitted on the customers a plan (or a dataset) does not hold out, never its test rows. */
function fitOnLearningRows(table: Table, parts: { test: Int32Array; naturalTest: Int32Array }): { params: BgNbdParams; fitted: RepeatSummary } {
  const fitted = summaryAt(table, notHeldOut(table, parts));
  return { params: fitBgNbd(fitted).params, fitted };
}

/** BG/NBD fitted on the customers the plan does not hold out; its three outputs for every customer of the table. */
function bgNbdColumnsFor(table: Table, plan: EvalPlan, horizonDays: number): Map<string, Float64Array> {
  const { params } = fitOnLearningRows(table, plan);
  const scores = scoreBgNbd(params, summaryOf(table), horizonDays);
  return new Map([
    ['bgnbd_p_alive', scores.pAlive],
    ['bgnbd_expected', scores.expected],
    ['bgnbd_p_any', scores.pAtLeastOne],
  ]);
}

/** The table with any table-wide model columns replaced by the plan's own BG/NBD columns. */
function withPlanColumns(table: Table, columns: Map<string, Float64Array>): Table {
  const numeric = new Map([...table.numeric].filter(([name]) => !TABLE_WIDE_MODEL_COLUMNS.has(name)));
  for (const [name, values] of columns) numeric.set(name, values);
  const features = [
    ...table.schema.features.filter((f) => !TABLE_WIDE_MODEL_COLUMNS.has(f.name)),
    ...[...columns.keys()].map((name) => ({ name, kind: 'numeric' as const })),
  ];
  return { ...table, schema: { ...table.schema, features }, numeric };
}

function bgNbdRun(table: Table, plan: EvalPlan, index: number, pAny: Float64Array, seconds: number): CandidateRun {
  const target = table.target!;
  const naturalP = Float64Array.from(plan.naturalTest, (r) => pAny[r]!);
  const naturalY = takeLabels(target, plan.naturalTest);
  // BG/NBD never sees a balanced class mix, so prior correction leaves it as it is.
  const ece = expectedCalibrationError(naturalP, naturalY);
  return {
    candidate: BG_NBD_CANDIDATE,
    trained: BG_NBD_CANDIDATE,
    plan: index,
    balancedTest: computeMetrics(Float64Array.from(plan.test, (r) => pAny[r]!), takeLabels(target, plan.test)),
    naturalTest: computeMetrics(naturalP, naturalY),
    trainSeconds: seconds,
    epochs: 0,
    naturalEce: { raw: ece, priorCorrected: ece },
  };
}

/** BG/NBD alone and each classifier with BG/NBD's outputs, on the same plans as the other candidates. */
export async function evaluatePurchaseModels(table: Table, plans: readonly EvalPlan[], options: PurchaseModelOptions): Promise<CandidateRun[]> {
  const runs: CandidateRun[] = [];
  for (const [index, plan] of plans.entries()) {
    const started = performance.now();
    const columns = bgNbdColumnsFor(table, plan, options.horizonDays);
    runs.push(bgNbdRun(table, plan, index, columns.get('bgnbd_p_any')!, (performance.now() - started) / 1000));
    const augmented = withPlanColumns(table, columns);
    const classifiers = options.classifiers.map((c) => ({ ...c, name: `${c.name}${WITH_BG_NBD}` }));
    for (const run of await evaluateOnPlans(augmented, classifiers, [plan])) runs.push({ ...run, plan: index });
  }
  return runs;
}

/**
 * What the bundle's report shows of BG/NBD: the fit on the customers the dataset does not hold
 * out, its heat map at their median age, and P(at least one purchase) against
 * `bought_again` on the natural held-out test customers. Null for any other table.
 */
export function purchaseModelReport(
  dataset: { table: Table; test: Int32Array; naturalTest: Int32Array },
  horizonDays: number,
): PurchaseModelSummary | null {
  const { table } = dataset;
  if (!isPurchaseTable(table)) return null;
  const { params, fitted } = fitOnLearningRows(table, dataset);
  const test = dataset.naturalTest;
  const holdout =
    test.length === 0 ? null : repeatByFrequency(params, summaryAt(table, test), horizonDays, takeLabels(table.target!, test), 'held-out');
  return purchaseModelSummary(params, fitted, horizonDays, holdout);
}
