/**
 * Which columns are explained together as one fact. The Audiobooks schema has its groups built in;
 * any other table takes the user's groups (`--group name=col1,col2`) and puts the remaining numeric
 * columns together when their ranks move together (|Spearman| on the background sample at or above
 * a threshold): one behaviour measured twice is one fact, and splitting it would say it twice.
 */
import { EXPLAIN_DEFAULTS } from '../config.js';
import type { TableSchema } from '../core/schema.js';
import type { FeatureColumns } from '../core/table.js';
import { AUDIOBOOKS_GROUPS } from '../domain/audiobooks.js';
import { usageError } from '../errors.js';
import type { FeatureGroup } from './types.js';

/** A group the user names: `name=col1,col2`. */
export interface GroupSpec {
  name: string;
  columns: string[];
}

/** Parses `name=col1,col2` (as `--group` takes it). */
export function parseGroupSpec(text: string): GroupSpec {
  const eq = text.indexOf('=');
  const name = eq < 0 ? '' : text.slice(0, eq).trim();
  const columns = eq < 0 ? [] : text.slice(eq + 1).split(',').map((c) => c.trim()).filter((c) => c !== '');
  if (name === '' || columns.length === 0) throw usageError(`--group takes NAME=COLUMN1,COLUMN2; got ${JSON.stringify(text)}`);
  return { name, columns };
}

export interface GroupOptions {
  given?: readonly GroupSpec[];
  /** |Spearman| from which two numeric columns are one fact (default from config). */
  dependence?: number;
}

/** The groups for a schema: built in, given, or found in the background sample; every column in exactly one. */
export function resolveGroups(schema: TableSchema, background: FeatureColumns, opts: GroupOptions = {}): FeatureGroup[] {
  const names = schema.features.map((f) => f.name);
  const given = opts.given ?? [];
  if (schema.name === 'audiobooks' && given.length === 0) {
    return AUDIOBOOKS_GROUPS.map((g) => ({ name: g.name, label: g.label, columns: g.columns.filter((c) => names.includes(c)), actionable: g.actionable })).filter(
      (g) => g.columns.length > 0,
    );
  }
  const owner = new Map<string, string>();
  const groups: FeatureGroup[] = [];
  for (const spec of given) {
    if (groups.some((g) => g.name === spec.name)) throw usageError(`--group ${spec.name} is given twice`);
    for (const column of spec.columns) {
      if (!names.includes(column)) throw usageError(`--group ${spec.name}: the model has no feature column ${JSON.stringify(column)} (it has ${names.join(', ')})`);
      const before = owner.get(column);
      if (before !== undefined) throw usageError(`--group ${spec.name}: column ${column} is already in group ${before}`);
      owner.set(column, spec.name);
    }
    groups.push({ name: spec.name, label: spec.name, columns: names.filter((n) => spec.columns.includes(n)), actionable: false });
  }
  const rest = schema.features.filter((f) => !owner.has(f.name));
  const dependence = opts.dependence ?? EXPLAIN_DEFAULTS.groupDependence;
  for (const columns of dependentSets(rest, background, dependence)) {
    const name = columns.join('+');
    groups.push({ name, label: columns.join(' and '), columns, actionable: false });
  }
  return groups;
}

/** Columns joined when |Spearman| ≥ threshold (transitively), in schema order; categorical columns stay alone. */
function dependentSets(features: TableSchema['features'], background: FeatureColumns, threshold: number): string[][] {
  const parent = features.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  const ranks = features.map((f) => {
    const values = f.kind === 'numeric' ? background.numeric.get(f.name) : undefined;
    return values ? rankWithTies(values) : null;
  });
  for (let a = 0; a < features.length; a++) {
    for (let b = a + 1; b < features.length; b++) {
      const ra = ranks[a];
      const rb = ranks[b];
      if (!ra || !rb) continue;
      if (Math.abs(pearson(ra, rb)) >= threshold) parent[find(b)] = find(a);
    }
  }
  const sets = new Map<number, string[]>();
  features.forEach((f, i) => {
    const root = find(i);
    sets.set(root, [...(sets.get(root) ?? []), f.name]);
  });
  return [...sets.values()];
}

/** Ranks 1..n with ties averaged; missing values (NaN) share one rank below every number. */
export function rankWithTies(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const key = (i: number) => (Number.isNaN(values[i]!) ? -Infinity : values[i]!);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => key(a) - key(b) || 0);
  const ranks = new Float64Array(n);
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && key(order[end]!) === key(order[start]!)) end++;
    const rank = (start + end + 1) / 2;
    for (let k = start; k < end; k++) ranks[order[k]!] = rank;
    start = end;
  }
  return ranks;
}

/** Pearson correlation; 0 when either side is constant. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) (ma += a[i]!), (mb += b[i]!);
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa === 0 || sbb === 0 ? 0 : sab / Math.sqrt(saa * sbb);
}
