/**
 * `rebuy models`: what the store holds (list, show), how two versions differ (diff: metrics side by
 * side, paired on the same customers when both can be scored on them, schema and configuration), and
 * the alias moves (promote, rollback) and deletions, each through the store interface.
 */
import { basename } from 'node:path';
import { readEvaluation } from '../bundle/evaluation.js';
import { EVALUATION_FILE } from '../bundle/layout.js';
import { loadBundle } from '../bundle/load.js';
import type { Manifest } from '../bundle/manifest.js';
import { objectiveInWords } from '../bundle/objective.js';
import { formatRef, type AliasRef, type StoreRef, type VersionRef } from '../bundle/ref.js';
import type { AliasMove, ModelStore, ResolvedVersion, StoredVersion } from '../bundle/store.js';
import { featureColumns } from '../core/table.js';
import { readTable } from '../data/read.js';
import { usageError } from '../errors.js';
import type { MetricSet } from '../evaluate/metrics.js';
import { compareAuc, type AucComparison } from '../evaluate/verdict.js';
import { loadPredictor } from '../predict/predictor.js';

/** The figures `list` shows for a version: the model on the natural class mix, and the seeds' balanced accuracy. */
export interface HeadlineMetrics {
  naturalRocAuc: number | null;
  naturalPrAuc: number | null;
  naturalBrier: number | null;
  balancedAccuracy: number | null;
  /** Customers in the natural test part the figures come from. */
  naturalCustomers: number | null;
}

export interface VersionSummary {
  ref: string;
  name: string;
  version: number;
  aliases: string[];
  createdAt: string | null;
  /** SHA-256 over the training data files' bytes. */
  dataFingerprint: string | null;
  dataFiles: string[];
  rows: number | null;
  synthetic: boolean | null;
  model: string | null;
  threshold: number | null;
  metrics: HeadlineMetrics;
  /** SHA-256 of manifest.json. */
  hash: string | null;
  /** Why the manifest could not be read, when it could not. */
  problem: string | null;
}

function headline(manifest: Manifest | null): HeadlineMetrics {
  const natural = manifest?.model.metrics.naturalTest ?? null;
  const balanced = manifest?.model.metrics.balancedTest ?? null;
  return {
    naturalRocAuc: natural?.rocAuc ?? null,
    naturalPrAuc: natural?.prAuc ?? null,
    naturalBrier: natural?.brier ?? null,
    balancedAccuracy: balanced?.accuracy ?? null,
    naturalCustomers: natural?.n ?? null,
  };
}

export function summarize(v: StoredVersion): VersionSummary {
  const m = v.manifest;
  return {
    ref: formatRef(v),
    name: v.name,
    version: v.version,
    aliases: v.aliases,
    createdAt: m?.createdAt ?? null,
    dataFingerprint: m?.data.fingerprint ?? null,
    dataFiles: m?.data.files.map((f) => basename(f)) ?? [],
    rows: m?.data.rows ?? null,
    synthetic: m?.data.synthetic ?? null,
    model: m?.model.name ?? null,
    threshold: m?.threshold ?? null,
    metrics: headline(m),
    hash: v.hash,
    problem: v.problem,
  };
}

export async function listVersions(store: ModelStore, name?: string): Promise<VersionSummary[]> {
  return (await store.list(name)).map(summarize);
}

export interface VersionDetail extends VersionSummary {
  dir: string;
  /** The alias moves that pointed an alias to or away from this version. */
  moves: AliasMove[];
  manifest: Manifest;
}

async function storedVersion(store: ModelStore, ref: StoreRef): Promise<{ resolved: ResolvedVersion; stored: StoredVersion }> {
  const resolved = await store.resolve(ref);
  const stored = (await store.list(ref.name)).find((v) => v.version === resolved.version);
  if (!stored) throw usageError(`${formatRef(ref)} went away while it was being read`);
  return { resolved, stored };
}

