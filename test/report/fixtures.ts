/** A hand-made but realistic bundle (manifest + evaluation) for the report tests. */
import type { BundleEvaluation } from '../../src/bundle/evaluation.js';
import type { ScoredPart } from '../../src/evaluate/curves.js';
import type { Manifest, ModelSummary } from '../../src/bundle/manifest.js';
import { applyCalibration, priorCorrection } from '../../src/evaluate/calibration.js';
import { chooseThreshold } from '../../src/evaluate/decide.js';
import { buildLeaderboard, type PlanResult } from '../../src/evaluate/leaderboard.js';
import { computeMetrics } from '../../src/evaluate/metrics.js';
import type { EpochRecord } from '../../src/model/network.js';
import type { AuditReport } from '../../src/audit/types.js';
import { createRng, type Rng } from '../../src/core/random.js';
import { AUDIOBOOKS_SCHEMA } from '../../src/domain/audiobooks.js';

export const FEATURES = AUDIOBOOKS_SCHEMA.features.map((f) => f.name);

function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/**
 * Customers with a true log-odds of buying again ~ N(mean, spread); the label is drawn from it, so
 * sigmoid(log-odds) is perfectly calibrated. A model sees the log-odds plus `noise` (less skill).
 */
function customers(rng: Rng, n: number, noise: number): { logOdds: number[]; label: number[] } {
  const logOdds: number[] = [];
  const label: number[] = [];
  for (let i = 0; i < n; i++) {
    const truth = -2.55 + 2.1 * normal(rng);
    label.push(rng() < 1 / (1 + Math.exp(-truth)) ? 1 : 0);
    logOdds.push(truth + noise * normal(rng));
  }
  return { logOdds, label };
}

/** What a network trained on a balanced mix outputs: the log-odds shifted up by the prior ratio. */
function balancedModelScores(c: { logOdds: number[]; label: number[] }, positiveShare: number): ScoredPart {
  const shift = Math.log((1 - positiveShare) / positiveShare);
  return { probability: c.logOdds.map((l) => 1 / (1 + Math.exp(-(l + shift)))), label: c.label };
}

/** An even mix of buyers and non-buyers drawn from the same population (the seeds' balanced test). */
function balancedPart(rng: Rng, n: number, positiveShare: number): ScoredPart {
  const pool = balancedModelScores(customers(rng, n * 6, 0.8), positiveShare);
  const pick = (y: number): number[] => pool.probability.filter((_, i) => pool.label[i] === y).slice(0, n / 2);
  return { probability: [...pick(1), ...pick(0)], label: [...Array(n / 2).fill(1), ...Array(n / 2).fill(0)] };
}

function calibrated(part: ScoredPart, positiveShare: number): ScoredPart {
  const map = priorCorrection(0.5, positiveShare);
  return { probability: Array.from(applyCalibration(part.probability, map)), label: part.label };
}

function history(rng: Rng, epochs: number): { history: EpochRecord[]; bestEpoch: number } {
  const records: EpochRecord[] = [];
  for (let e = 1; e <= epochs; e++) {
    const noise = (rng() - 0.5) * 0.01;
    const loss = 0.32 + 0.35 * Math.exp(-e / 4) + noise;
    const valLoss = 0.34 + 0.33 * Math.exp(-e / 4) + 0.0016 * Math.max(0, e - 12) ** 1.3 + noise;
    records.push({ epoch: e, loss, accuracy: 0.9 - 0.5 * (loss - 0.3), valLoss, valAccuracy: 0.88 - 0.5 * (valLoss - 0.32) });
  }
  const best = records.reduce((a, b) => (b.valLoss < a.valLoss ? b : a));
  return { history: records, bestEpoch: best.epoch };
}

/** A stored audit as evaluation.json holds it. */
export const AUDIT: AuditReport = {
  source: 'audiobooks.csv',
  idColumn: 'id',
  targetColumn: 'target',
  nRows: 14084,
  nFeatures: 10,
  classBalance: { positives: 2237, negatives: 11847, positiveShare: 0.1588 },
  columns: [],
  duplicateIds: { groups: 0, rows: 0, examples: [] },
  duplicateRows: {
    groups: 0, rows: 0, conflictingGroups: 0, conflictingRows: 0, largestGroup: 0,
    split: { testShare: 0.1, testRows: 1408, expectedGroupsSplit: 0, expectedRowsInSplitGroups: 0, expectedTestRowsWithTrainTwin: 0 },
  },
  findings: [
    {
      code: 'PURE_GROUP', severity: 'problem', column: 'last_visit_days',
      message: 'All 1,204 customers with "last_visit_days" ≥ 300 bought again: a possible leak.',
      details: { kind: 'threshold', derived: null, direction: '>=', threshold: 300, nextValue: 299, level: null, rows: 1204, share: 0.085, targetClass: 1, adjacentRows: 40, adjacentShare: 0.2, log10Chance: -96 },
    },
    {
      code: 'CLASS_IMBALANCE', severity: 'warning', column: 'target',
      message: 'Only 15.9 % of customers bought again.',
      details: { positives: 2237, negatives: 11847, positiveShare: 0.1588 },
    },
    {
      code: 'MISSING_VALUES', severity: 'info', column: 'review_score',
      message: '"review_score" is missing in 12 rows.',
      details: { missing: 12, share: 0.00085 },
    },
  ],
  counts: { problem: 1, warning: 1, info: 1 },
  options: {
    testShare: 0.1, pureGroupMinShare: 0.01, pureGroupMinCount: 30, pureGroupMaxChance: 1e-6, pureGroupMinContrast: 0.1, separatorAuc: 0.95,
    minClassCount: 10, minLevelCount: 5, fillMinShare: 0.3, fillMinRatio: 5, fillMinCount: 30, maxExamples: 5,
    labels: { positive: 'bought again', negative: 'did not' },
  },
};

