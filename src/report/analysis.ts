/**
 * Everything the report shows, computed once from the manifest and the stored evaluation with the
 * evaluate modules (curves, calibration, decisions, metrics). The sections only format it.
 */
import type { ManifestDraft } from '../bundle/manifest.js';
import type { MetricSet } from '../evaluate/metrics.js';
import type { BundleEvaluation } from '../bundle/evaluation.js';
import type { ScoredPart } from '../evaluate/curves.js';
import type { AuditReport } from '../audit/types.js';
import { expectedCalibrationError, reliabilityCurve, type ReliabilityBin } from '../evaluate/calibration.js';
import { prCurve, rocCurve, type PrCurve, type RocCurve } from '../evaluate/curves.js';
import { choiceRule, choiceRuleInWords, gainsTable, judgeProfit, type GainsRow, type ProfitJudgement } from '../evaluate/decide.js';
import { computeMetrics } from '../evaluate/metrics.js';

export const CALIBRATION_BINS = 10;
export const GAINS_GROUPS = 10;
export const PROFIT_REPLICATES = 1000;
/** Per how many customers the report states counts. */
export const PER = 1000;

export interface ModelResult {
  name: string;
  /** On the natural test part, at the bundle's threshold. */
  metrics: MetricSet;
  roc: RocCurve;
  pr: PrCurve;
  gains: GainsRow[];
}

/** What the chosen threshold does on the natural test part. */
export interface OperatingPoint {
  threshold: number;
  contacted: number;
  contactedShare: number;
  /** False and true positive rates, precision. */
  fpr: number;
  tpr: number;
  precision: number;
}

export interface CalibrationResult {
  method: ManifestDraft['calibration']['method'];
  after: ReliabilityBin[];
  eceAfter: number;
  /** The raw probabilities' curve, when a correction was applied. */
  before: ReliabilityBin[] | null;
  eceBefore: number | null;
}

/** The chosen list's expected and realized profit on the natural test part, whose labels played no part in choosing it. */
export interface MoneyResult extends ProfitJudgement {
  /** Where the settings came from. */
  source: 'evaluation' | 'objective';
  /** Contact when the probability exceeds cost / value. */
  breakEven: number;
}

export interface ReportData {
  manifest: ManifestDraft;
  evaluation: BundleEvaluation;
  /** Customers in the natural test part, and the buyers among them. */
  n: number;
  positives: number;
  network: ModelResult;
  baseline: ModelResult | null;
  operating: OperatingPoint;
  calibration: CalibrationResult;
  money: MoneyResult | null;
  /** How the threshold was chosen without the test labels, as a phrase completing "chosen …". */
  rule: string;
  audit: AuditReport | null;
}

/** `known`: the metrics training (or decide) already computed on these scores at this threshold. */
function modelResult(name: string, part: ScoredPart, threshold: number, known: MetricSet | null): ModelResult {
  const { probability: p, label: y } = part;
  return {
    name,
    metrics: known && known.n === p.length ? known : computeMetrics(p, y, threshold),
    roc: rocCurve(p, y),
    pr: prCurve(p, y),
    gains: p.length === 0 ? [] : gainsTable(p, y, GAINS_GROUPS),
  };
}

function operatingPoint(metrics: MetricSet, threshold: number): OperatingPoint {
  const [[tn, fp], [, tp]] = metrics.confusion;
  const contacted = tp + fp;
  return {
    threshold,
    contacted,
    contactedShare: metrics.n === 0 ? Number.NaN : contacted / metrics.n,
    fpr: tn + fp === 0 ? Number.NaN : fp / (tn + fp),
    tpr: metrics.recall,
    precision: contacted === 0 ? Number.NaN : tp / contacted,
  };
}

function calibrationResult(manifest: ManifestDraft, evaluation: BundleEvaluation): CalibrationResult {
  const after = evaluation.naturalTest;
  const raw = evaluation.naturalTestUncalibrated;
  const corrected = manifest.calibration.method !== 'none' && raw.probability.length === after.probability.length && raw.probability.length > 0;
  return {
    method: manifest.calibration.method,
    after: reliabilityCurve(after.probability, after.label, CALIBRATION_BINS),
    eceAfter: expectedCalibrationError(after.probability, after.label, CALIBRATION_BINS),
    before: corrected ? reliabilityCurve(raw.probability, raw.label, CALIBRATION_BINS) : null,
    eceBefore: corrected ? expectedCalibrationError(raw.probability, raw.label, CALIBRATION_BINS) : null,
  };
}

function moneyResult(manifest: ManifestDraft, evaluation: BundleEvaluation): MoneyResult | null {
  const objective = manifest.thresholdObjective;
  const fromObjective = objective.kind === 'profit' ? { contactCost: objective.contactCost, valuePerReturn: objective.valuePerReturn } : null;
  const settings = evaluation.money ?? fromObjective;
  const { probability: p, label: y } = evaluation.naturalTest;
  if (!settings || p.length === 0) return null;
  const { contactCost, valuePerReturn } = settings;
  return {
    ...judgeProfit(p, y, manifest.threshold, settings, { seed: manifest.data.seed, replicates: PROFIT_REPLICATES }),
    source: evaluation.money ? 'evaluation' : 'objective',
    breakEven: contactCost / valuePerReturn,
  };
}

function ruleInWords(manifest: ManifestDraft): string {
  const objective = manifest.thresholdObjective;
  if (objective.kind === 'balanced') return "by the training's fixed rule, using no labels";
  return choiceRuleInWords(choiceRule(objective));
}

/** "Network 2x50", "Baseline logistic+derived". */
function displayName(role: string, model: ManifestDraft['model']): string {
  return model.name ? `${role} ${model.name}` : role;
}

export function analyze(manifest: ManifestDraft, evaluation: BundleEvaluation): ReportData {
  const network = modelResult(displayName('Network', manifest.model), evaluation.naturalTest, manifest.threshold, manifest.model.metrics.naturalTest);
  const baseline = evaluation.baselineNaturalTest && evaluation.baselineNaturalTest.probability.length > 0
    ? modelResult(manifest.baseline ? displayName('Baseline', manifest.baseline) : 'Baseline', evaluation.baselineNaturalTest, manifest.threshold, null)
    : null;
  return {
    manifest,
    evaluation,
    n: network.metrics.n,
    positives: network.metrics.positives,
    network,
    baseline,
    operating: operatingPoint(network.metrics, manifest.threshold),
    calibration: calibrationResult(manifest, evaluation),
    money: moneyResult(manifest, evaluation),
    rule: ruleInWords(manifest),
    audit: evaluation.audit,
  };
}

/** A count on the test part scaled to PER customers. */
export function perCustomers(data: ReportData, value: number): number {
  return data.n === 0 ? Number.NaN : (value / data.n) * PER;
}
