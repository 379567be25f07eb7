/** The column contract: which column is the ID, which the target, and what the features are. */
import { usageError } from '../errors.js';

export type ColumnKind = 'numeric' | 'categorical';

export interface FeatureColumn {
  name: string;
  kind: ColumnKind;
}

export interface TableSchema {
  /** 'audiobooks' for the built-in schema, 'custom' for one inferred from a file. */
  name: 'audiobooks' | 'custom';
  id: string | null;
  target: string | null;
  features: FeatureColumn[];
}

/** Canonical Audiobooks column names, in the course's original file order. */
export const AUDIOBOOKS_COLUMNS = [
  'id',
  'book_length_overall',
  'book_length_avg',
  'price_overall',
  'price_avg',
  'review',
  'review_score',
  'completion',
  'minutes_listened',
  'support_requests',
  'last_visit_days',
  'target',
] as const;

export type AudiobooksColumn = (typeof AUDIOBOOKS_COLUMNS)[number];

export const AUDIOBOOKS_SCHEMA: TableSchema = {
  name: 'audiobooks',
  id: 'id',
  target: 'target',
  features: AUDIOBOOKS_COLUMNS.filter((c) => c !== 'id' && c !== 'target').map((name) => ({
    name,
    kind: 'numeric' as const,
  })),
};

/** The fill value the course used for a missing review score. */
export const AUDIOBOOKS_REVIEW_FILL = 8.91;

/** The header row of the published `audiobooks.csv`, in file order (note the trailing space). */
export const AUDIOBOOKS_HEADER: readonly string[] = [
  'ID',
  'Book length(mins)_overall',
  'Book length(mins)_avg',
  'Price_overall',
  'Price_avg',
  'Review',
  'Review ?/10',
  'Completion',
  'Listened(mins)',
  'Support request',
  'Last visited after Purchase date ',
  'Targets',
];

/** Lowercase, keep only a-z and 0-9: `"Review ?/10"` → `"review10"`. */
export function normalizeHeader(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Known spellings of each Audiobooks column, normalized. */
const AUDIOBOOKS_ALIASES: Record<AudiobooksColumn, readonly string[]> = {
  id: ['id', 'customerid', 'custid', 'userid'],
  book_length_overall: ['booklengthminsoverall', 'booklengthoverall', 'booklengthminutesoverall'],
  book_length_avg: ['booklengthminsavg', 'booklengthavg', 'booklengthminsaverage', 'booklengthminutesavg'],
  price_overall: ['priceoverall', 'pricepaidoverall'],
  price_avg: ['priceavg', 'priceaverage', 'pricepaidavg'],
  review: ['review', 'reviewed', 'isreview', 'leftreview'],
  review_score: ['reviewscore', 'review10', 'review1010', 'reviewoutof10', 'reviewrating'],
  completion: ['completion', 'completionrate'],
  minutes_listened: ['minuteslistened', 'listenedmins', 'listenedminutes', 'totalminuteslistened', 'minuteslisted'],
  support_requests: ['supportrequests', 'supportrequest', 'supportrequested'],
  last_visit_days: [
    'lastvisitdays',
    'lastvisitedafterpurchasedate',
    'lastvisitedminuspurchasedate',
    'lastvisitminuspurchasedate',
    'dayssincepurchase',
  ],
  target: ['target', 'targets'],
};

const ALIAS_TO_COLUMN: ReadonlyMap<string, AudiobooksColumn> = new Map(
  AUDIOBOOKS_COLUMNS.flatMap((col) => AUDIOBOOKS_ALIASES[col].map((alias) => [alias, col] as const)),
);

/** The Audiobooks column a header names, or null. */
export function audiobooksColumnOf(header: string): AudiobooksColumn | null {
  return ALIAS_TO_COLUMN.get(normalizeHeader(header)) ?? null;
}

/** Which columns play the ID and target roles, chosen by flag or by a conventional name. */
export interface RoleOptions {
  /** Exact header name of the target column (`--target`). */
  target?: string;
  /** Exact header name of the ID column (`--id`). */
  id?: string;
}

export type SchemaDecision =
  /** `columns[i]` is the Audiobooks column the i-th header names (null: not recognized). */
  | { kind: 'audiobooks'; columns: AudiobooksColumn[] }
  | { kind: 'custom' };

/**
 * Audiobooks when every header names a distinct Audiobooks column and all ten features are
 * there (ID and target optional), and any --target/--id flag names those same columns; else custom.
 */
export function recognizeHeader(header: readonly string[], roles: RoleOptions = {}): SchemaDecision {
  const columns = header.map(audiobooksColumnOf);
  if (columns.some((c) => c === null)) return { kind: 'custom' };
  const found = columns as AudiobooksColumn[];
  if (new Set(found).size !== found.length) return { kind: 'custom' };
  const hasAllFeatures = AUDIOBOOKS_SCHEMA.features.every((f) => found.includes(f.name as AudiobooksColumn));
  const flagAgrees = (flag: string | undefined, col: AudiobooksColumn) =>
    flag === undefined || found[header.indexOf(flag)] === col;
  if (!hasAllFeatures || !flagAgrees(roles.target, 'target') || !flagAgrees(roles.id, 'id')) {
    return { kind: 'custom' };
  }
  return { kind: 'audiobooks', columns: found };
}

/** The Audiobooks columns of a header-less file with this many columns (the course's layout), or null. */
export function headerlessAudiobooksColumns(nColumns: number): AudiobooksColumn[] | null {
  if (nColumns === AUDIOBOOKS_COLUMNS.length) return [...AUDIOBOOKS_COLUMNS];
  if (nColumns === AUDIOBOOKS_COLUMNS.length - 1) return AUDIOBOOKS_COLUMNS.slice(0, -1);
  return null;
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

/** The ID and target columns: the flags when given, else a column named like `id` / `target`. */
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
