/**
 * Uplift learners: the effect of a contact on buying, per customer and per treatment, from a
 * randomized test. Each treatment is learnt against the control group alone.
 *
 *   two-model             one model per arm; uplift = P(buy | treated) − P(buy | control)
 *   x-learner             (Künzel et al. 2019) arm models impute each customer's effect, ridge
 *                         regressions learn it per arm, mixed by the share treated (the propensity)
 *   class-transformation  (Jaskowski & Jaroszewicz 2012) one model of Z = treated·y + control·(1 − y)
 *                         on arms of equal size; uplift = 2 P(Z = 1) − 1
 *   interactions          (Tian et al. 2014; Imai & Ratkovic 2013) one logistic regression of all arms
 *                         on the features, each treatment and treatment × features, where only the
 *                         treatment × feature terms are penalized: the arms share what predicts buying,
 *                         and the effect's variation is shrunk towards a constant effect
 *   r-learner             (Nie & Wager 2021) the assignment is randomized, so the propensity is the arm's
 *                         share: a cross-fitted logistic model m(x) of buying whatever the arm, then a ridge
 *                         regression of the effect, linear in the features, minimising
 *                         Σ ((y − m(x)) − (T − e) τ(x))², its penalty chosen by cross-validation of that loss
 *
 * Every approach ends as an UpliftGraph (plain data) compiled to one ONNX graph, so fitting, the
 * held-out evaluation and scoring all go through the same graph.
 */
import type { Matrix } from '../core/matrix.js';
import type { FeatureColumns } from '../core/table.js';
import { createRng, type Rng } from '../core/random.js';
import { rawColumns, type FeatureState } from '../prep/features.js';
import { shuffle } from '../prep/split.js';
import { internalError } from '../errors.js';
import { crossValidatedL2, trainLogistic } from './logistic.js';
import { trainNetwork } from './mlp.js';
import type { NetworkConfig, NetworkWeights } from './network.js';
import { buildUpliftOnnxModel, type GraphHead, type UpliftGraph } from './onnx-build.js';
import { createOnnxSession, runOnnxSessionOutputs } from './onnx-session.js';
import { fitRidge } from './uplift-ridge.js';

export const UPLIFT_APPROACHES = ['two-model', 'x-learner', 'class-transformation'] as const;
export type UpliftApproach = (typeof UPLIFT_APPROACHES)[number];

/** The logistic learner; its L2 penalty is chosen by cross-validation unless fixed here. */
export interface LogisticLearner {
  kind: 'logistic';
  l2?: number;
}
export type UpliftLearner = LogisticLearner | { kind: 'network'; config: NetworkConfig };

/**
 * One learner, or the average of several (an ensemble's uplift is the mean of its members').
 * `replicate` k > 0 fits the same learner again from another seed, so that an average can hold
 * several fits of a learner whose result depends on its seed (the network).
 */
export type UpliftSpec = (
  | { name: string; approach: UpliftApproach; learner: UpliftLearner; replicate?: number }
  | {
      name: string;
      approach: 'interactions';
      learner: LogisticLearner;
      /** The penalty chosen by cross-validated Qini on the training rows (train/uplift.ts) rather than by log-loss. */
      penaltyByQini?: boolean;
    }
  | { name: string; approach: 'r-learner'; learner: LogisticLearner }
  | { name: string; approach: 'ensemble'; members: UpliftSpec[] }
) & {
  /** Adds log(1 + x) of each long-tailed numeric column to the inputs (a spend in dollars, say). */
  logTails?: boolean;
};

/** The customers to learn from: model inputs, outcomes, arms, and the same rows' raw columns. */
export interface UpliftTrainingData {
  features: FeatureState;
  x: Matrix;
  y: Uint8Array;
  /** 0 = control, t = treatment t (1-based, in the order of `treatments`). */
  arm: Uint8Array;
  treatments: readonly string[];
  /** Raw columns of the same rows: the X-learner scores its first stage through the graph. */
  columns: FeatureColumns;
}

