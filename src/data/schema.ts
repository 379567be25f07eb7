/** Which schema a table's header names: the built-in Audiobooks one, or one inferred from the columns. */
import { inputError, usageError } from '../errors.js';
import { normalizeHeader, type TableSchema } from '../core/schema.js';
import { AUDIOBOOKS_COLUMNS, AUDIOBOOKS_SCHEMA, audiobooksColumnOf, type AudiobooksColumn } from '../domain/audiobooks.js';

/** Which columns play the ID and target roles, when named rather than found by a conventional name. */
export interface RoleOptions {
  /** Exact header name of the target column. */
  target?: string;
  /** Exact header name of the ID column. */
  id?: string;
}

export type SchemaDecision =
  /** `columns[i]` is the Audiobooks column the i-th header names (null: not recognized). */
  | { kind: 'audiobooks'; columns: AudiobooksColumn[] }
  | { kind: 'custom' };

/**
 * Audiobooks when every header names a distinct Audiobooks column and all ten features are
 * there (ID and target optional), and any named target or ID is one of those same columns; else custom.
 */
export function recognizeHeader(header: readonly string[], roles: RoleOptions = {}): SchemaDecision {
  const columns = header.map(audiobooksColumnOf);
  if (columns.some((c) => c === null)) return { kind: 'custom' };
  const found = columns as AudiobooksColumn[];
  if (new Set(found).size !== found.length) return { kind: 'custom' };
  const hasAllFeatures = AUDIOBOOKS_SCHEMA.features.every((f) => found.includes(f.name as AudiobooksColumn));
  const namedAgrees = (named: string | undefined, col: AudiobooksColumn) =>
    named === undefined || found[header.indexOf(named)] === col;
  if (!hasAllFeatures || !namedAgrees(roles.target, 'target') || !namedAgrees(roles.id, 'id')) {
    return { kind: 'custom' };
  }
  return { kind: 'audiobooks', columns: found };
}

/** Names for the columns of a header-less custom file: `column1`, `column2`, … */
export function headerlessNames(nColumns: number): string[] {
  return Array.from({ length: nColumns }, (_, i) => `column${i + 1}`);
}

const NUMBER_TEXT = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/** A plain decimal number such as `12`, `-0.5`, `1e3` (not `inf`, `nan` or hex). */
export function isNumberText(text: string): boolean {
  return NUMBER_TEXT.test(text);
}

/** A first line is a header when some non-empty field is not a number. */
export function looksLikeHeader(firstLine: readonly string[]): boolean {
  return firstLine.some((field) => field.trim() !== '' && !isNumberText(field));
}

const DEFAULT_TARGET_NAMES = ['target', 'targets'];
const DEFAULT_ID_NAMES = ['id', 'customerid'];

function findByNormalizedName(header: readonly string[], names: readonly string[]): string | null {
  return header.find((h) => names.includes(normalizeHeader(h))) ?? null;
}

/** The ID and target columns: the named ones when given, else a column named like `id` / `target`. */
export function resolveRoles(header: readonly string[], roles: RoleOptions = {}): { id: string | null; target: string | null } {
  return {
    id: roles.id ?? findByNormalizedName(header, DEFAULT_ID_NAMES),
    target: roles.target ?? findByNormalizedName(header, DEFAULT_TARGET_NAMES),
  };
}

/** What reading a column's values revealed about it. */
export interface ColumnProfile {
  name: string;
  /** Every non-empty value parses as a finite number. */
  numeric: boolean;
}

/**
 * The schema of any other table: the ID and target columns (see resolveRoles) keep those roles;
 * every other column is a feature, numeric when its profile says so, otherwise categorical.
 */
export function inferSchema(columns: readonly ColumnProfile[], roles: RoleOptions = {}): TableSchema {
  const names = columns.map((c) => c.name);
  const { id, target } = resolveRoles(names, roles);
  for (const name of [id, target]) {
    if (name !== null && !names.includes(name)) throw usageError(`no column named ${JSON.stringify(name)}`);
  }
  return {
    name: 'custom',
    id,
    target,
    features: columns
      .filter((c) => c.name !== id && c.name !== target)
      .map((c) => ({ name: c.name, kind: c.numeric ? ('numeric' as const) : ('categorical' as const) })),
  };
}

const CANONICAL: ReadonlySet<string> = new Set(AUDIOBOOKS_COLUMNS);

/** A customer sent as JSON: column name → value. */
export type RecordValues = Readonly<Record<string, unknown>>;

/**
 * A JSON customer under the schema's column names: for the Audiobooks schema, keys spelled as a
 * file's header spells them (`"Price_overall"`, `"ID"`) are taken as the columns they name, as a
 * CSV header is. A column given twice under different spellings with different values is refused.
 * `at` names the record in messages (`customers[3]`).
 */
export function canonicalRecord<T extends RecordValues>(schema: TableSchema, record: T, at: string): T {
  if (schema.name !== AUDIOBOOKS_SCHEMA.name) return record;
  let out: Record<string, unknown> | null = null;
  const spelledAs = new Map<string, string>();
  for (const key of Object.keys(record)) {
    if (CANONICAL.has(key)) continue;
    const column = audiobooksColumnOf(key);
    if (column === null || column === key) continue;
    const before = spelledAs.get(column) ?? (column in record ? column : undefined);
    if (before !== undefined && record[before] !== record[key]) {
      throw inputError(`column ${column} is given twice, as ${JSON.stringify(before)} and ${JSON.stringify(key)}, with different values`, {
        field: `${at}.${key}`,
      });
    }
    spelledAs.set(column, key);
    out ??= { ...record };
    out[column] = record[key];
  }
  return (out ?? record) as T;
}
