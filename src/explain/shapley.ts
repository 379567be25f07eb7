/**
 * Per-customer Shapley values by permutation sampling (Štrumbelj & Kononenko 2014), on the
 * probability scale, through the one scoring path.
 *
 * Each customer x is compared with every background row b equally often: one (permutation π, b)
 * pair walks from b to x, switching the features to x's values in π's order. The score changes
 * along the walk are the features' marginal contributions; they telescope to f(x) − f(b). Averaged
 * over pairs that use every background row equally often, the contributions add up to
 * f(x) − mean_b f(b) = probability − average, exactly (the walk's ends are the very scores
 * reported as probability and used for the average). Permutations come in antithetic pairs
 * (π, reversed π), which lowers the sampling variance.
 */
import { inputError, usageError } from '../errors.js';
import type { FeatureColumn, TableSchema } from '../core/schema.js';
import type { FeatureColumns } from '../core/table.js';
import { createRng, randomInt, type Rng } from '../core/random.js';
import { describeReasons } from './reasons.js';
import type { Contribution, CustomerExplanation, Explainer, FeatureValue, ScoreFunction } from './types.js';

export interface ExplainerOptions {
  score: ScoreFunction;
  schema: TableSchema;
  /** A small sample of training rows (about 50–100): the reference the contributions are measured from. */
  background: FeatureColumns;
  /** Permutations per customer; rounded up to a multiple of the background size (default: one per background row). */
  permutations?: number;
  seed: number;
  /** Hybrid rows per score call (default 65,536). */
  batchRows?: number;
}

export interface ShapleyResult {
  /** Score of each customer. */
  probability: Float64Array;
  /** [customer × feature] row-major, features in the order given. */
  contributions: Float64Array;
}

const DEFAULT_BATCH_ROWS = 65_536;

/** A column's values, numeric or categorical, under one feature name. */
type Source = { kind: 'numeric'; values: ArrayLike<number> } | { kind: 'categorical'; values: ArrayLike<string | null> };

function sourcesOf(columns: FeatureColumns, features: readonly FeatureColumn[], what: string): Source[] {
  return features.map(({ name, kind }) => {
    const values = kind === 'numeric' ? columns.numeric.get(name) : columns.categorical.get(name);
    if (values === undefined) throw inputError(`a feature column the model needs is missing from the ${what}`, { column: name });
    return kind === 'numeric'
      ? { kind, values: values as ArrayLike<number> }
      : { kind, values: values as ArrayLike<string | null> };
  });
}

function valueAt(source: Source, row: number): FeatureValue {
  const v = source.values[row];
  if (v === undefined || v === null) return null;
  return typeof v === 'number' && Number.isNaN(v) ? null : v;
}

/** The customer's values as a seed: the same customer gets the same sample alone or in any batch. */
function customerSeed(seed: number, sources: readonly Source[], row: number): number {
  const bits = new Float64Array(1);
  const words = new Uint32Array(bits.buffer);
  let h = (0x811c9dc5 ^ seed) >>> 0;
  const mix = (w: number) => {
    h = Math.imul(h ^ w, 0x01000193) >>> 0;
  };
  for (const s of sources) {
    const v = s.values[row];
    if (s.kind === 'numeric') {
      bits[0] = Number.isNaN(v as number) ? Number.NaN : (v as number);
      mix(words[0]!);
      mix(words[1]!);
    } else if (v === null || v === undefined) {
      mix(0xffffffff);
    } else {
      const text = v as string;
      for (let k = 0; k < text.length; k++) mix(text.charCodeAt(k));
      mix(text.length);
    }
  }
  return h;
}

function shuffleInPlace(order: Int32Array, rng: Rng): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
}

/** Hybrid-row columns of one score call. */
interface Batch {
  columns: FeatureColumns;
  /** The permutation of each (customer, pair), d entries each. */
  orders: Int32Array;
  firstCustomer: number;
  customers: number;
}

interface Plan {
  features: readonly FeatureColumn[];
  customers: Source[];
  background: Source[];
  backgroundRows: number;
  pairs: number;
  seed: number;
}

