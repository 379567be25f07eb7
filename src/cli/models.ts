/** `rebuy models list|show|diff|history|promote|rollback|delete`: flags → app/models.ts, results on stdout. */
import {
  deleteVersion,
  diffVersions,
  listVersions,
  promote,
  rollback,
  showVersion,
  type FieldChange,
  type VersionDiff,
  type VersionSummary,
} from '../app/models.js';
import { checkAliasName, checkModelName, parseAliasRef, parseStoreRef, parseVersionRef } from '../bundle/ref.js';
import { fileStore, type AliasMove, type ModelStore } from '../bundle/store.js';
import { fixed, percent } from '../core/format.js';
import { formatMetricsTable } from './format.js';
import { storeLocation } from './options.js';

export interface StoreFlags {
  store?: string;
  json?: boolean;
}

function openStore(flags: StoreFlags): ModelStore {
  return fileStore(storeLocation(flags.store));
}

function print(flags: StoreFlags, value: unknown, text: () => string): void {
  process.stdout.write(flags.json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => `  ${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd()).join('\n');
}

const metric = (v: number | null): string => (v === null ? '–' : fixed(v));

export function formatList(versions: VersionSummary[], location: string, name?: string): string {
  if (versions.length === 0) {
    return name === undefined ? `store ${location} holds no models yet (rebuy train … --register NAME adds one)` : `store ${location} holds no versions of ${name}`;
  }
  const rows = versions.map((v) => [
    v.ref,
    v.aliases.join(', ') || '–',
    v.createdAt ?? '–',
    v.dataFingerprint?.slice(0, 12) ?? '–',
    v.model ?? '–',
    metric(v.metrics.naturalRocAuc),
    v.metrics.balancedAccuracy === null ? '–' : percent(v.metrics.balancedAccuracy),
    v.problem === null ? '' : `unreadable: ${v.problem}`,
  ]);
  return [
    `store ${location}:`,
    table(['version', 'aliases', 'created', 'data', 'model', 'natural ROC-AUC', 'balanced accuracy', ''], rows),
    '',
    'data: the first 12 hex digits of the SHA-256 of the training data; natural ROC-AUC on held-out customers in the data\'s own class mix; balanced accuracy on equal buyers and non-buyers.',
  ].join('\n');
}

export async function runModelsList(name: string | undefined, flags: StoreFlags): Promise<void> {
  const store = openStore(flags);
  const versions = await listVersions(store, name === undefined ? undefined : checkModelName(name));
  print(flags, versions, () => formatList(versions, store.location, name));
}

function formatMove(m: AliasMove): string {
  const from = m.from === null ? '' : ` (was v${m.from})`;
  return `  ${m.at}  ${m.action} @${m.alias} → v${m.to}${from}${m.by ? ` by ${m.by}` : ''}${m.reason ? `: ${m.reason}` : ''}`;
}

export async function runModelsShow(ref: string, flags: StoreFlags): Promise<void> {
  const detail = await showVersion(openStore(flags), parseStoreRef(ref));
  print(flags, detail, () =>
    [
      `${detail.ref}${detail.aliases.length ? ` (${detail.aliases.map((a) => `@${a}`).join(', ')})` : ''}: verified, every file's SHA-256 matches`,
      `  created ${detail.createdAt}; model ${detail.model}; threshold ${metric(detail.threshold)}`,
      `  trained on ${detail.dataFiles.join(', ') || '–'} (${detail.rows} rows${detail.synthetic ? ', synthetic' : ''}), data SHA-256 ${detail.dataFingerprint}`,
      `  bundle ${detail.dir}, manifest SHA-256 ${detail.hash}`,
      '',
      formatMetricsTable([
        { title: 'natural', metrics: detail.manifest.model.metrics.naturalTest },
        { title: 'balanced', metrics: detail.manifest.model.metrics.balancedTest },
      ]),
      '',
      detail.moves.length ? `alias moves to or from ${detail.ref}:\n${detail.moves.map(formatMove).join('\n')}` : `no alias has pointed to ${detail.ref}`,
    ].join('\n'),
  );
}