export interface FittedUplift {
  spec: UpliftSpec;
  graph: UpliftGraph;
  onnx: Uint8Array;
  /** The graph's output names: p_control, then p_treatment_t and uplift_t per treatment. */
  outputs: string[];
}

/** Per customer: P(buy if not contacted), and per treatment P(buy if contacted with it) and the uplift. */
export interface UpliftScores {
  control: Float32Array;
  treated: Float32Array[];
  uplift: Float32Array[];
}

/** Ridge penalty of the X-learner's effect regressions (on standardized inputs). */
const EFFECT_L2 = 1e-3;
/** Share of an arm's rows a network keeps aside for early stopping. */
const EARLY_STOPPING_SHARE = 0.1;
/**
 * The interactions model's shared columns (features, treatment) enter multiplied by this, which
 * divides their effective penalty by its square: only the treatment × feature terms are shrunk.
 */
const SHARED_COLUMN_SCALE = 1000;
/** Folds of the R-learner's cross-fitting and of its penalty's choice. */
const R_LEARNER_FOLDS = 5;
/** Ridge penalties the R-learner's effect regression chooses among (on standardized inputs). */
const R_LEARNER_L2_GRID = [1e-4, 1e-3, 1e-2, 1e-1, 1, 10] as const;
/** Seed step between replicates of one learner. */
const REPLICATE_SEED_STEP = 7919;

/** Fits one spec on the data; deterministic under the seed. */
export async function fitUplift(data: UpliftTrainingData, spec: UpliftSpec, seed: number): Promise<FittedUplift> {
  if (spec.approach === 'ensemble') {
    const members: FittedUplift[] = [];
    for (const member of spec.members) members.push(await fitUplift(data, member, seed));
    return ensembleOf(spec, data.features, members);
  }
  const rowsOf = (arm: number) => rowsWhere(data.arm, (a) => a === arm);
  const control = rowsOf(0);
  const treated = data.treatments.map((_, t) => rowsOf(t + 1));
  if (control.length === 0 || treated.some((r) => r.length === 0)) throw internalError('uplift: every arm needs customers to learn from');
  if (spec.approach === 'interactions') {
    const graph = await interactionsGraph(data, spec.learner, seed);
    return { spec, graph, ...buildUpliftOnnxModel(data.features, graph) };
  }
  if (spec.approach === 'r-learner') {
    const graph = await rLearnerGraph(data, control, treated, spec.learner, seed);
    return { spec, graph, ...buildUpliftOnnxModel(data.features, graph) };
  }
  const learner = spec.learner;
  const fitSeed = seed + REPLICATE_SEED_STEP * (spec.replicate ?? 0);
  const fitHead = (rows: Int32Array, labels: Uint8Array, k: number) => fitClassifier(data.x, rows, labels, learner, fitSeed + k);
  const heads: GraphHead[] = [{ kind: 'network', weights: await fitHead(control, data.y, 0) }];
  let graph: UpliftGraph;
  if (spec.approach === 'class-transformation') {
    const transformed = new Uint8Array(data.y.length);
    for (let i = 0; i < transformed.length; i++) transformed[i] = data.arm[i] === 0 ? 1 - data.y[i]! : data.y[i]!;
    const rng = createRng(fitSeed);
    const terms = [];
    for (const [t, rows] of treated.entries()) {
      const n = Math.min(rows.length, control.length);
      const balanced = Int32Array.from([...shuffle(rows, rng).subarray(0, n), ...shuffle(control, rng).subarray(0, n)]);
      heads.push({ kind: 'network', weights: await fitHead(balanced, transformed, t + 1) });
      terms.push({ name: data.treatments[t]!, terms: [{ head: heads.length - 1, coefficient: 2 }], constant: -1 });
    }
    graph = { heads, control: 0, treatments: terms };
  } else {
    for (const [t, rows] of treated.entries()) heads.push({ kind: 'network', weights: await fitHead(rows, data.y, t + 1) });
    graph = {
      heads,
      control: 0,
      treatments: data.treatments.map((name, t) => ({ name, terms: [{ head: t + 1, coefficient: 1 }, { head: 0, coefficient: -1 }], constant: 0 })),
    };
    if (spec.approach === 'x-learner') graph = await xLearnerGraph(data, graph, control, treated);
  }
  const { onnx, outputs } = buildUpliftOnnxModel(data.features, graph);
  return { spec, graph, onnx, outputs };
}