function buildBatch(plan: Plan, firstCustomer: number, customers: number): Batch {
  const { features, pairs, backgroundRows } = plan;
  const d = features.length;
  const steps = d - 1;
  const nRows = customers * pairs * steps;
  const numeric = new Map<string, Float64Array>();
  const categorical = new Map<string, (string | null)[]>();
  const outNumeric: (Float64Array | null)[] = [];
  const outCategorical: ((string | null)[] | null)[] = [];
  for (const { name, kind } of features) {
    if (kind === 'numeric') {
      const out = new Float64Array(nRows);
      numeric.set(name, out);
      outNumeric.push(out);
      outCategorical.push(null);
    } else {
      const out = new Array<string | null>(nRows).fill(null);
      categorical.set(name, out);
      outNumeric.push(null);
      outCategorical.push(out);
    }
  }
  const orders = new Int32Array(customers * pairs * d);
  const position = new Int32Array(d);
  let row = 0;
  for (let c = 0; c < customers; c++) {
    const x = firstCustomer + c;
    const rng = createRng(customerSeed(plan.seed, plan.customers, x));
    for (let m = 0; m < pairs; m++) {
      const order = orders.subarray((c * pairs + m) * d, (c * pairs + m + 1) * d);
      if (m % 2 === 0) {
        for (let j = 0; j < d; j++) order[j] = j;
        shuffleInPlace(order, rng);
      } else {
        const previous = orders.subarray((c * pairs + m - 1) * d, (c * pairs + m) * d);
        for (let j = 0; j < d; j++) order[j] = previous[d - 1 - j]!;
      }
      for (let t = 0; t < d; t++) position[order[t]!] = t;
      const b = m % backgroundRows;
      // Step k (1..d-1) takes features order[0..k-1] from x: feature j is x's from step position[j]+1 on.
      for (let j = 0; j < d; j++) {
        const switchAt = row + position[j]!;
        const end = row + steps;
        const num = outNumeric[j];
        if (num) {
          num.fill(plan.background[j]!.values[b] as number, row, switchAt);
          num.fill(plan.customers[j]!.values[x] as number, switchAt, end);
        } else {
          const cat = outCategorical[j]!;
          cat.fill(valueAt(plan.background[j]!, b) as string | null, row, switchAt);
          cat.fill(valueAt(plan.customers[j]!, x) as string | null, switchAt, end);
        }
      }
      row += steps;
    }
  }
  return { columns: { nRows, numeric, categorical }, orders, firstCustomer, customers };
}

/** Adds the marginal contributions of one scored batch into `phi`. */
function accumulate(
  batch: Batch,
  scores: Float32Array,
  plan: Plan,
  backgroundScores: Float64Array,
  probability: Float64Array,
  phi: Float64Array,
): void {
  const d = plan.features.length;
  const steps = d - 1;
  let row = 0;
  for (let c = 0; c < batch.customers; c++) {
    const x = batch.firstCustomer + c;
    const out = x * d;
    for (let m = 0; m < plan.pairs; m++) {
      const order = batch.orders.subarray((c * plan.pairs + m) * d, (c * plan.pairs + m + 1) * d);
      let previous = backgroundScores[m % plan.backgroundRows]!;
      for (let k = 0; k < steps; k++) {
        const v = scores[row++]!;
        phi[out + order[k]!]! += v - previous;
        previous = v;
      }
      phi[out + order[steps]!]! += probability[x]! - previous;
    }
  }
}

/** Pairs per customer: `permutations` rounded up to a multiple of the background size. */
export function pairsPerCustomer(backgroundRows: number, permutations?: number): number {
  const wanted = permutations ?? backgroundRows;
  if (!(Number.isInteger(wanted) && wanted >= 1)) throw usageError(`permutations must be a positive integer; got ${wanted}`);
  return Math.ceil(wanted / backgroundRows) * backgroundRows;
}

/**
 * Sampled Shapley values of each customer in `columns` against `background`, given the
 * background's scores. Scores all hybrid rows in batches of about `batchRows`.
 */