function leaderboard(rng: Rng): BundleEvaluation['leaderboard'] {
  const results: PlanResult[] = [];
  const candidates = { '2x50 relu': 0.905, '2x10 relu': 0.9, logistic: 0.885 };
  for (let plan = 0; plan < 10; plan++) {
    const shared = (rng() - 0.5) * 0.02;
    for (const [candidate, auc] of Object.entries(candidates)) {
      const rocAuc = auc + shared + (rng() - 0.5) * 0.006;
      results.push({ candidate, plan, values: { rocAuc, balancedAccuracy: rocAuc - 0.07, loss: 1.2 - rocAuc }, trainSeconds: 3 + rng() });
    }
  }
  return buildLeaderboard(
    results,
    [
      { key: 'rocAuc', label: 'ROC-AUC', higherIsBetter: true },
      { key: 'balancedAccuracy', label: 'Balanced accuracy', higherIsBetter: true },
      { key: 'loss', label: 'Log loss', higherIsBetter: false },
    ],
    'rocAuc',
    0.11,
  );
}

export interface FixtureOptions {
  seed?: number;
  synthetic?: boolean;
  /** Money settings; null for none. */
  money?: BundleEvaluation['money'];
  featureNames?: string[];
  threshold?: number;
}

export interface Fixture {
  manifest: Manifest;
  evaluation: BundleEvaluation;
}

/** A bundle as `rebuy train` would leave it: 14,084 customers, prior-corrected network, logistic baseline. */
export function makeFixture(options: FixtureOptions = {}): Fixture {
  const rng = createRng(options.seed ?? 7);
  const share = 0.1588;
  const featureNames = options.featureNames ?? FEATURES;
  const population = customers(rng, 1409, 0.8);
  const rawNatural = balancedModelScores(population, share);
  const naturalTest = calibrated(rawNatural, share);
  const baselineNaturalTest = calibrated(balancedModelScores({ logOdds: population.logOdds.map((l) => l + 1.1 * normal(rng)), label: population.label }, share), share);
  const balancedTest = balancedPart(rng, 448, share);
  const validation = calibrated(balancedModelScores(customers(rng, 1409, 0.8), share), share);
  const threshold = options.threshold ?? chooseThreshold(validation.probability, validation.label, { kind: 'f1' }).threshold;
  const net = history(rng, 30);
  const base = history(rng, 20);
  const summary = (kind: ModelSummary['kind'], h: typeof net, natural: ScoredPart): ModelSummary => ({
    name: kind === 'network' ? '2x50' : 'logistic',
    kind,
    derived: false,
    preset: kind === 'network' ? '2x50' : null,
    config:
      kind === 'network'
        ? { hidden: [50, 50], activation: 'relu', output: 'softmax', learningRate: 0.001, batchSize: 100, maxEpochs: 100, patience: 5, seed: 0 }
        : null,
    history: h.history,
    bestEpoch: h.bestEpoch,
    trainSeconds: kind === 'network' ? 4.2 : 0.6,
    metrics: {
      balancedTest: computeMetrics(balancedTest.probability, balancedTest.label, 0.5),
      naturalTest: computeMetrics(natural.probability, natural.label, threshold),
    },
  });
  const manifest: Manifest = {
    format: 'rebuy-bundle',
    formatVersion: 2,
    createdAt: '2024-05-01T10:00:00.000Z',
    packages: { '@tensorflow/tfjs': '4.22.0', 'onnxruntime-node': '1.30.0' },
    schema: { name: 'audiobooks', id: 'id', target: 'target', features: featureNames.map((name) => ({ name, kind: 'numeric' as const })) },
    features: { numeric: featureNames.map((name) => ({ name, mean: 0, std: 1, fill: 0, flagMissing: false })), categorical: [] },
    featureNames,
    data: {
      fingerprint: 'c0ffee'.repeat(10) + 'abcd',
      files: ['audiobooks.csv'],
      synthetic: options.synthetic ?? false,
      rows: 14084,
      positives: 2237,
      balance: 'random',
      split: [0.8, 0.1, 0.1],
      seed: 0,
      trainRows: 3579,
      validRows: 447,
      testRows: 448,
      naturalTestRows: 1409,
    },
    model: summary('network', net, naturalTest),
    baseline: summary('logistic', base, baselineNaturalTest),
    threshold,
    thresholdObjective: { kind: 'f1' },
    calibration: { method: 'prior', ...priorCorrection(0.5, share) },
    files: {},
  };
  const evaluation: BundleEvaluation = {
    naturalTest,
    balancedTest,
    baselineNaturalTest,
    naturalTestUncalibrated: rawNatural,
    importance: featureNames.map((feature, i) => {
      const meanDrop = Math.max(-0.004, 0.12 / (i + 1) ** 1.5 - 0.006);
      return { feature, meanDrop, lower: meanDrop - 0.006, upper: meanDrop + 0.006 };
    }),
    audit: AUDIT,
    leaderboard: leaderboard(rng),
    money: options.money === undefined ? { contactCost: 2, valuePerReturn: 30 } : options.money,
  };
  return { manifest, evaluation };
}