/** One version in full: verified (every file hashed), with its alias moves. */
export async function showVersion(store: ModelStore, ref: StoreRef): Promise<VersionDetail> {
  const { resolved, stored } = await storedVersion(store, ref);
  const bundle = await loadBundle(resolved.dir);
  const moves = (await store.aliasHistory(ref.name)).filter((m) => m.to === resolved.version || m.from === resolved.version);
  return { ...summarize({ ...stored, manifest: bundle.manifest, hash: bundle.hash, problem: null }), dir: resolved.dir, moves, manifest: bundle.manifest };
}

// ---------------------------------------------------------------------------------------------
// diff

export interface FieldChange {
  field: string;
  a: unknown;
  b: unknown;
}

export interface PairedComparison {
  /** Where the customers come from: the versions' shared natural test part, or the file given. */
  source: string;
  customers: number;
  /** ROC-AUC of each and B − A, with a paired bootstrap interval. */
  rocAuc: AucComparison;
}

export interface VersionDiff {
  a: VersionSummary;
  b: VersionSummary;
  metrics: { a: { natural: MetricSet | null; balanced: MetricSet | null }; b: { natural: MetricSet | null; balanced: MetricSet | null } };
  /** On the same customers, or null with the reason in `pairedNote`. */
  paired: PairedComparison | null;
  pairedNote: string | null;
  schema: { added: string[]; removed: string[]; changed: FieldChange[]; target: FieldChange | null; id: FieldChange | null };
  configuration: FieldChange[];
}

/** The parts of a manifest that say how a model was made, flattened to dotted fields. */
function configurationOf(m: Manifest): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const walk = (prefix: string, value: unknown): void => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(prefix ? `${prefix}.${k}` : k, v);
    } else out[prefix] = value;
  };
  const { name, kind, derived, preset, config } = m.model;
  walk('model', { name, kind, derived, preset, config });
  walk('baseline', m.baseline === null ? null : m.baseline.name);
  walk('calibration', { method: m.calibration.method });
  walk('threshold', { value: m.threshold, objective: objectiveInWords(m.thresholdObjective) });
  const { fingerprint, files, rows, positives, balance, split, seed, synthetic } = m.data;
  walk('data', { fingerprint, files: files.map((f) => basename(f)), rows, positives, balance, split, seed, synthetic });
  walk('packages', m.packages);
  return out;
}

function changedFields(a: Record<string, unknown>, b: Record<string, unknown>): FieldChange[] {
  const fields = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return fields.filter((f) => JSON.stringify(a[f] ?? null) !== JSON.stringify(b[f] ?? null)).map((field) => ({ field, a: a[field] ?? null, b: b[field] ?? null }));
}

function schemaDiff(a: Manifest, b: Manifest): VersionDiff['schema'] {
  const kinds = (m: Manifest) => new Map(m.schema.features.map((f) => [f.name, f.kind]));
  const ka = kinds(a);
  const kb = kinds(b);
  const change = (field: string, x: unknown, y: unknown): FieldChange | null => (x === y ? null : { field, a: x, b: y });
  return {
    added: [...kb.keys()].filter((k) => !ka.has(k)),
    removed: [...ka.keys()].filter((k) => !kb.has(k)),
    changed: [...ka.keys()].filter((k) => kb.has(k) && kb.get(k) !== ka.get(k)).map((k) => ({ field: k, a: ka.get(k), b: kb.get(k) })),
    target: change('target', a.schema.target, b.schema.target),
    id: change('id', a.schema.id, b.schema.id),
  };
}