export async function sampleShapley(opts: {
  score: ScoreFunction;
  features: readonly FeatureColumn[];
  columns: FeatureColumns;
  background: FeatureColumns;
  backgroundScores: Float64Array;
  pairs: number;
  seed: number;
  batchRows?: number;
}): Promise<ShapleyResult> {
  const { features, columns, background, backgroundScores } = opts;
  const n = columns.nRows;
  const d = features.length;
  const probability = Float64Array.from(n > 0 ? await opts.score(columns) : []);
  if (probability.length !== n) throw new Error(`the score function returned ${probability.length} scores for ${n} rows`);
  const phi = new Float64Array(n * d);
  if (n === 0 || d === 0) return { probability, contributions: phi };
  const average = meanOf(backgroundScores);
  if (d === 1) {
    for (let i = 0; i < n; i++) phi[i] = probability[i]! - average;
    return { probability, contributions: phi };
  }
  const plan: Plan = {
    features,
    customers: sourcesOf(columns, features, 'customers'),
    background: sourcesOf(background, features, 'background'),
    backgroundRows: background.nRows,
    pairs: opts.pairs,
    seed: opts.seed,
  };
  const rowsPerCustomer = opts.pairs * (d - 1);
  const perBatch = Math.max(1, Math.floor((opts.batchRows ?? DEFAULT_BATCH_ROWS) / rowsPerCustomer));
  // Build the next batch while the current one is being scored.
  let batch = buildBatch(plan, 0, Math.min(perBatch, n));
  let pending = opts.score(batch.columns);
  while (true) {
    const nextStart = batch.firstCustomer + batch.customers;
    const next = nextStart < n ? buildBatch(plan, nextStart, Math.min(perBatch, n - nextStart)) : null;
    const scores = await pending;
    if (scores.length !== batch.columns.nRows) {
      throw new Error(`the score function returned ${scores.length} scores for ${batch.columns.nRows} rows`);
    }
    accumulate(batch, scores, plan, backgroundScores, probability, phi);
    if (!next) break;
    batch = next;
    pending = opts.score(batch.columns);
  }
  for (let k = 0; k < phi.length; k++) phi[k]! /= opts.pairs;
  return { probability, contributions: phi };
}

function meanOf(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}

/**
 * An explainer for one model: scores the background once (its mean is `average`), then explains
 * customers by sampled Shapley values and puts the largest into words. Deterministic under `seed`:
 * a customer's explanation depends only on its values, not on the other customers in the call.
 */
export async function createExplainer(opts: ExplainerOptions): Promise<Explainer> {
  const { score, schema, background, seed } = opts;
  if (background.nRows < 1) throw usageError('the explainer needs at least one background row');
  const features = schema.features;
  sourcesOf(background, features, 'background');
  const pairs = pairsPerCustomer(background.nRows, opts.permutations);
  const scored = await score(background);
  if (scored.length !== background.nRows) {
    throw new Error(`the score function returned ${scored.length} scores for ${background.nRows} rows`);
  }
  const backgroundScores = Float64Array.from(scored);
  const average = meanOf(backgroundScores);
  const names = features.map((f) => f.name);

  return {
    average,
    features: names,
    pairsPerCustomer: pairs,
    async explain(columns, top) {
      const customers = sourcesOf(columns, features, 'customers');
      const { probability, contributions } = await sampleShapley({
        score,
        features,
        columns,
        background,
        backgroundScores,
        pairs,
        seed,
        ...(opts.batchRows !== undefined ? { batchRows: opts.batchRows } : {}),
      });
      const d = features.length;
      const out: CustomerExplanation[] = [];
      for (let i = 0; i < columns.nRows; i++) {
        const row: Contribution[] = names.map((feature, j) => ({
          feature,
          value: valueAt(customers[j]!, i),
          contribution: contributions[i * d + j]!,
        }));
        out.push({ probability: probability[i]!, average, contributions: row, reasons: describeReasons(schema, row, top) });
      }
      return out;
    },
  };
}
