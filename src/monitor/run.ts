/**
 * One monitoring run: every column's drift, the scores' drift, the performance estimated without
 * labels (and measured, with labels), whether it alerts, and the same in plain words, first.
 */
import type { BundleObjective } from '../bundle/objective.js';
import type { TrainingProfile } from '../bundle/profile.js';
import type { FeatureState } from '../prep/features.js';
import { MONITOR_DEFAULTS } from '../config.js';
import { count, fixed, money, percent } from '../core/format.js';
import { categoricalDrift, isFlagged, numericDrift, type ColumnDrift, type DriftOptions, type MonitorSettings } from './drift.js';
import { estimatePerformance, type PerformanceEstimate, type PerformanceFigures } from './estimate.js';
import { addBatch, createSketch, type ListSketch } from './sketch.js';

export interface MonitorRun {
  /** When the run was made (ISO 8601). */
  at: string;
  model: { ref: string; hash: string; createdAt: string };
  data: { file: string; rows: number };
  reference: { source: string; rows: number; scores: string | null };
  columns: ColumnDrift[];
  scores: ColumnDrift | null;
  estimate: PerformanceEstimate;
  /** The same estimate on the held-out training customers the profile keeps: what the model was expected to do. */
  referenceEstimate: PerformanceEstimate | null;
  alert: { alert: boolean; scoresDrifted: boolean; flagged: string[]; share: number; alertShare: number };
  summary: string[];
}

export interface RunContext {
  profile: TrainingProfile;
  features: FeatureState;
  objective: BundleObjective;
  model: MonitorRun['model'];
  file: string;
  options?: Partial<MonitorSettings>;
  seed?: number;
  at?: Date;
}

/** The estimate on the profile's held-out scores, as if they were a list. */
function referenceEstimate(profile: TrainingProfile, threshold: number, objective: BundleObjective, seed: number): PerformanceEstimate | null {
  if (!profile.scores) return null;
  const scores = profile.scores.sample;
  const sketch = createSketch({ ...profile, numeric: [], categorical: [] }, threshold, seed);
  addBatch(sketch, { ...profile, numeric: [], categorical: [] }, { nRows: scores.length, numeric: new Map(), categorical: new Map() }, scores);
  return estimatePerformance(sketch, objective, seed);
}

export function monitorRun(sketch: ListSketch, context: RunContext): MonitorRun {
  const options: MonitorSettings = { ...MONITOR_DEFAULTS, ...context.options };
  const driftOptions: DriftOptions = options;
  const { profile } = context;
  const levels = new Map(context.features.categorical.map((c) => [c.name, c.levels]));
  const columns = [
    ...profile.numeric.map((reference, k) => numericDrift(reference.name, 'numeric', reference, sketch.numeric[k]!, driftOptions)),
    ...profile.categorical.map((reference, k) => categoricalDrift(reference, levels.get(reference.name) ?? [], sketch.categorical[k]!, driftOptions)),
  ];
  const scores = profile.scores ? numericDrift('probability', 'score', profile.scores, sketch.scores, driftOptions) : null;
  const flagged = columns.filter(isFlagged).map((c) => c.column);
  const share = columns.length > 0 ? flagged.length / columns.length : 0;
  const scoresDrifted = scores?.drifted ?? false;
  const alert = scoresDrifted || (flagged.length > 0 && share >= options.alertShare);
  const seed = context.seed ?? 0;
  const estimate = estimatePerformance(sketch, context.objective, seed);
  const reference = referenceEstimate(profile, sketch.sums.threshold, context.objective, seed);
  const run: MonitorRun = {
    at: (context.at ?? new Date()).toISOString(),
    model: context.model,
    data: { file: context.file, rows: sketch.rows },
    reference: { source: profile.source, rows: profile.rows, scores: profile.scores?.source ?? null },
    columns,
    scores,
    estimate,
    referenceEstimate: reference,
    alert: { alert, scoresDrifted, flagged, share, alertShare: options.alertShare },
    summary: [],
  };
  run.summary = summarize(run);
  return run;
}

function relativeChange(current: number, reference: number): number {
  return reference === 0 ? Number.NaN : current / reference - 1;
}

function moreOrFewer(change: number): string {
  return `${percent(Math.abs(change), 0)} ${change >= 0 ? 'more' : 'fewer'}`;
}

