/** Training step 5: what the bundle says about its models: metrics, held-out scores, importance, the data audit. */
import { auditTable } from '../audit/audit.js';
import type { BundleEvaluation } from '../bundle/evaluation.js';
import { ensembleMemberFiles, type EnsembleMember, type ModelSummary } from '../bundle/manifest.js';
import { internalError } from '../errors.js';
import { takeLabels } from '../core/matrix.js';
import { featureColumns } from '../core/table.js';
import type { ScoredPart } from '../evaluate/curves.js';
import type { Leaderboard } from '../evaluate/leaderboard.js';
import { computeMetrics, type MetricSet } from '../evaluate/metrics.js';
import { permutationImportance } from '../explain/importance.js';
import { createExplainer } from '../explain/explainer.js';
import { dependenceCharts } from '../explain/dependence.js';
import { backgroundRows } from './background.js';
import { createOnnxScorer, type OnnxScorer } from '../predict/scorer.js';
import type { CalibratedModel, CalibratedModels } from './calibrate.js';
import type { Dataset } from './dataset.js';
import type { ProgressListener } from './progress.js';
import { DEFAULT_PURCHASE_HORIZON_DAYS, purchaseModelReport } from './purchase-models.js';

const IMPORTANCE_REPEATS = 5;
/** Natural test customers the dependence charts show (the first ones: the part is already shuffled). */
const DEPENDENCE_CUSTOMERS = 500;

export interface Assessment {
  model: ModelSummary;
  baseline: ModelSummary | null;
  evaluation: BundleEvaluation;
}

export async function assessModels(
  dataset: Dataset,
  models: CalibratedModels,
  leaderboard: Leaderboard | null,
  progress: ProgressListener,
  options: { purchaseHorizonDays?: number } = {},
): Promise<Assessment> {
  const target = dataset.table.target!;
  const { network, baseline } = models;
  progress({ kind: 'explain' });
  const naturalY = takeLabels(target, dataset.naturalTest);
  const purchases = purchaseModelReport(dataset, options.purchaseHorizonDays ?? DEFAULT_PURCHASE_HORIZON_DAYS);
  // One ONNX session of the network for the importance and the dependence charts, opened when first needed.
  let opened: Promise<OnnxScorer> | null = null;
  const scorer = (): Promise<OnnxScorer> => (opened ??= createOnnxScorer(models.features, network.onnx, { threads: 2 }));
  try {
    return {
      model: summarize(dataset, network),
      baseline: baseline && summarize(dataset, baseline),
      evaluation: {
        naturalTest: part(network.natural, naturalY),
        balancedTest: part(network.balancedRaw, takeLabels(target, dataset.test)),
        baselineNaturalTest: baseline && part(baseline.natural, naturalY),
        naturalTestUncalibrated: part(network.naturalRaw, naturalY),
        validation: part(network.valid, takeLabels(target, dataset.valid)),
        importance: await importance(dataset, scorer, naturalY),
        dependence: await dependence(dataset, scorer),
        ...(purchases && { purchases }),
        audit: auditTable(dataset.table),
        leaderboard,
        money: null,
      },
    };
  } finally {
    if (opened) await (opened as Promise<OnnxScorer>).then((s) => s.close(), () => {});
  }
}

/** Scores rounded to 6 decimals: evaluation.json stays small and every chart is unchanged. */
function part(p: ArrayLike<number>, y: ArrayLike<number>): ScoredPart {
  return { probability: Array.from(p, (v) => Math.round(v * 1e6) / 1e6), label: Array.from(y) };
}

function summarize(dataset: Dataset, model: CalibratedModel): ModelSummary {
  const { candidate, trained } = model.fitted;
  const target = dataset.table.target!;
  const metricsOf = (p: Float32Array, rows: Int32Array, threshold: number): MetricSet | null =>
    rows.length === 0 ? null : computeMetrics(p, takeLabels(target, rows), threshold);
  return {
    name: candidate.name,
    kind: candidate.kind,
    derived: candidate.derived === true,
    preset: candidate.kind === 'network' ? candidate.preset : null,
    config: candidate.kind === 'network' ? candidate.config : null,
    history: trained.history,
    bestEpoch: trained.bestEpoch,
    trainSeconds: trained.seconds,
    metrics: {
      // As the seeds report: the raw output on the balanced test part, label = argmax.
      balancedTest: metricsOf(model.balancedRaw, dataset.test, 0.5),
      naturalTest: metricsOf(model.natural, dataset.naturalTest, model.threshold),
    },
    ...(model.members && { members: model.members.map(memberSummary) }),
  };
}

function memberSummary(member: NonNullable<CalibratedModel['members']>[number], k: number): EnsembleMember {
  const { candidate, trained } = member.fitted;
  if (candidate.kind === 'ensemble') throw internalError('an ensemble member is itself an ensemble');
  return {
    name: candidate.name,
    kind: candidate.kind,
    preset: candidate.kind === 'network' ? candidate.preset : null,
    config: candidate.kind === 'network' ? candidate.config : null,
    calibration: member.calibration,
    history: trained.history,
    bestEpoch: trained.bestEpoch,
    trainSeconds: trained.seconds,
    files: ensembleMemberFiles(k),
  };
}

/** Permutation importance on the natural test part, when it holds both classes. */
async function importance(dataset: Dataset, scorerOf: () => Promise<OnnxScorer>, naturalY: Uint8Array): Promise<BundleEvaluation['importance']> {
  if (!(naturalY.includes(0) && naturalY.includes(1))) return null;
  const scorer = await scorerOf();
  return permutationImportance((c) => scorer.score(c), featureColumns(dataset.table, dataset.naturalTest), naturalY, {
    repeats: IMPORTANCE_REPEATS,
    seed: dataset.options.seed,
  });
}

/** The shape of each fact's effect on the natural test part, measured from the bundle's own background sample. */
async function dependence(dataset: Dataset, scorerOf: () => Promise<OnnxScorer>): Promise<BundleEvaluation['dependence']> {
  const rows = dataset.naturalTest.subarray(0, DEPENDENCE_CUSTOMERS);
  const background = backgroundRows(dataset);
  if (rows.length === 0 || background.length === 0) return null;
  const scorer = await scorerOf();
  const schema = dataset.table.schema;
  const explainer = await createExplainer({ score: (c) => scorer.score(c), schema, background: featureColumns(dataset.table, background) });
  return dependenceCharts(schema, explainer.groups, await explainer.explain(featureColumns(dataset.table, rows), 0));
}
