/**
 * Exact Shapley values over groups of features (interventional, against a background sample), on the
 * probability scale, through the one scoring path. A single feature is a group of one.
 *
 * The value of a coalition S of groups for customer x is v(S) = mean over background rows b of
 * f(x on S, b elsewhere). Every coalition is enumerated (2^G of them), so group g gets
 *   φ_g = Σ_{S ∌ g} |S|! (G − |S| − 1)! / G! · (v(S ∪ g) − v(S)),
 * and the φ add up to v(all) − v(none) = probability − mean background score exactly: v(all) is the
 * customer's own score and v(none) the background's, the very numbers reported.
 *
 * Hybrid rows are only built once per distinct pair (x's values on S, b's values off S): customers
 * that share a group's values (no support requests, no review) and background rows that share the
 * rest share rows; a repeated background pair counts with its weight. All coalitions of a chunk of
 * customers go to the scorer in large batches.
 */
import { inputError, usageError } from '../errors.js';
import type { FeatureColumn } from '../core/schema.js';
import type { FeatureColumns } from '../core/table.js';
import type { FeatureValue, ScoreFunction } from './types.js';

/** Groups beyond this make 2^G coalitions too many to enumerate for a page of customers. */
export const MAX_EXACT_GROUPS = 12;

/** Hybrid rows per score call (default). */
const DEFAULT_BATCH_ROWS = 65_536;
/** Customers per chunk at most, and hybrid rows a chunk may plan before scoring (bounds memory). */
const MAX_CHUNK_CUSTOMERS = 2048;
const MAX_CHUNK_ROWS = 1 << 22;

export interface ShapleyResult {
  /** Score of each customer. */
  probability: Float64Array;
  /** [customer × group] row-major, groups in the order given. */
  contributions: Float64Array;
  /** Hybrid rows scored (after sharing repeated values). */
  rowsScored: number;
}

/** A column's values, numeric or categorical. */
type Source = { kind: 'numeric'; values: ArrayLike<number> } | { kind: 'categorical'; values: ArrayLike<string | null> };

function sourceOf(columns: FeatureColumns, { name, kind }: FeatureColumn, what: string): Source {
  const values = kind === 'numeric' ? columns.numeric.get(name) : columns.categorical.get(name);
  if (values === undefined) throw inputError(`a feature column the model needs is missing from the ${what}`, { column: name });
  return kind === 'numeric' ? { kind, values: values as ArrayLike<number> } : { kind, values: values as ArrayLike<string | null> };
}

/** The value at a row, missing as null. */
export function valueAt(columns: FeatureColumns, column: FeatureColumn, row: number): FeatureValue {
  const v = column.kind === 'numeric' ? columns.numeric.get(column.name)?.[row] : columns.categorical.get(column.name)?.[row];
  if (v === undefined || v === null) return null;
  return typeof v === 'number' && Number.isNaN(v) ? null : v;
}

/** Per group, an id per row such that two rows share an id exactly when they share the group's values. */
function groupIds(sources: readonly Source[], rows: number): Int32Array {
  const ids = new Int32Array(rows);
  if (sources.length === 1 && sources[0]!.kind === 'numeric') {
    // Map keys compare by SameValueZero: NaN meets NaN, and 0 meets −0 (the model cannot tell them apart).
    const seen = new Map<number, number>();
    const values = sources[0]!.values;
    for (let r = 0; r < rows; r++) {
      const v = values[r]!;
      let id = seen.get(v);
      if (id === undefined) seen.set(v, (id = seen.size));
      ids[r] = id;
    }
    return ids;
  }
  const seen = new Map<string, number>();
  for (let r = 0; r < rows; r++) {
    let key = '';
    for (const s of sources) {
      const v = s.values[r];
      key += s.kind === 'numeric' ? `${v as number}|` : `${JSON.stringify(v ?? null)}|`;
    }
    let id = seen.get(key);
    if (id === undefined) seen.set(key, (id = seen.size));
    ids[r] = id;
  }
  return ids;
}

/** The distinct combinations of the groups in `mask` over rows: a slot per row, a representative row and a count per slot. */
function combinations(ids: readonly Int32Array[], mask: number, rows: number): { slot: Int32Array; reps: number[]; counts: number[] } {
  const slot = new Int32Array(rows);
  const reps: number[] = [];
  const counts: number[] = [];
  const members: Int32Array[] = [];
  for (let g = 0; g < ids.length; g++) if (mask & (1 << g)) members.push(ids[g]!);
  if (members.length === 0) {
    if (rows > 0) reps.push(0), counts.push(rows);
    return { slot, reps, counts };
  }
  const seen = new Map<string, number>();
  for (let r = 0; r < rows; r++) {
    let key = '';
    for (const m of members) key += `${m[r]!},`;
    let s = seen.get(key);
    if (s === undefined) {
      seen.set(key, (s = reps.length));
      reps.push(r);
      counts.push(0);
    }
    counts[s]!++;
    slot[r] = s;
  }
  return { slot, reps, counts };
}

