/**
 * The shape of each fact's effect across customers: its contribution against its main value,
 * coloured by the column that best explains the spread at one value (the strongest interaction),
 * and, when the sign flips at one value, the words that say why ("bought 1 book: raises the chance
 * for long books, lowers it for short ones"). A sign that flips between customers is an
 * interaction, not noise, and the marketer should read it as one.
 */
import type { DependenceChart } from '../bundle/evaluation.js';
import type { TableSchema } from '../core/schema.js';
import { formatNumber } from '../core/format.js';
import { AUDIOBOOKS_COLUMN_ENDS, AUDIOBOOKS_MAIN_VALUES, type CustomerValues } from '../domain/audiobooks.js';
import { pearson, rankWithTies } from './groups.js';
import type { CustomerExplanation, FeatureGroup } from './types.js';

/** Bins of the main value when it takes more distinct values than this. */
const MAX_BINS = 10;
/** Customers a bin needs before its spread is read. */
const MIN_BIN = 8;
/** |within-bin Spearman| below this: no interaction worth a colour. */
const MIN_STRENGTH = 0.3;
/** A push counts towards a sign flip from this many points, and a side from this share of its bin. */
const FLIP_POINTS = 0.5;
const FLIP_SHARE = 0.1;

export type { DependenceChart } from '../bundle/evaluation.js';

function rowOf(e: CustomerExplanation): CustomerValues {
  return new Map(e.contributions.flatMap((c) => Object.entries(c.values)));
}

function asNumber(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Bin index per customer (null x: no bin) and each bin's range. */
function binsOf(xs: readonly (number | null)[]): { bin: Int32Array; ranges: [number, number][] } {
  const present = [...new Set(xs.filter((x): x is number => x !== null))].sort((a, b) => a - b);
  const bin = new Int32Array(xs.length).fill(-1);
  if (present.length <= MAX_BINS) {
    const at = new Map(present.map((v, i) => [v, i]));
    xs.forEach((x, i) => x !== null && (bin[i] = at.get(x)!));
    return { bin, ranges: present.map((v) => [v, v]) };
  }
  const sorted = xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
  const cuts = Array.from({ length: MAX_BINS - 1 }, (_, k) => sorted[Math.floor(((k + 1) * sorted.length) / MAX_BINS)]!);
  const ranges: [number, number][] = Array.from({ length: MAX_BINS }, () => [Infinity, -Infinity]);
  xs.forEach((x, i) => {
    if (x === null) return;
    let b = 0;
    while (b < cuts.length && x >= cuts[b]!) b++;
    bin[i] = b;
    ranges[b]![0] = Math.min(ranges[b]![0], x);
    ranges[b]![1] = Math.max(ranges[b]![1], x);
  });
  return { bin, ranges };
}

/** Bin-size weighted mean |Spearman| between push and colour inside the bins of the main value. */
function withinBinStrength(bin: Int32Array, bins: number, ys: readonly number[], zs: readonly (number | null)[]): number {
  let weighted = 0;
  let total = 0;
  for (let b = 0; b < bins; b++) {
    const members = [...bin.keys()].filter((i) => bin[i] === b && zs[i] !== null);
    if (members.length < MIN_BIN) continue;
    const rho = pearson(
      rankWithTies(members.map((i) => ys[i]!)),
      rankWithTies(members.map((i) => zs[i]!)),
    );
    weighted += members.length * Math.abs(rho);
    total += members.length;
  }
  return total === 0 ? 0 : weighted / total;
}

function plusZero(v: number | null): number | null {
  return v === 0 ? 0 : v;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Dependence charts of every group over these customers' explanations. */
export function dependenceCharts(schema: TableSchema, groups: readonly FeatureGroup[], explanations: readonly CustomerExplanation[]): DependenceChart[] {
  const rows = explanations.map(rowOf);
  const audiobooks = schema.name === 'audiobooks';
  const numericColumns = schema.features.filter((f) => f.kind === 'numeric').map((f) => f.name);
  return groups.map((group, g) => {
    const main = audiobooks ? AUDIOBOOKS_MAIN_VALUES[group.name] : undefined;
    const firstNumeric = group.columns.find((c) => numericColumns.includes(c));
    const xLabel = main?.label ?? firstNumeric ?? group.columns[0]!;
    const xs = rows.map((row) => (main ? main.value(row) : firstNumeric ? asNumber(row.get(firstNumeric)) : null));
    const ys = explanations.map((e) => e.contributions[g]!.contribution * 100);
    const { bin, ranges } = binsOf(xs);
    // Another column explains the spread at one main value; the main column itself cannot.
    const candidates = numericColumns.filter((c) => c !== firstNumeric || main !== undefined);
    let color: DependenceChart['color'] = null;
    let zs: (number | null)[] = rows.map(() => null);
    for (const column of candidates) {
      const values = rows.map((row) => asNumber(row.get(column)));
      const strength = withinBinStrength(bin, ranges.length, ys, values);
      if (strength >= MIN_STRENGTH && strength > (color?.strength ?? 0)) {
        color = { column, label: column, strength };
        zs = values;
      }
    }
    // Thousandths of a point are plenty for a chart; −0 becomes 0 so the data reads back as written.
    const points = xs.map((x, i) => ({ x: plusZero(x), y: plusZero(Math.round(ys[i]! * 1000) / 1000)!, color: plusZero(zs[i] ?? null) }));
    return {
      group: group.name,
      label: group.label,
      x: { label: xLabel },
      color,
      points,
      interaction: color ? interactionOf(schema, bin, ranges, ys, zs, color.column, main?.phrase, xLabel) : null,
    };
  });
}

/** The bin where the push takes both signs (the one with the most push at stake), said with the colour's ends. */
function interactionOf(
  schema: TableSchema,
  bin: Int32Array,
  ranges: readonly [number, number][],
  ys: readonly number[],
  zs: readonly (number | null)[],
  column: string,
  phrase: ((value: number) => string) | undefined,
  xLabel: string,
): DependenceChart['interaction'] {
  let best: { b: number; stake: number; raisesFor: 'high' | 'low' } | null = null;
  for (let b = 0; b < ranges.length; b++) {
    const members = [...bin.keys()].filter((i) => bin[i] === b && zs[i] !== null);
    if (members.length < MIN_BIN) continue;
    const up = members.filter((i) => ys[i]! > FLIP_POINTS);
    const down = members.filter((i) => ys[i]! < -FLIP_POINTS);
    if (up.length < FLIP_SHARE * members.length || down.length < FLIP_SHARE * members.length) continue;
    const zUp = median(up.map((i) => zs[i]!));
    const zDown = median(down.map((i) => zs[i]!));
    if (zUp === zDown) continue;
    const stake = members.reduce((s, i) => s + Math.abs(ys[i]!), 0);
    if (!best || stake > best.stake) best = { b, stake, raisesFor: zUp > zDown ? 'high' : 'low' };
  }
  if (!best) return null;
  const [lo, hi] = ranges[best.b]!;
  const at = lo === hi ? (phrase ? phrase(lo) : `${xLabel} = ${formatNumber(lo)}`) : `${xLabel} ${formatNumber(lo)}–${formatNumber(hi)}`;
  const ends = schema.name === 'audiobooks' ? AUDIOBOOKS_COLUMN_ENDS[column] : undefined;
  const high = ends?.high ?? `higher ${column}`;
  const low = ends?.low ?? `lower ${column}`;
  const [first, second] = best.raisesFor === 'high' ? [high, low] : [low, high];
  return { at, raisesFor: best.raisesFor, text: `${at}: raises the chance for ${first}, lowers it for ${second}` };
}