/**
 * Members fitted on the same feature state, as one graph: P(not contacted) from the first member,
 * each treatment's raw uplift the mean of the members' raw uplifts.
 */
export function ensembleOf(spec: UpliftSpec, features: FeatureState, members: readonly FittedUplift[]): FittedUplift {
  const heads: GraphHead[] = [];
  const offsets = members.map((m) => {
    const at = heads.length;
    heads.push(...m.graph.heads);
    return at;
  });
  const m = members.length;
  const first = members[0]!.graph;
  const treatments = first.treatments.map((t, k) => ({
    name: t.name,
    terms: members.flatMap((member, j) => member.graph.treatments[k]!.terms.map((term) => ({ head: term.head + offsets[j]!, coefficient: term.coefficient / m }))),
    constant: members.reduce((sum, member) => sum + member.graph.treatments[k]!.constant, 0) / m,
  }));
  const graph: UpliftGraph = { heads, control: first.control, treatments };
  const { onnx, outputs } = buildUpliftOnnxModel(features, graph);
  return { spec, graph, onnx, outputs };
}

/** Second stage of the X-learner on top of the two-model graph's arm models. */
async function xLearnerGraph(data: UpliftTrainingData, twoModel: UpliftGraph, control: Int32Array, treated: Int32Array[]): Promise<UpliftGraph> {
  const first = await scoreUplift(buildUpliftOnnxModel(data.features, twoModel).onnx, data.features, data.columns);
  const heads = [...twoModel.heads];
  const treatments = data.treatments.map((name, t) => {
    const rows = treated[t]!;
    const pTreated = first.treated[t]!;
    // Imputed effects: a treated customer's outcome minus what control predicts, and the reverse.
    const effectTreated = Float64Array.from(rows, (r) => data.y[r]! - first.control[r]!);
    const effectControl = Float64Array.from(control, (r) => pTreated[r]! - data.y[r]!);
    const tau1 = fitRidge(takeRows(data.x, rows), effectTreated, EFFECT_L2);
    const tau0 = fitRidge(takeRows(data.x, control), effectControl, EFFECT_L2);
    const propensity = rows.length / (rows.length + control.length);
    heads.push({ kind: 'linear', ...tau0 }, { kind: 'linear', ...tau1 });
    return {
      name,
      terms: [
        { head: heads.length - 2, coefficient: propensity },
        { head: heads.length - 1, coefficient: 1 - propensity },
      ],
      constant: 0,
    };
  });
  return { heads, control: twoModel.control, treatments };
}

/**
 * The R-learner per treatment, on its rows and control's: P(not contacted) from a logistic model of the
 * control arm, the effect a linear head added to it.
 */
async function rLearnerGraph(data: UpliftTrainingData, control: Int32Array, treated: Int32Array[], learner: LogisticLearner, seed: number): Promise<UpliftGraph> {
  const heads: GraphHead[] = [{ kind: 'network', weights: await fitClassifier(data.x, control, data.y, learner, seed) }];
  const treatments = [];
  for (const [t, rows] of treated.entries()) {
    const both = Int32Array.from([...control, ...rows]);
    const x = takeRows(data.x, both);
    const y = Uint8Array.from(both, (r) => data.y[r]!);
    const propensity = rows.length / both.length;
    const centred = Float64Array.from(both, (r) => (data.arm[r] === t + 1 ? 1 : 0) - propensity);
    const folds = foldsOf(both.length, R_LEARNER_FOLDS, createRng(seed + t));
    const residual = await crossFittedResiduals(x, y, folds, learner, seed);
    // Σ (r − c τ)² = Σ c² (r / c − τ)²: a weighted least-squares fit of r / c.
    const target = residual.map((r, i) => r / centred[i]!);
    const weight = centred.map((c) => c * c);
    const l2 = ridgePenaltyByCv(x, target, weight, folds);
    heads.push({ kind: 'linear', ...fitRidge(x, target, l2, weight) });
    treatments.push({ name: data.treatments[t]!, terms: [{ head: heads.length - 1, coefficient: 1 }], constant: 0 });
  }
  return { heads, control: 0, treatments };
}

