/** Which file column is the ID, the target and each feature: bound to a given schema or one the header implies. */
import { inputError, type RebuyError } from '../../errors.js';
import { AUDIOBOOKS_HEADER, AUDIOBOOKS_SCHEMA, audiobooksColumnOf, headerlessAudiobooksColumns, type AudiobooksColumn } from '../../domain/audiobooks.js';
import { inferSchema, recognizeHeader, type ColumnProfile, type RoleOptions, type SchemaDecision } from '../schema.js';
import type { TableSchema } from '../../core/schema.js';
import type { Source } from './source.js';

export type Role = 'id' | 'target' | 'numeric' | 'categorical';

export interface BoundColumn {
  /** Position in the file. */
  index: number;
  /** The name to show the user: the file's header name (header-less Audiobooks: canonical). */
  label: string;
  /** The name in the Table (canonical for Audiobooks). */
  key: string;
  role: Role;
}

export interface Binding {
  schema: TableSchema;
  id: BoundColumn | null;
  target: BoundColumn | null;
  features: BoundColumn[];
}

export function bindToSchema(source: Source, schema: TableSchema): Binding {
  const keys = fileKeys(source, schema);
  const labels = schema.name === 'audiobooks' && !source.hasHeader ? keys.map((k, i) => k ?? source.labels[i]!) : source.labels;
  const find = (key: string, role: Role): BoundColumn | null => {
    const index = keys.indexOf(key);
    if (index < 0) return null;
    const again = keys.indexOf(key, index + 1);
    if (again >= 0) throw namedTwice(source, labels, key, index, again);
    return { index, label: labels[index]!, key, role };
  };
  const require = (key: string, role: Role): BoundColumn => {
    const col = find(key, role);
    if (!col) throw missingColumn(source, schema, key);
    return col;
  };
  return {
    schema,
    id: schema.id ? require(schema.id, 'id') : null,
    target: schema.target ? find(schema.target, 'target') : null,
    features: schema.features.map((f) => require(f.name, f.kind)),
  };
}

/** The schema key each file column stands for (Audiobooks: canonical names from the aliases). */
function fileKeys(source: Source, schema: TableSchema): (string | null)[] {
  if (schema.name !== 'audiobooks') return source.labels;
  if (source.hasHeader) return source.labels.map(audiobooksColumnOf);
  return headerlessAudiobooksColumns(source.labels.length) ?? source.labels.map(() => null);
}

/**
 * The binding a file's header implies: Audiobooks when it names those columns, else a schema
 * inferred from the columns' values (`profile` reads them, only when needed).
 */
export async function bindByHeader(
  source: Source,
  opts: RoleOptions,
  profile: () => Promise<ColumnProfile[]>,
): Promise<Binding> {
  const rolesNamed = opts.target !== undefined || opts.id !== undefined;
  const decision = source.hasHeader
    ? recognizeHeader(source.labels, opts)
    : audiobooksIfOriginalLayout(source.labels.length, rolesNamed);
  if (decision.kind === 'audiobooks') return bindToSchema(source, audiobooksSchemaFor(decision.columns));
  checkCustomHeader(source, opts);
  const profiles = await profile();
  return bindToSchema(source, inferSchema(profiles, { target: opts.target, id: opts.id }));
}

/** A header-less file with 12 columns is the course's original layout, unless the target or ID option says otherwise. */
function audiobooksIfOriginalLayout(nColumns: number, rolesNamed: boolean): SchemaDecision {
  return nColumns === AUDIOBOOKS_HEADER.length && !rolesNamed
    ? { kind: 'audiobooks', columns: headerlessAudiobooksColumns(nColumns)! }
    : { kind: 'custom' };
}

function audiobooksSchemaFor(columns: AudiobooksColumn[]): TableSchema {
  return {
    ...AUDIOBOOKS_SCHEMA,
    id: columns.includes('id') ? 'id' : null,
    target: columns.includes('target') ? 'target' : null,
  };
}

/** Two header names for one column (`id` twice, or `ID` beside `customer_id`): which one to read would be a guess. */
function namedTwice(source: Source, labels: readonly string[], key: string, first: number, second: number): RebuyError {
  const [a, b] = [labels[first]!, labels[second]!];
  const problem =
    a === b ? `column name appears twice (columns ${first + 1} and ${second + 1})` : `columns ${first + 1} (${JSON.stringify(a)}) and ${second + 1} (${JSON.stringify(b)}) both name the column ${key}`;
  return inputError(problem, { file: source.path, line: 1, column: b });
}

function checkCustomHeader(source: Source, opts: RoleOptions): void {
  const seen = new Map<string, number>();
  source.labels.forEach((label, i) => {
    const before = seen.get(label);
    if (before !== undefined) {
      throw inputError(`column name appears twice (columns ${before + 1} and ${i + 1})`, { file: source.path, line: 1, column: label });
    }
    seen.set(label, i);
  });
  for (const [option, name] of [['target', opts.target], ['id', opts.id]] as const) {
    if (name !== undefined && !seen.has(name)) {
      throw inputError(`no column named ${JSON.stringify(name)} (the \`${option}\` option); columns found: ${listColumns(source)}`, {
        file: source.path,
        line: 1,
        column: name,
      });
    }
  }
}

export function checkTargetPresence(source: Source, binding: Binding, required: boolean): void {
  if (!required || binding.target) return;
  const name = binding.schema.target;
  const problem =
    binding.schema.name === 'audiobooks' || name
      ? `missing required column ${JSON.stringify(name ?? 'target')}`
      : 'no target column: name it with the `target` option';
  throw inputError(`${problem}; columns found: ${listColumns(source)}`, { file: source.path, line: 1, column: name ?? 'target' });
}

function missingColumn(source: Source, schema: TableSchema, key: string): RebuyError {
  const spelled = schema.name === 'audiobooks' ? audiobooksSpelling(key) : '';
  return inputError(`missing required column ${JSON.stringify(key)}${spelled}; columns found: ${listColumns(source)}`, {
    file: source.path,
    line: 1,
    column: key,
  });
}

function audiobooksSpelling(key: string): string {
  const header = AUDIOBOOKS_HEADER.find((h) => audiobooksColumnOf(h) === key);
  return header ? ` (e.g. ${JSON.stringify(header)})` : '';
}

function listColumns(source: Source): string {
  const shown = source.labels.map((l) => JSON.stringify(l)).join(', ');
  return (source.hasHeader ? shown : `${source.labels.length} unnamed columns (no header row)`) + separatorHint(source);
}

/** When the names hold another separator than the one read with, the file is likely split by that one. */
export function separatorHint(source: Source): string {
  if (source.format !== 'csv') return '';
  const other = [';', '\t', '|'].find((d) => d !== source.delimiter && source.labels.some((l) => l.includes(d)));
  return other ? `; the separator looks like ${JSON.stringify(other)}: set it with \`delimiter\` (and \`decimal\` for decimal commas)` : '';
}

/** Output columns, in this order: id, target, then the features in schema order. */
export function outputColumns(binding: Binding): BoundColumn[] {
  return [binding.id, binding.target, ...binding.features].filter((c): c is BoundColumn => c !== null);
}
