/** Synthetic customer tables: a clean one, and one with known problems planted at known counts. */
import type { Table } from '../../src/core/table.js';
import { makeTable, seeded } from './helpers.js';

function normalFrom(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

const round2 = (v: number): number => Math.round(v * 100) / 100;

/** Independent random columns; the target depends noisily on two of them. */
export function cleanTable(n: number, seed: number): Table {
  const rand = seeded(seed);
  const normal = normalFrom(rand);
  const cols = { tenure: [] as number[], spend: [] as number[], visits: [] as number[], rating: [] as number[], age: [] as number[] };
  const region: string[] = [];
  const target: number[] = [];
  for (let i = 0; i < n; i++) {
    const tenure = normal();
    const spend = Math.exp(normal());
    cols.tenure.push(round2(tenure));
    cols.spend.push(round2(spend * 10));
    cols.visits.push(Math.floor(rand() * 21));
    cols.rating.push(round2(1 + 4 * rand()));
    cols.age.push(18 + Math.floor(rand() * 60));
    region.push(['north', 'south', 'east', 'west'][Math.floor(rand() * 4)]!);
    const logit = 0.8 * tenure - 0.4 * Math.log(spend) + normal();
    target.push(logit > 0 ? 1 : 0);
  }
  return makeTable({
    numeric: cols,
    categorical: { region },
    target,
    ids: Array.from({ length: n }, (_, i) => `c${i}`),
  });
}

export interface Planted {
  table: Table;
  /** Rows with leaky = 5: every one has target 1. */
  leakyFive: number;
  /** Rows whose score was filled with the mean, and the fill value. */
  filledScores: number;
  scoreFill: number;
  /** Rows buying more than one item (spend_overall < spend_avg) and exactly one. */
  multiItem: number;
  singleItem: number;
  missingGaps: number;
  missingSegment: number;
  /** Duplicate feature rows: groups of two, how many with conflicting targets. */
  duplicatePairs: number;
  conflictingPairs: number;
}

/**
 * n rows with: a leaky column (value 5 → always class 1), a near-perfect separator, a mean-filled
 * score, a swapped total/average pair, 4 pairs of identical feature rows (3 with conflicting
 * targets), a constant column, duplicate IDs (c10 ×3, c20 ×2) and missing values.
 */
export function plantedTable(n = 2000, seed = 7): Planted {
  const rand = seeded(seed);
  const normal = normalFrom(rand);
  const target: number[] = [];
  const leaky: number[] = [];
  const separator: number[] = [];
  const noise: number[] = [];
  const gaps: number[] = [];
  const observedScore: (number | null)[] = [];
  const reviewed: number[] = [];
  const spendOverall: number[] = [];
  const spendAvg: number[] = [];
  const constant: number[] = [];
  const segment: (string | null)[] = [];
  for (let i = 0; i < n; i++) {
    let y = rand() < 0.4 ? 1 : 0;
    let leak = Math.floor(rand() * 5);
    if (rand() < 0.15) {
      leak = 5;
      y = 1;
    }
    target.push(y);
    leaky.push(leak);
    separator.push(y * 3 + 0.5 * normal());
    noise.push(normal());
    gaps.push(i % 20 === 0 ? Number.NaN : normal());
    const observed = rand() < 0.25;
    observedScore.push(observed ? 1 + Math.floor(rand() * 10) : null);
    reviewed.push(observed ? 1 : 0);
    const u = rand();
    const items = u < 0.7 ? 1 : u < 0.9 ? 2 : 3;
    const unit = round2(5 + 10 * rand());
    spendOverall.push(unit); // mislabelled: the average per item
    spendAvg.push(round2(unit * items)); // mislabelled: the total
    constant.push(3);
    segment.push(i % 40 === 1 ? null : ['a', 'b', 'c'][Math.floor(rand() * 3)]!);
  }
  const scores = observedScore.filter((s): s is number => s !== null);
  const scoreFill = round2(scores.reduce((a, b) => a + b, 0) / scores.length);
  const score = observedScore.map((s) => s ?? scoreFill);

  const numeric: Record<string, number[]> = {
    leaky,
    separator,
    noise,
    gaps,
    score,
    reviewed,
    spend_overall: spendOverall,
    spend_avg: spendAvg,
    constant,
  };
  // Identical feature rows: rows after 1000 copy rows after 900 (outside the leaky group); the first
  // three copies get the opposite target.
  const duplicatePairs = 4;
  const conflictingPairs = 3;
  const outsideLeak = (start: number): number[] =>
    leaky.map((v, i) => i).filter((i) => i >= start && leaky[i] !== 5).slice(0, duplicatePairs);
  const sources = outsideLeak(Math.floor(n * 0.45));
  const copies = outsideLeak(Math.floor(n * 0.5));
  for (let k = 0; k < duplicatePairs; k++) {
    const from = sources[k]!;
    const to = copies[k]!;
    for (const values of Object.values(numeric)) values[to] = values[from]!;
    segment[to] = segment[from]!;
    target[to] = k < conflictingPairs ? 1 - target[from]! : target[from]!;
  }
  if (leaky.some((v, i) => v === 5 && target[i] !== 1)) throw new Error('leaky group is not pure');

  const ids = Array.from({ length: n }, (_, i) => `c${i}`);
  ids[11] = 'c10';
  ids[12] = 'c10';
  ids[21] = 'c20';
  return {
    table: makeTable({ numeric, categorical: { segment }, target, ids }),
    leakyFive: leaky.filter((v) => v === 5).length,
    filledScores: score.filter((s) => s === scoreFill).length,
    scoreFill,
    multiItem: spendOverall.filter((v, i) => v < spendAvg[i]!).length,
    singleItem: spendOverall.filter((v, i) => v === spendAvg[i]!).length,
    missingGaps: gaps.filter(Number.isNaN).length,
    missingSegment: segment.filter((s) => s === null).length,
    duplicatePairs,
    conflictingPairs,
  };
}