/** y − m(x) where each row's m is a logistic model (penalty by cross-validation once, on every row) fitted without that row's fold. */
async function crossFittedResiduals(x: Matrix, y: Uint8Array, folds: Uint8Array, learner: LogisticLearner, seed: number): Promise<Float64Array> {
  const l2 = learner.l2 ?? crossValidatedL2({ x, y }, { seed });
  const residual = new Float64Array(y.length);
  const empty = { x: { data: new Float32Array(0), rows: 0, cols: x.cols }, y: new Uint8Array(0) };
  for (let k = 0; k < R_LEARNER_FOLDS; k++) {
    const fit = rowsWhere(folds, (f) => f !== k);
    const held = rowsWhere(folds, (f) => f === k);
    const { weights } = await trainLogistic({ x: takeRows(x, fit), y: Uint8Array.from(fit, (r) => y[r]!) }, empty, { seed, l2 });
    const layer = weights.layers[0]!;
    for (const r of held) {
      let z = layer.bias[1]!;
      for (let j = 0; j < x.cols; j++) z += layer.kernel[j * 2 + 1]! * x.data[r * x.cols + j]!;
      residual[r] = y[r]! - 1 / (1 + Math.exp(-z));
    }
  }
  return residual;
}

/** The grid's ridge penalty with the lowest weighted squared error on held-out folds. */
function ridgePenaltyByCv(x: Matrix, target: Float64Array, weight: Float64Array, folds: Uint8Array): number {
  const loss = new Float64Array(R_LEARNER_L2_GRID.length);
  for (let k = 0; k < R_LEARNER_FOLDS; k++) {
    const fit = rowsWhere(folds, (f) => f !== k);
    const held = rowsWhere(folds, (f) => f === k);
    const fx = takeRows(x, fit);
    R_LEARNER_L2_GRID.forEach((l2, g) => {
      const { weights, bias } = fitRidge(fx, Float64Array.from(fit, (r) => target[r]!), l2, Float64Array.from(fit, (r) => weight[r]!));
      for (const r of held) {
        let tau = bias;
        for (let j = 0; j < x.cols; j++) tau += weights[j]! * x.data[r * x.cols + j]!;
        loss[g]! += weight[r]! * (target[r]! - tau) ** 2;
      }
    });
  }
  let best = R_LEARNER_L2_GRID.length - 1;
  for (let g = best - 1; g >= 0; g--) if (loss[g]! < loss[best]!) best = g;
  return R_LEARNER_L2_GRID[best]!;
}

/** Fold index per row, dealt round-robin after a seeded shuffle. */
function foldsOf(n: number, k: number, rng: Rng): Uint8Array {
  const out = new Uint8Array(n);
  shuffle(Int32Array.from({ length: n }, (_, i) => i), rng).forEach((row, i) => (out[row] = i % k));
  return out;
}

/**
 * The interactions model: one logistic regression of every row on [s·x, s·T_t, T_t·x] (T_t: in
 * treatment t), penalty chosen by cross-validation, read back as one head per arm on x.
 */