function sameArrays(x: ArrayLike<number>, y: ArrayLike<number>): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Both versions scored on one labelled file, each through its own pipeline. */
async function pairedOnFile(dirA: string, dirB: string, data: string, seed: number): Promise<PairedComparison> {
  const scored: { p: Float32Array; y: ArrayLike<number> }[] = [];
  for (const dir of [dirA, dirB]) {
    const predictor = await loadPredictor(dir, { threads: 2 });
    try {
      const table = await readTable(data, { schema: predictor.manifest.schema, requireTarget: true });
      if (!table.target) throw usageError(`${data} has no target column to compare the versions on`);
      scored.push({ p: await predictor.predictColumns(featureColumns(table)), y: table.target });
    } finally {
      await predictor.close();
    }
  }
  const [a, b] = scored as [(typeof scored)[0], (typeof scored)[0]];
  if (!sameArrays(a.y, b.y)) throw usageError(`the two versions read different rows or labels from ${data} (their schemas name the target differently)`);
  return { source: data, customers: a.y.length, rocAuc: compareAuc(b.p, a.p, a.y, { seed }) };
}

/** The versions' own natural test parts, when they are the same customers (same data, split and seed). */
async function pairedOnHeldOut(dirA: string, dirB: string, seed: number): Promise<{ paired: PairedComparison | null; note: string | null }> {
  const [a, b] = await Promise.all([loadBundle(dirA), loadBundle(dirB)]);
  const same = (m: Manifest) => JSON.stringify([m.data.fingerprint, m.data.balance, m.data.split, m.data.seed]);
  if (same(a.manifest) !== same(b.manifest)) {
    return { paired: null, note: 'trained on different data or splits, so their held-out customers differ: give --data FILE (labelled) to score both on the same customers' };
  }
  if (!(EVALUATION_FILE in a.manifest.files) || !(EVALUATION_FILE in b.manifest.files)) {
    return { paired: null, note: `a version keeps no ${EVALUATION_FILE}: give --data FILE (labelled) to score both on the same customers` };
  }
  const [ea, eb] = await Promise.all([readEvaluation(a), readEvaluation(b)]);
  if (!sameArrays(ea.naturalTest.label, eb.naturalTest.label)) {
    return { paired: null, note: 'their natural test parts hold different customers: give --data FILE (labelled) to score both on the same customers' };
  }
  return {
    paired: { source: 'the natural test part both versions held out', customers: ea.naturalTest.label.length, rocAuc: compareAuc(eb.naturalTest.probability, ea.naturalTest.probability, ea.naturalTest.label, { seed }) },
    note: null,
  };
}

export interface DiffOptions {
  /** A labelled table to score both versions on (else their shared held-out part, when there is one). */
  data?: string;
  seed?: number;
}

/** B against A: metrics side by side, the paired ROC-AUC difference B − A, schema and configuration changes. */
export async function diffVersions(store: ModelStore, refA: StoreRef, refB: StoreRef, options: DiffOptions = {}): Promise<VersionDiff> {
  const seed = options.seed ?? 0;
  const [a, b] = [await showVersion(store, refA), await showVersion(store, refB)];
  const { paired, note } = options.data !== undefined ? { paired: await pairedOnFile(a.dir, b.dir, options.data, seed), note: null } : await pairedOnHeldOut(a.dir, b.dir, seed);
  const metricsOf = (m: Manifest) => ({ natural: m.model.metrics.naturalTest, balanced: m.model.metrics.balancedTest });
  const strip = ({ manifest: _m, moves: _v, dir: _d, ...summary }: VersionDetail): VersionSummary => summary;
  return {
    a: strip(a),
    b: strip(b),
    metrics: { a: metricsOf(a.manifest), b: metricsOf(b.manifest) },
    paired,
    pairedNote: note,
    schema: schemaDiff(a.manifest, b.manifest),
    configuration: changedFields(configurationOf(a.manifest), configurationOf(b.manifest)),
  };
}

// ---------------------------------------------------------------------------------------------
// alias moves and deletions

export function promote(store: ModelStore, ref: VersionRef, alias: string, reason?: string): Promise<AliasMove> {
  return store.setAlias(ref, alias, { reason: reason ?? null });
}

export function rollback(store: ModelStore, ref: AliasRef, reason?: string): Promise<AliasMove> {
  return store.rollback(ref, { reason: reason ?? null });
}

export function deleteVersion(store: ModelStore, ref: VersionRef, reason?: string): Promise<void> {
  return store.remove(ref, { reason: reason ?? null });
}