/** Shapley weight |S|! (G − |S| − 1)! / G! by coalition size. */
function shapleyWeights(groups: number): Float64Array {
  const factorial = (k: number): number => (k <= 1 ? 1 : k * factorial(k - 1));
  return Float64Array.from({ length: groups }, (_, size) => (factorial(size) * factorial(groups - size - 1)) / factorial(groups));
}

function popcount(mask: number): number {
  let c = 0;
  for (let m = mask; m; m &= m - 1) c++;
  return c;
}

interface CoalitionPlan {
  mask: number;
  /** Customer slot per customer of the chunk, and each slot's representative customer. */
  customerSlot: Int32Array;
  customerReps: number[];
  /** Distinct background rows off the coalition, with their share of the background. */
  backgroundReps: number[];
  backgroundWeights: Float64Array;
  /** Index of this coalition's first hybrid row in the chunk. */
  firstRow: number;
}

interface Chunk {
  first: number;
  customers: number;
  plans: CoalitionPlan[];
  rows: number;
}

interface Setup {
  groups: readonly (readonly FeatureColumn[])[];
  customerSources: Source[][];
  backgroundSources: Source[][];
  backgroundIds: Int32Array[];
  backgroundRows: number;
}

function planChunk(setup: Setup, first: number, customers: number): Chunk {
  const G = setup.groups.length;
  const customerIds = setup.customerSources.map((sources) =>
    groupIds(
      sources.map((s): Source => (s.kind === 'numeric' ? { kind: s.kind, values: sliceOf(s.values, first, customers) } : { kind: s.kind, values: sliceOf(s.values, first, customers) })),
      customers,
    ),
  );
  const full = (1 << G) - 1;
  const plans: CoalitionPlan[] = [];
  let rows = 0;
  for (let mask = 1; mask < full; mask++) {
    const c = combinations(customerIds, mask, customers);
    const b = combinations(setup.backgroundIds, full & ~mask, setup.backgroundRows);
    plans.push({
      mask,
      customerSlot: c.slot,
      customerReps: c.reps.map((r) => first + r),
      backgroundReps: b.reps,
      backgroundWeights: Float64Array.from(b.counts, (n) => n / setup.backgroundRows),
      firstRow: rows,
    });
    rows += c.reps.length * b.reps.length;
  }
  return { first, customers, plans, rows };
}

function sliceOf<T>(values: ArrayLike<T>, first: number, count: number): ArrayLike<T> {
  return Array.isArray(values) || ArrayBuffer.isView(values)
    ? (values as unknown as { slice(a: number, b: number): ArrayLike<T> }).slice(first, first + count)
    : Array.prototype.slice.call(values, first, first + count);
}

/** Hybrid rows [from, to) of a chunk, as score input. */
function buildRows(setup: Setup, chunk: Chunk, from: number, to: number): FeatureColumns {
  const n = to - from;
  const numeric = new Map<string, Float64Array>();
  const categorical = new Map<string, (string | null)[]>();
  const outputs = setup.groups.map((columns) =>
    columns.map(({ name, kind }) => {
      if (kind === 'numeric') {
        const out = new Float64Array(n);
        numeric.set(name, out);
        return out;
      }
      const out = new Array<string | null>(n).fill(null);
      categorical.set(name, out);
      return out;
    }),
  );
  let p = upperPlan(chunk.plans, from);
  for (; p < chunk.plans.length && chunk.plans[p]!.firstRow < to; p++) {
    const plan = chunk.plans[p]!;
    const nb = plan.backgroundReps.length;
    const start = Math.max(from, plan.firstRow);
    const end = Math.min(to, plan.firstRow + plan.customerReps.length * nb);
    for (let g = 0; g < setup.groups.length; g++) {
      const fromCustomer = (plan.mask & (1 << g)) !== 0;
      const sources = fromCustomer ? setup.customerSources[g]! : setup.backgroundSources[g]!;
      for (let j = 0; j < sources.length; j++) {
        const values = sources[j]!.values;
        const out = outputs[g]![j]!;
        for (let row = start; row < end; row++) {
          const local = row - plan.firstRow;
          const r = fromCustomer ? plan.customerReps[Math.floor(local / nb)]! : plan.backgroundReps[local % nb]!;
          const v = values[r];
          out[row - from] = (v === undefined ? null : v) as never;
        }
      }
    }
  }
  return { nRows: n, numeric, categorical };
}