async function interactionsGraph(data: UpliftTrainingData, learner: LogisticLearner, seed: number): Promise<UpliftGraph> {
  const { rows: n, cols: d } = data.x;
  const k = data.treatments.length;
  const width = d + k + k * d;
  const s = SHARED_COLUMN_SCALE;
  const design = new Float32Array(n * width);
  for (let i = 0; i < n; i++) {
    const row = data.x.data.subarray(i * d, (i + 1) * d);
    const out = design.subarray(i * width, (i + 1) * width);
    for (let j = 0; j < d; j++) out[j] = s * row[j]!;
    const arm = data.arm[i]!;
    if (arm === 0) continue;
    out[d + arm - 1] = s;
    out.set(row, d + k + (arm - 1) * d);
  }
  const empty = { x: { data: new Float32Array(0), rows: 0, cols: width }, y: new Uint8Array(0) };
  const fitted = await trainLogistic({ x: { data: design, rows: n, cols: width }, y: data.y }, empty, { seed, l2: learner.l2 ?? 'cv' });
  const layer = fitted.weights.layers[0]!;
  const coefficient = (j: number) => layer.kernel[j * 2 + 1]!;
  const shared = Float32Array.from({ length: d }, (_, j) => s * coefficient(j));
  const intercept = layer.bias[1]!;
  const heads: GraphHead[] = [logisticHead(shared, intercept)];
  for (let t = 0; t < k; t++) {
    const weights = Float32Array.from(shared, (w, j) => w + coefficient(d + k + t * d + j));
    heads.push(logisticHead(weights, intercept + s * coefficient(d + t)));
  }
  return {
    heads,
    control: 0,
    treatments: data.treatments.map((name, t) => ({ name, terms: [{ head: t + 1, coefficient: 1 }, { head: 0, coefficient: -1 }], constant: 0 })),
  };
}

/** sigmoid(w·x + b) as the one-layer softmax network the graph's heads take (z0 = 0, z1 = w·x + b). */
function logisticHead(weights: Float32Array, bias: number): GraphHead {
  const kernel = new Float32Array(weights.length * 2);
  weights.forEach((w, j) => (kernel[j * 2 + 1] = w));
  return { kind: 'network', weights: { layers: [{ inputs: weights.length, units: 2, kernel, bias: Float32Array.of(0, bias), activation: 'softmax' }] } };
}

/** Scores raw columns through an uplift graph (one onnxruntime session, closed after). */
export async function scoreUplift(onnx: Uint8Array, features: FeatureState, columns: FeatureColumns): Promise<UpliftScores> {
  const session = await createOnnxSession(onnx, 2);
  try {
    const outputs = await runOnnxSessionOutputs(session, rawColumns(features), columns);
    const treatments = (outputs.length - 1) / 2;
    return {
      control: outputs[0]!,
      treated: Array.from({ length: treatments }, (_, t) => outputs[1 + 2 * t]!),
      uplift: Array.from({ length: treatments }, (_, t) => outputs[2 + 2 * t]!),
    };
  } finally {
    await session.release();
  }
}

/** A classifier of `labels` on the given rows: the logistic baseline or the network (with early stopping). */
async function fitClassifier(x: Matrix, rows: Int32Array, labels: Uint8Array, learner: UpliftLearner, seed: number): Promise<NetworkWeights> {
  if (learner.kind === 'logistic') {
    const train = { x: takeRows(x, rows), y: Uint8Array.from(rows, (r) => labels[r]!) };
    return (await trainLogistic(train, { x: takeRows(x, new Int32Array(0)), y: new Uint8Array(0) }, { seed, l2: learner.l2 ?? 'cv' })).weights;
  }
  const shuffled = shuffle(rows, createRng(seed));
  const held = Math.max(1, Math.round(shuffled.length * EARLY_STOPPING_SHARE));
  const part = (r: Int32Array) => ({ x: takeRows(x, r), y: Uint8Array.from(r, (i) => labels[i]!) });
  return (await trainNetwork(part(shuffled.subarray(held)), part(shuffled.subarray(0, held)), { ...learner.config, seed })).weights;
}

function rowsWhere(values: Uint8Array, keep: (v: number) => boolean): Int32Array {
  const rows: number[] = [];
  for (let i = 0; i < values.length; i++) if (keep(values[i]!)) rows.push(i);
  return Int32Array.from(rows);
}

export function takeRows(x: Matrix, rows: ArrayLike<number>): Matrix {
  const out = new Float32Array(rows.length * x.cols);
  for (let i = 0; i < rows.length; i++) out.set(x.data.subarray(rows[i]! * x.cols, (rows[i]! + 1) * x.cols), i * x.cols);
  return { data: out, rows: rows.length, cols: x.cols };
}