/** What changed in a flagged column, in one sentence. */
function columnSentence(c: ColumnDrift): string[] {
  const out: string[] = [];
  const { reference: r, current: cur } = c;
  if (c.drifted || c.meanDrifted) {
    const zeroChange = r.zeroShare !== null && cur.zeroShare !== null ? relativeChange(cur.zeroShare, r.zeroShare) : Number.NaN;
    if (r.zeroShare !== null && r.zeroShare >= 0.05 && Math.abs(zeroChange) >= 0.1) {
      out.push(`${moreOrFewer(zeroChange)} customers have ${c.column} at 0 (${percent(cur.zeroShare!, 0)} of this list, ${percent(r.zeroShare, 0)} in training).`);
    } else if (r.mean !== null && cur.mean !== null && r.mean !== 0) {
      const change = relativeChange(cur.mean, r.mean);
      out.push(`${c.column} averages ${percent(Math.abs(change), 0)} ${change >= 0 ? 'higher' : 'lower'} than in training (${fixed(cur.mean, 2)} against ${fixed(r.mean, 2)}).`);
    } else {
      out.push(`${c.column} is distributed differently from training (${methodWords(c)}).`);
    }
  }
  if (c.missingDrifted) out.push(`${c.column} is missing for ${percent(cur.missingShare, 0)} of customers, against ${percent(r.missingShare, 0)} in training.`);
  if (c.newCategories?.drifted) {
    const names = c.newCategories.values.slice(0, 3).map((v) => JSON.stringify(v.value)).join(', ');
    out.push(`${c.column} has values the model never saw (${names}) in ${percent(c.newCategories.share, 0)} of rows.`);
  }
  return out;
}

export function methodWords(c: ColumnDrift): string {
  switch (c.method) {
    case 'ks':
      return `Kolmogorov–Smirnov p = ${fixed(c.statistic, 3)}`;
    case 'chi-squared':
      return `chi-squared p = ${fixed(c.statistic, 3)}`;
    case 'wasserstein':
      return `Wasserstein distance ${fixed(c.statistic, 3)} standard deviations`;
    case 'jensen-shannon':
      return `Jensen–Shannon distance ${fixed(c.statistic, 3)}`;
    case 'none':
      return 'no values to compare';
  }
}

/** Per 1,000 customers, so lists of any size compare. */
function perThousand(value: number, figures: PerformanceFigures): number {
  return figures.rows > 0 ? (value / figures.rows) * 1000 : Number.NaN;
}

function summarize(run: MonitorRun): string[] {
  const lines: string[] = [];
  const { flagged } = run.alert;
  lines.push(
    flagged.length === 0
      ? `This list of ${count(run.data.rows)} customers looks like the training data: no feature drifted.`
      : `This list of ${count(run.data.rows)} customers differs from the training data in ${flagged.length} of ${run.columns.length} features: ${flagged.join(', ')}.`,
  );
  for (const c of run.columns) lines.push(...columnSentence(c));
  if (run.scores?.drifted) {
    const r = run.scores.reference.mean ?? Number.NaN;
    const cur = run.scores.current.mean ?? Number.NaN;
    lines.push(`The predicted probabilities drifted: ${percent(cur)} on average, against ${percent(r)} for held-out training customers.`);
  }
  const e = run.estimate.expected;
  const ref = run.referenceEstimate?.expected ?? null;
  if (e.profit !== null && ref?.profit !== null && ref !== null) {
    const before = perThousand(ref.profit!, ref);
    const after = perThousand(e.profit, e);
    lines.push(`The model's expected profit per 1,000 customers ${after < before ? 'falls' : 'rises'} from ${money(before)} to ${money(after)}; for this list: ${money(e.profit)} (95 % interval ${money(run.estimate.intervals.profit!.lower)} to ${money(run.estimate.intervals.profit!.upper)}).`);
  } else if (ref !== null) {
    lines.push(`Expected buyers among the customers contacted: ${fixed(perThousand(e.buyersContacted, e), 0)} per 1,000, against ${fixed(perThousand(ref.buyersContacted, ref), 0)} for held-out training customers (no money settings saved: \`rebuy decide\` saves them).`);
  }
  const i = run.estimate.intervals;
  lines.push(
    `Estimated without labels: accuracy ${percent(e.accuracy)} (${percent(i.accuracy.lower)}–${percent(i.accuracy.upper)}), ROC-AUC ${fixed(e.rocAuc)} (${fixed(i.rocAuc.lower)}–${fixed(i.rocAuc.upper)})` +
      (ref ? `; on held-out training customers ${percent(ref.accuracy)} and ${fixed(ref.rocAuc)}.` : '.'),
  );
  const real = run.estimate.realized;
  if (real) lines.push(`Measured with this list's labels (${count(real.rows)} rows): accuracy ${percent(real.accuracy)}, ROC-AUC ${fixed(real.rocAuc)}${real.profit !== null ? `, profit ${money(real.profit)}` : ''}.`);
  lines.push(
    run.alert.alert
      ? `Alert: ${run.alert.scoresDrifted ? 'the scores drifted' : `${percent(run.alert.share, 0)} of the features drifted (alert at ${percent(run.alert.alertShare, 0)})`}.`
      : 'No alert.',
  );
  return lines;
}