/** Index of the last plan whose first row is at or before `row`. */
function upperPlan(plans: readonly CoalitionPlan[], row: number): number {
  let lo = 0;
  let hi = plans.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (plans[mid]!.firstRow <= row) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

async function scoreChunk(score: ScoreFunction, setup: Setup, chunk: Chunk, batchRows: number): Promise<Float32Array> {
  const scores = new Float32Array(chunk.rows);
  if (chunk.rows === 0) return scores;
  // Build the next batch while the current one is being scored.
  let from = 0;
  let to = Math.min(batchRows, chunk.rows);
  let pending = score(buildRows(setup, chunk, from, to));
  while (true) {
    const nextTo = Math.min(to + batchRows, chunk.rows);
    const next = to < chunk.rows ? buildRows(setup, chunk, to, nextTo) : null;
    const got = await pending;
    if (got.length !== to - from) throw new Error(`the score function returned ${got.length} scores for ${to - from} rows`);
    scores.set(got, from);
    if (!next) break;
    from = to;
    to = nextTo;
    pending = score(next);
  }
  return scores;
}

/**
 * Exact group Shapley values of each customer in `columns` against `background`, given the
 * background's scores.
 */
export async function groupShapley(opts: {
  score: ScoreFunction;
  groups: readonly (readonly FeatureColumn[])[];
  columns: FeatureColumns;
  background: FeatureColumns;
  backgroundScores: ArrayLike<number>;
  batchRows?: number;
}): Promise<ShapleyResult> {
  const { groups, columns, background, backgroundScores } = opts;
  const G = groups.length;
  if (G > MAX_EXACT_GROUPS) {
    throw usageError(`${G} feature groups are too many to explain exactly (at most ${MAX_EXACT_GROUPS}): put related columns together with --group NAME=COL1,COL2`);
  }
  const n = columns.nRows;
  const B = background.nRows;
  const setup: Setup = {
    groups,
    customerSources: groups.map((cols) => cols.map((c) => sourceOf(columns, c, 'customers'))),
    backgroundSources: groups.map((cols) => cols.map((c) => sourceOf(background, c, 'background'))),
    backgroundIds: [],
    backgroundRows: B,
  };
  setup.backgroundIds = setup.backgroundSources.map((sources) => groupIds(sources, B));
  const probability = Float64Array.from(n > 0 ? await opts.score(columns) : []);
  if (probability.length !== n) throw new Error(`the score function returned ${probability.length} scores for ${n} rows`);
  const phi = new Float64Array(n * G);
  let rowsScored = 0;
  if (n === 0 || G === 0) return { probability, contributions: phi, rowsScored };
  let average = 0;
  for (let b = 0; b < B; b++) average += backgroundScores[b]!;
  average /= B;
  const weights = shapleyWeights(G);
  const full = (1 << G) - 1;
  const perChunk = Math.max(1, Math.min(MAX_CHUNK_CUSTOMERS, Math.floor(MAX_CHUNK_ROWS / ((full + 1) * B))));
  const batchRows = opts.batchRows ?? DEFAULT_BATCH_ROWS;
  const value = new Float64Array((full + 1) * perChunk);
  for (let first = 0; first < n; first += perChunk) {
    const customers = Math.min(perChunk, n - first);
    const chunk = planChunk(setup, first, customers);
    const scores = await scoreChunk(opts.score, setup, chunk, batchRows);
    rowsScored += chunk.rows;
    // v(S, i) for every coalition and customer of the chunk; v(none) and v(all) are the reported scores.
    for (let i = 0; i < customers; i++) {
      value[i] = average;
      value[full * perChunk + i] = probability[first + i]!;
    }
    for (const plan of chunk.plans) {
      const nb = plan.backgroundReps.length;
      const perSlot = new Float64Array(plan.customerReps.length);
      for (let s = 0; s < perSlot.length; s++) {
        let v = 0;
        const base = plan.firstRow + s * nb;
        for (let k = 0; k < nb; k++) v += plan.backgroundWeights[k]! * scores[base + k]!;
        perSlot[s] = v;
      }
      for (let i = 0; i < customers; i++) value[plan.mask * perChunk + i] = perSlot[plan.customerSlot[i]!]!;
    }
    for (let mask = 0; mask < full; mask++) {
      const w = weights[popcount(mask)]!;
      for (let g = 0; g < G; g++) {
        const bit = 1 << g;
        if (mask & bit) continue;
        const withG = (mask | bit) * perChunk;
        const without = mask * perChunk;
        for (let i = 0; i < customers; i++) phi[(first + i) * G + g]! += w * (value[withG + i]! - value[without + i]!);
      }
    }
  }
  return { probability, contributions: phi, rowsScored };
}

/** Hybrid rows one customer costs at most: every coalition but none and all, against every background row. */
export function rowsPerCustomer(groups: number, backgroundRows: number): number {
  return groups <= 1 ? 0 : ((1 << groups) - 2) * backgroundRows;
}