export async function runModelsHistory(name: string, flags: StoreFlags): Promise<void> {
  const store = openStore(flags);
  const moves = await store.aliasHistory(checkModelName(name));
  print(flags, moves, () => (moves.length ? [`alias moves of ${name}, oldest first:`, ...moves.map(formatMove)].join('\n') : `no alias of ${name} has moved yet`));
}

function changeLine(c: FieldChange): string {
  return `  ${c.field}: ${JSON.stringify(c.a)} → ${JSON.stringify(c.b)}`;
}

export function formatDiff(d: VersionDiff): string {
  const lines = [
    `${d.b.ref} against ${d.a.ref}`,
    '',
    formatMetricsTable([
      { title: `${d.a.ref} natural`, metrics: d.metrics.a.natural },
      { title: `${d.b.ref} natural`, metrics: d.metrics.b.natural },
      { title: `${d.a.ref} balanced`, metrics: d.metrics.a.balanced },
      { title: `${d.b.ref} balanced`, metrics: d.metrics.b.balanced },
    ]),
    '  (each on its own held-out customers)',
    '',
  ];
  if (d.paired) {
    const c = d.paired.rocAuc;
    const sign = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(3)}`;
    const verdict = c.interval[0] > 0 ? `${d.b.ref} ranks better` : c.interval[1] < 0 ? `${d.b.ref} ranks worse` : 'no clear difference (the interval includes none)';
    lines.push(
      `on the same ${d.paired.customers.toLocaleString('en')} customers (${d.paired.source}):`,
      `  ROC-AUC ${d.a.ref} ${c.baseline.toFixed(3)}, ${d.b.ref} ${c.model.toFixed(3)}: ${sign(c.difference)}, ${Math.round(c.level * 100)} % interval ${sign(c.interval[0])} to ${sign(c.interval[1])} (paired bootstrap, ${c.replicates} resamples): ${verdict}`,
    );
  } else lines.push(`not compared on the same customers: ${d.pairedNote}`);
  const s = d.schema;
  const schemaLines = [
    ...s.added.map((f) => `  + ${f}`),
    ...s.removed.map((f) => `  − ${f}`),
    ...s.changed.map((c) => `  ${c.field}: ${String(c.a)} → ${String(c.b)}`),
    ...[s.target, s.id].filter((c): c is FieldChange => c !== null).map(changeLine),
  ];
  lines.push('', schemaLines.length ? `schema:\n${schemaLines.join('\n')}` : 'schema: the same columns');
  lines.push('', d.configuration.length ? `configuration:\n${d.configuration.map(changeLine).join('\n')}` : 'configuration: the same');
  return lines.join('\n');
}

export async function runModelsDiff(a: string, b: string, flags: StoreFlags & { data?: string; seed?: number }): Promise<void> {
  const diff = await diffVersions(openStore(flags), parseStoreRef(a), parseStoreRef(b), { data: flags.data, seed: flags.seed });
  print(flags, diff, () => formatDiff(diff));
}

export async function runModelsPromote(ref: string, flags: StoreFlags & { to: string; reason?: string }): Promise<void> {
  const version = parseVersionRef(ref);
  const move = await promote(openStore(flags), version, checkAliasName(flags.to), flags.reason);
  print(flags, move, () => `${version.name}@${move.alias} → v${move.to}${move.from === null ? '' : ` (was v${move.from})`}`);
}

export async function runModelsRollback(ref: string, flags: StoreFlags & { reason?: string }): Promise<void> {
  const alias = parseAliasRef(ref);
  const move = await rollback(openStore(flags), alias, flags.reason);
  print(flags, move, () => `${alias.name}@${move.alias} rolled back → v${move.to} (was v${move.from})`);
}

export async function runModelsDelete(ref: string, flags: StoreFlags & { reason?: string }): Promise<void> {
  const version = parseVersionRef(ref);
  await deleteVersion(openStore(flags), version, flags.reason);
  print(flags, { deleted: ref }, () => `deleted ${ref}`);
}
